"""The service menu's decisions, without Kivy: gesture, login with lockout, audit, counters, actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.flow.staff import StaffGate, hash_pin
from kiosk.service_menu import AuditLog, CornerGesture, IssueCounters, ServiceMenu, StatusLine

HASH = hash_pin("258046", scheme="scrypt")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Backend:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def device_status(self) -> list[StatusLine]:
        return [StatusLine("printer", "warning", "paper_near_end"),
                StatusLine("center", "ok", latency_ms=12.5)]

    def test_print(self) -> StatusLine:
        self.calls.append("test_print")
        return StatusLine("printer", "fault", "paper_end")

    def test_reader(self) -> StatusLine:
        self.calls.append("test_reader")
        return StatusLine("reader", "ok")

    def paper_replenished(self) -> None:
        self.calls.append("paper")

    def restart(self) -> None:
        self.calls.append("restart")


@pytest.fixture
def menu(tmp_path: Path) -> tuple[ServiceMenu, Clock, Backend]:
    clock, backend = Clock(), Backend()
    m = ServiceMenu(StaffGate(HASH, max_attempts=3, lockout_seconds=60, clock=clock), backend,
                    AuditLog(tmp_path / "audit.jsonl", clock=lambda: 1_800_000_000.0),
                    IssueCounters(tmp_path / "counters.json"))
    return m, clock, backend


@pytest.mark.parametrize(("x", "y", "corner"), [
    (5, 795, "tl"), (1275, 795, "tr"), (1275, 5, "br"), (5, 5, "bl"), (640, 400, None), (5, 400, None)])
def test_corner_of(x: float, y: float, corner: str | None) -> None:
    assert CornerGesture.corner_of(x, y, 1280, 800, 120) == corner


def test_gesture_needs_the_four_corners_in_order_and_in_time() -> None:
    clock = Clock()
    g = CornerGesture(window=5.0, clock=clock)
    assert [g.feed(c) for c in ("tl", "tr", "br", "bl")] == [False, False, False, True]
    assert not any(g.feed(c) for c in ("tl", "br", "tr", "bl"))  # wrong order
    assert [g.feed(c) for c in ("tl", "tr", "br")] == [False] * 3
    clock.now += 6  # too slow: the sequence starts over
    assert g.feed("bl") is False
    assert [g.feed(c) for c in ("tl", "tr", None, "br", "bl")] == [False] * 5  # a tap elsewhere resets


Menu = tuple[ServiceMenu, Clock, Backend]


def test_login_locks_after_three_wrong_pins_and_unlocks_later(menu: Menu) -> None:
    m, clock, _ = menu
    assert m.login_state == "idle"
    assert m.login("1111") is False and m.login_state == "wrong"
    m.login("1111")
    m.login("1111")
    assert m.login_state == "locked"
    assert m.login("258046") is False  # the right PIN is refused while locked
    clock.now += 61
    assert m.login("258046") is True and m.login_state == "idle"
    results = [e["result"] for e in m.audit.tail()]
    assert results == ["wrong", "wrong", "wrong", "locked", "ok"]
    assert "258046" not in m.audit.path.read_text() and "1111" not in m.audit.path.read_text()


def test_every_action_is_audited(menu: tuple[ServiceMenu, Clock, Backend]) -> None:
    m, _, backend = menu
    assert m.test_print().state == "fault" and m.last_result == "service.result.fault"
    m.test_reader()
    m.paper_replenished()
    m.set_out_of_service(True)
    m.restart()
    assert m.leave() is False
    assert backend.calls == ["test_print", "test_reader", "paper", "restart"]
    lines = [json.loads(x) for x in m.audit.path.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["test_print", "test_reader", "paper_replenished",
                                            "out_of_service", "restart", "service_exit"]
    assert lines[0] == {"at": "2027-01-15T08:00:00+00:00", "action": "test_print", "result": "fault"}
    assert lines[-1]["in_service"] is False
    assert m.log_lines(2)[-1].endswith("service_exit  in_service=False")


@pytest.mark.parametrize("bad", [{"action": "Name"}, {"field": "見本太郎"}, {"field": "a b"}])
def test_audit_refuses_free_text(tmp_path: Path, bad: dict[str, str]) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(ValueError):
        if "action" in bad:
            log.append(bad["action"])
        else:
            log.append("note", detail=bad["field"])
    assert not (tmp_path / "a.jsonl").exists()


def test_audit_tail_skips_damaged_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    log.append("restart")
    with log.path.open("a") as f:
        f.write("{not json\n")
    log.append("paper_replenished")
    assert [e["action"] for e in log.tail()] == ["restart", "paper_replenished"]


def test_counters_by_day_and_type_survive_a_restart(tmp_path: Path) -> None:
    c = IssueCounters(tmp_path / "c.json")
    c.record(dt.date(2026, 11, 25), "juminhyo", 2)
    c.record(dt.date(2026, 11, 26), "juminhyo", 1)
    c.record(dt.date(2026, 11, 26), "inkan", 1)
    again = IssueCounters(tmp_path / "c.json")
    assert again.by_day() == [("2026-11-26", {"inkan": 1, "juminhyo": 1}), ("2026-11-25", {"juminhyo": 2})]
    assert again.by_day(1) == [("2026-11-26", {"inkan": 1, "juminhyo": 1})]


def test_counters_start_from_zero_on_a_damaged_file(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("[oops")
    assert IssueCounters(tmp_path / "c.json").by_day() == []
