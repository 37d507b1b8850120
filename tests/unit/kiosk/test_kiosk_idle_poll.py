"""The idle device poll through the runner's threads (ticker → flow → worker → flow): a kiosk nobody
uses goes out of service when its printer's paper ends and comes back when it is refilled."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt, MiniCenter

from kiosk.devices import DeviceStatus
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import effects as fx
from kiosk.flow.settings import Timeouts
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner, executor


@dataclass(frozen=True)
class Report:
    state: DeviceStatus
    detail: str | None = None


class QueryPrinter(FakePrinter):
    """A printer whose status query names the fault, as kiosk.adapters.printing's does."""

    detail: str | None = None

    def query(self) -> Report:
        return Report(self.state, self.detail if self.state is DeviceStatus.FAULT else None)


def until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)


@pytest.fixture
def idle_runner(tmp_path: Path) -> Iterator[tuple[Runner, QueryPrinter]]:
    printer = QueryPrinter()
    journal = Journal(tmp_path / "journal.db")
    settings = FlowSettings(timeouts=Timeouts(device_check=0.2))
    runner = Runner(Flow(settings), DeviceSet(FakeCard(), printer, SimulatedCashDevice(poll_seconds=0.005),
                                              FakeReceipt()),
                    MiniCenter().client(), journal, kiosk_id="K0001", tick_seconds=0.05,
                    health_seconds=3600.0)  # the ticker's own re-check must not be what brings it back
    runner.start()
    try:
        until(lambda: runner.view.state is State.ATTRACT)
        yield runner, printer
    finally:
        runner.stop()
        journal.close()


def test_paper_end_while_idle_stops_the_kiosk_and_a_refill_brings_it_back(
        idle_runner: tuple[Runner, QueryPrinter]) -> None:
    runner, printer = idle_runner
    printer.state, printer.detail = DeviceStatus.FAULT, "paper_end"
    until(lambda: runner.view.state is State.OUT_OF_SERVICE, 3.0)
    assert runner.view.message_key == "oos.printer"
    printer.state = DeviceStatus.OK
    until(lambda: runner.view.state is State.ATTRACT, 3.0)


def test_the_poll_names_each_fault_from_the_status_detail() -> None:
    printer = QueryPrinter()
    cash = SimulatedCashDevice(poll_seconds=0.005)
    devices = DeviceSet(FakeCard(), printer, cash, None)
    ctx = executor.ExecContext(devices=devices, center=MiniCenter().client(), kiosk_id="K0001",
                               receipt_header=None,  # type: ignore[arg-type]
                               post=lambda e: None, record=lambda o, s: True, card_lock=None,  # type: ignore[arg-type]
                               print_aborted=lambda: False, payment_cancelled=lambda: False)
    got = {}
    for state, detail in ((DeviceStatus.OK, None), (DeviceStatus.WARNING, "paper_near_end"),
                          (DeviceStatus.FAULT, "paper_end"), (DeviceStatus.FAULT, "cover_open"),
                          (DeviceStatus.FAULT, "printer_error"), (DeviceStatus.UNKNOWN, "offline")):
        printer.state, printer.detail = state, detail
        (event,) = executor.poll_devices(ctx, fx.PollDevices())
        got[(state.name, detail)] = event.faults  # type: ignore[attr-defined]
    assert got == {("OK", None): (), ("WARNING", "paper_near_end"): (),
                   ("FAULT", "paper_end"): ("printer_paper_end",),
                   ("FAULT", "cover_open"): ("printer_cover_open",),
                   ("FAULT", "printer_error"): ("printer_error",),
                   ("UNKNOWN", "offline"): ("printer_offline",)}
