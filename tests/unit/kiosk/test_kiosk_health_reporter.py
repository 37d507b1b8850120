"""The health reporter's rules: when it reports, what a report says, commands applied once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.devices import DeviceStatus
from kiosk.flow import events as evt
from kiosk.runtime.health_report import HealthReporter, Snapshot, printer_state
from server_stub.fleet import validate_report


class Center:
    """Records report bodies; answers queued commands (as the center does, until acknowledged)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.pending: list[dict[str, Any]] = []

    def send(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        validate_report(body)  # every report the kiosk builds passes the center's own check
        self.bodies.append(body)
        done = {a["id"] for a in body["applied"]}
        self.pending = [c for c in self.pending if c["id"] not in done]
        return list(self.pending)


def make(
    snap: list[Snapshot], applied: list[Mapping[str, Any]]
) -> tuple[HealthReporter, Center, list[float]]:
    center = Center()
    now = [100.0]

    def apply(cmd: Mapping[str, Any]) -> bool:
        applied.append(cmd)
        return cmd["kind"] != "test_page"

    r = HealthReporter(
        center.send, lambda: snap[0], apply, interval=30, version="1.2.3", clock=lambda: now[0]
    )
    return r, center, now


def test_a_report_holds_states_and_codes_only() -> None:
    r, center, now = make([Snapshot(printer="paper_near_end", counters={"issued_juminhyo": 2})], [])
    now[0] += 5
    r.note_event(evt.PrinterFault("printer_paper_end", 0))
    assert r.report_once()
    body = center.bodies[0]
    assert body["printer"] == "paper_end"  # the fault the flow saw says more than the last query
    assert body["last_errors"] == [{"at": 5.0, "code": "printer_paper_end"}]
    assert body["uptime"] == 5.0 and body["version"] == "1.2.3"
    assert body["counters"] == {"issued_juminhyo": 2}
    r.note_event(evt.DevicesReady())  # a passing health check clears what faults said
    r.report_once()
    assert center.bodies[1]["printer"] == "paper_near_end"


def test_commands_applied_once_and_acknowledged() -> None:
    applied: list[Mapping[str, Any]] = []
    r, center, _ = make([Snapshot()], applied)
    center.pending = [
        {"id": "CMD-1", "kind": "out_of_service", "reason": "inspection"},
        {"id": "CMD-2", "kind": "test_page"},
    ]
    r.report_once()
    assert [c["id"] for c in applied] == ["CMD-1", "CMD-2"]
    r.report_once()  # acknowledges both; the center still answered them once more before that
    assert center.bodies[1]["applied"] == [
        {"id": "CMD-1", "result": "ok"},
        {"id": "CMD-2", "result": "refused"},
    ]
    assert [c["id"] for c in applied] == ["CMD-1", "CMD-2"]  # not applied twice
    r.report_once()
    assert center.bodies[2]["applied"] == [] and center.pending == []


def test_a_failed_send_keeps_the_acknowledgements() -> None:
    applied: list[Mapping[str, Any]] = []
    r, center, _ = make([Snapshot()], applied)
    center.pending = [{"id": "CMD-9", "kind": "in_service"}]
    r.report_once()
    real = r._send

    def down(body: dict[str, Any]) -> list[dict[str, Any]]:
        raise ConnectionError("center down")

    r._send = down
    assert r.report_once() is False and r.failures == 1
    r._send = real
    r.report_once()
    assert center.bodies[-1]["applied"] == [{"id": "CMD-9", "result": "ok"}]


def test_printer_states_from_status_queries() -> None:
    assert printer_state(DeviceStatus.OK, None) == "ok"
    assert printer_state(DeviceStatus.WARNING, "paper_near_end") == "paper_near_end"
    assert printer_state(DeviceStatus.FAULT, "cover_open") == "cover_open"
    assert printer_state(DeviceStatus.FAULT, "something_new") == "error"
    assert printer_state(DeviceStatus.UNKNOWN, "offline") == "offline"


def test_the_thread_reports_at_start_on_change_and_at_the_interval() -> None:
    import threading
    import time

    snap = [Snapshot()]
    sent = threading.Event()
    center = Center()

    def send(body: dict[str, Any]) -> list[dict[str, Any]]:
        out = center.send(body)
        sent.set()
        return out

    now = [0.0]
    r = HealthReporter(
        send, lambda: snap[0], lambda c: True, interval=30, version="1", clock=lambda: now[0], watch=0.01
    )
    r.start()
    try:
        assert sent.wait(5)
        time.sleep(0.1)
        assert len(center.bodies) == 1  # nothing changed, interval not over
        sent.clear()
        snap[0] = Snapshot(printer="paper_end")
        assert sent.wait(5)
        assert center.bodies[-1]["printer"] == "paper_end"
        sent.clear()
        now[0] += 31
        assert sent.wait(5)
        assert len(center.bodies) == 3
    finally:
        r.stop()


def test_the_idle_poll_refines_the_printer_state_and_logs_each_new_fault_once() -> None:
    from kiosk.flow import events as evt
    from kiosk.runtime.health_report import HealthReporter, Snapshot

    r = HealthReporter(lambda body: [], Snapshot, lambda cmd: True, interval=30, version="t")
    for _ in range(3):  # the paper stays out over three polls
        r.note_event(evt.DevicesPolled(("printer_paper_end",)))
    body = r.build(Snapshot())
    assert body["printer"] == "paper_end"
    assert [e["code"] for e in body["last_errors"]] == ["printer_paper_end"]
