"""Health reports from a running kiosk runner to the real center over mutual TLS, and an operator's
commands coming back: out of service with a reason on the kiosk's screen, back in service."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.center import TEST_NOW, CenterData, CenterProcess, start_center
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt
from sqlalchemy import select

from kiosk.center_client import CenterClient
from kiosk.devices import DeviceStatus
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow.messages import text
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner
from kiosk.runtime.health_report import HealthReporter, runner_apply, runner_snapshot
from kiosk.service_menu import IssueCounters, StatusLine
from server_stub.cli import offset_clock
from server_stub.fleet import Fleet, known_kiosks
from server_stub.initdata import load_config
from server_stub.store import kiosk_commands, kiosk_status, make_engine


class Query:
    def __init__(self, state: DeviceStatus, detail: str | None) -> None:
        self.state, self.detail = state, detail


class Backend:
    """The service backend's device calls over the fakes (what DeviceBackend does over real devices)."""

    def __init__(self, card: FakeCard, printer: FakePrinter, cash: SimulatedCashDevice, logs: Path) -> None:
        self.card, self.cash, self.receipt, self._printer = card, cash, None, printer
        self.counters = IssueCounters(logs / "counters.json")
        self.printer = self
        self.test_pages = 0

    def reader_line(self) -> StatusLine:
        return StatusLine("reader", "ok")

    def query(self) -> Query:
        s = self._printer.status()
        return Query(s, "paper_end" if s is DeviceStatus.FAULT else None)

    def test_print(self) -> StatusLine:
        self.test_pages += 1
        return StatusLine("printer", "ok")


def until(cond: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def center(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path)


def test_reports_and_remote_commands(center: CenterProcess, center_data: CenterData, tmp_path: Path) -> None:
    kiosk = center_data.kiosks[4]
    tls = (center_data.path / "tls" / "ca.pem", kiosk.cert, kiosk.key)
    url = f"https://127.0.0.1:{center.port}"
    card, printer = FakeCard(), FakePrinter()
    cash = SimulatedCashDevice(poll_seconds=0.005)
    journal = Journal(tmp_path / "journal.db")
    work_client = CenterClient(url, kiosk.kiosk_id, tls=tls)
    report_client = CenterClient(url, kiosk.kiosk_id, tls=tls)
    runner = Runner(
        Flow(FlowSettings()),
        DeviceSet(card, printer, cash, FakeReceipt()),
        work_client,
        journal,
        kiosk_id=kiosk.kiosk_id,
        tick_seconds=0.05,
    )
    backend = Backend(card, printer, cash, tmp_path)
    reporter = HealthReporter(
        report_client.report_status,
        runner_snapshot(runner, backend, query_every=0.2),
        runner_apply(runner, backend),
        interval=1.0,
        version="9.9.9",
        watch=0.05,
    )
    runner.attach(reporter)
    engine = make_engine(load_config(center_data.path)["db"])
    fleet = Fleet(engine, known_kiosks(center_data.path), clock=offset_clock(TEST_NOW))  # the center's clock

    def status() -> str | None:
        views = {v.kiosk_id: v for v in fleet.overview()}
        return views[kiosk.kiosk_id].status if views[kiosk.kiosk_id].report else None

    try:
        t0 = time.monotonic()
        runner.start()
        assert until(lambda: status() == "ok")
        first = time.monotonic() - t0
        with engine.connect() as conn:
            row = conn.execute(select(kiosk_status).where(kiosk_status.c.kiosk_id == kiosk.kiosk_id)).one()
        assert '"version":"9.9.9"' in row.report
        # Paper runs out while idle: the next device query sees it, the report goes at once.
        t1 = time.monotonic()
        printer.state = DeviceStatus.FAULT
        assert until(lambda: status() == "fault", timeout=3)
        change = time.monotonic() - t1
        printer.state = DeviceStatus.OK
        assert until(lambda: status() == "ok", timeout=3)
        # The operator takes it out of service; the kiosk shows why, and says so in its next report.
        cmd = fleet.command(kiosk.kiosk_id, "out_of_service", "operator-test", "inspection")
        until(lambda: runner.flow.state is State.OUT_OF_SERVICE, timeout=5)
        assert runner.view.message_key == "oos.remote.inspection"
        assert "ただいまご利用いただけません" in text(runner.view.message_key or "")
        assert until(lambda: status() == "out_of_service", timeout=5)
        with engine.connect() as conn:
            applied = conn.execute(
                select(kiosk_commands.c.result).where(kiosk_commands.c.command_id == cmd["id"])
            ).scalar_one()
        assert applied == "ok"
        fleet.command(kiosk.kiosk_id, "test_page", "operator-test")
        assert until(lambda: backend.test_pages == 1, timeout=5)
        fleet.command(kiosk.kiosk_id, "in_service", "operator-test")
        until(lambda: runner.flow.state is State.ATTRACT, timeout=5)
        assert until(lambda: status() == "ok", timeout=5)
        print(f"first report after start {first * 1000:.0f} ms; paper end reported in {change * 1000:.0f} ms")
    finally:
        runner.stop()
        work_client.close()
        report_client.close()
        journal.close()
        engine.dispose()
