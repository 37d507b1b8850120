"""Kiosk health reports, status, history bound and remote commands (server_stub.fleet) on real SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server_stub import audit
from server_stub.errors import CenterError, RequestError
from server_stub.fleet import HISTORY_KEEP, Fleet, status_of, validate_report
from server_stub.store import audit_log, make_engine, metadata


def report(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reader": "ok",
        "printer": "ok",
        "receipt_printer": None,
        "cash_box": "ok",
        "in_service": True,
        "reason": None,
        "counters": {"issued": 3, "pages": 5},
        "version": "0.1.0",
        "uptime": 12.5,
        "last_errors": [{"at": 1.0, "code": "printer_paper_end"}],
    }
    return base | over


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[Fleet, Clock]:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        audit.init_head(conn)
    clock = Clock()
    return Fleet(engine, ["K0001", "K0002"], clock=clock, unreachable_after=90), clock


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (report(kiosk_id="K0002"), "report_field_unknown"),  # the id is the certificate's, never the body's
        (report(resident="x"), "report_field_unknown"),
        (report(last_errors=[{"at": 1, "code": "x"}] * 21), "report_history_too_long"),
        (report(applied=[{"id": "CMD-1", "result": "ok"}] * 21), "report_history_too_long"),
        (report(printer="jammed"), "report_invalid"),
        (report(in_service="yes"), "report_invalid"),
        (report(counters={"Name With Spaces": 1}), "report_invalid"),
        (report(counters={"pages": -1}), "report_invalid"),
        (report(uptime=True), "report_invalid"),
        (report(last_errors=[{"code": "山田太郎"}]), "report_invalid"),  # free text cannot pass as a code
        (report(version="x" * 33), "report_invalid"),
        ({k: v for k, v in report().items() if k != "printer"}, "report_invalid"),
    ],
)
def test_bad_reports_are_refused_with_stable_codes(body: dict[str, Any], code: str) -> None:
    with pytest.raises(RequestError) as e:
        validate_report(body)
    assert (e.value.error_code, e.value.http_status) == (code, 400)


def test_status_rules() -> None:
    now = 1000.0
    assert status_of(validate_report(report()), now, now, 90) == "ok"
    assert status_of(validate_report(report(printer="paper_near_end")), now, now, 90) == "warning"
    assert status_of(validate_report(report(printer="paper_end")), now, now, 90) == "fault"
    assert status_of(validate_report(report(receipt_printer="cover_open")), now, now, 90) == "fault"
    assert status_of(validate_report(report(in_service=False, reason="oos.printer")), now, now, 90) == (
        "out_of_service"
    )
    # Out of service because the paper ran out (the idle poll): a fault, red, not a planned stop.
    assert status_of(validate_report(report(in_service=False, reason="oos.printer", printer="paper_end")),
                     now, now, 90) == "fault"
    assert status_of(validate_report(report()), now - 91, now, 90) == "unreachable"
    assert status_of(None, 0, now, 90) == "unreachable"


def test_latest_state_and_unreachable(fleet: tuple[Fleet, Clock]) -> None:
    f, clock = fleet
    assert {v.kiosk_id: v.status for v in f.overview()} == {"K0001": "unreachable", "K0002": "unreachable"}
    answer = f.report("K0001", report(printer="paper_end"))
    assert answer["commands"] == []
    views = {v.kiosk_id: v for v in f.overview()}
    assert views["K0001"].status == "fault"
    assert views["K0001"].report is not None and views["K0001"].report["printer"] == "paper_end"
    clock.t += 60
    f.report("K0001", report())
    assert {v.kiosk_id: v.status for v in f.overview()}["K0001"] == "ok"
    clock.t += 91
    assert {v.kiosk_id: v.status for v in f.overview()}["K0001"] == "unreachable"


def test_history_is_bounded(fleet: tuple[Fleet, Clock]) -> None:
    f, clock = fleet
    for i in range(HISTORY_KEEP + 15):
        clock.t += 1
        f.report("K0001", report(uptime=float(i)))
    assert f.history_count("K0001") == HISTORY_KEEP
    _, hist, _ = f.detail("K0001", limit=3)
    assert [h[1]["uptime"] for h in hist] == [HISTORY_KEEP + 14.0, HISTORY_KEEP + 13.0, HISTORY_KEEP + 12.0]


def test_commands_delivered_until_applied_and_audited(fleet: tuple[Fleet, Clock]) -> None:
    f, _ = fleet
    c = f.command("K0002", "out_of_service", "operator-01", "inspection")
    assert f.report("K0001", report())["commands"] == []  # another kiosk's command is not its business
    first = f.report("K0002", report())["commands"]
    assert first == [{"id": c["id"], "kind": "out_of_service", "reason": "inspection"}]
    assert f.report("K0002", report())["commands"] == first  # again until the kiosk says it applied it
    applied = [{"id": c["id"], "result": "ok"}]
    assert (
        f.report("K0002", report(in_service=False, reason="oos.remote.inspection", applied=applied))[
            "commands"
        ]
        == []
    )
    with f.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.kiosk_id, audit_log.c.event, audit_log.c.detail)).all()
        assert audit.verify_chain(conn) is None
    events = [(r.kiosk_id, r.event, json.loads(r.detail)) for r in rows]
    assert events == [
        (
            "K0002",
            "kiosk_command",
            {
                "command_id": c["id"],
                "kind": "out_of_service",
                "reason": "inspection",
                "operator": "operator-01",
            },
        ),
        ("K0002", "kiosk_command_applied", {"command_id": c["id"], "result": "ok"}),
    ]
    _, _, cmds = f.detail("K0002")
    assert cmds[0]["operator"] == "operator-01" and cmds[0]["result"] == "ok"


def test_command_for_unknown_kiosk_or_kind(fleet: tuple[Fleet, Clock]) -> None:
    f, _ = fleet
    with pytest.raises(CenterError) as e:
        f.command("K9999", "in_service", "op")
    assert (e.value.error_code, e.value.http_status) == ("kiosk_unknown", 404)
    with pytest.raises(CenterError) as e:
        f.command("K0001", "reboot", "op")
    assert (e.value.error_code, e.value.http_status) == ("command_invalid", 400)
    with pytest.raises(CenterError) as e:
        f.command("K0001", "out_of_service", "op", "because I said so")
    assert e.value.error_code == "command_invalid"
