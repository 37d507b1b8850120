"""``DeviceBackend``'s decisions (status lines, test print outcome, reader test, paper replenished)
with stand-in devices; the same backend on the real chain: tests/integration/kiosk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fixtures.kiosk_fakes import FakeCard

from kiosk.adapters.backend import DeviceBackend
from kiosk.adapters.printing import StatusReport
from kiosk.center_client import CenterRefused, CenterUnreachable
from kiosk.devices import DeviceStatus, PrinterDeviceError
from kiosk.payment import SimulatedCashDevice
from kiosk.service_menu import AuditLog, IssueCounters


@dataclass
class StubPrinter:
    report: StatusReport = field(default_factory=lambda: StatusReport(DeviceStatus.OK))
    fail: str | None = None
    pages: int = 0

    def query(self) -> StatusReport:
        return self.report

    def test_page(self) -> int:
        if self.fail:
            raise PrinterDeviceError("test", self.fail)
        self.pages += 1
        return 1


@dataclass
class StubCenter:
    error: Exception | None = None

    def seal_status(self, seal_id: str) -> str:
        if self.error is not None:
            raise self.error
        return "unknown"


def _backend(tmp_path: Path, **kw: Any) -> tuple[DeviceBackend, list[str]]:
    calls: list[str] = []
    backend = DeviceBackend(kw.get("card", FakeCard(present_now=True)), kw.get("printer", StubPrinter()),
                            SimulatedCashDevice(), kw.get("center", StubCenter()),
                            counters=IssueCounters(tmp_path / "c.json"), audit=AuditLog(tmp_path / "a.jsonl"),
                            on_checked=lambda: calls.append("checked"),
                            on_restart=lambda: calls.append("restart"))
    return backend, calls


def test_all_well(tmp_path: Path) -> None:
    b, _ = _backend(tmp_path)
    lines = {s.device: (s.state, s.detail) for s in b.device_status()}
    assert lines == {"reader": ("ok", None), "printer": ("ok", None), "payment": ("ok", None),
                     "center": ("ok", None)}
    assert b.center_line().latency_ms is not None


def test_a_refusing_center_is_reachable_an_unreachable_one_is_not(tmp_path: Path) -> None:
    b, _ = _backend(tmp_path, center=StubCenter(CenterRefused("no such seal", "seal_not_found", 404)))
    assert b.center_line().state == "ok"
    b, _ = _backend(tmp_path, center=StubCenter(CenterUnreachable("refused")))
    assert (b.center_line().state, b.center_line().detail) == ("fault", "offline")


@pytest.mark.parametrize(("code", "detail"), [
    ("printer_paper_end", "paper_end"), ("printer_cover_open", "cover_open"), ("printer_offline", "offline"),
    ("printer_error", "printer_error")])
def test_a_failed_test_print_says_why(tmp_path: Path, code: str, detail: str) -> None:
    b, _ = _backend(tmp_path, printer=StubPrinter(fail=code))
    line = b.test_print()
    assert (line.device, line.state, line.detail) == ("printer", "fault", detail)


def test_paper_near_end_is_a_warning(tmp_path: Path) -> None:
    b, _ = _backend(tmp_path, printer=StubPrinter(StatusReport(DeviceStatus.WARNING, "paper_near_end")))
    assert (b.printer_line().state, b.printer_line().detail) == ("warning", "paper_near_end")


def test_reader_test_reads_the_card_and_releases_it(tmp_path: Path) -> None:
    card = FakeCard(present_now=True)
    b, _ = _backend(tmp_path, card=card)
    assert b.test_reader().state == "ok" and card.log[-2:] == ["read", "release"]
    card.present_now = False
    assert (b.test_reader().state, b.test_reader().detail) == ("ok", "no_card")


def test_paper_replenished_rechecks_and_restart_restarts(tmp_path: Path) -> None:
    b, calls = _backend(tmp_path)
    b.paper_replenished()
    b.restart()
    assert calls == ["checked", "restart"]
