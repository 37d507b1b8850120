"""The printer's pace, measured by the runtime from the pages actually printed and handed to the flow
in ``PrintProgress`` (kiosk.runtime.print_rate, kiosk.runtime.executor)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

import pytest
from fixtures.kiosk_fakes import FakeCard, FakeReceipt, MiniCenter
from fixtures.kiosk_flow import FakeClock

from kiosk.devices import DeviceStatus, ReceiptHeader
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, executor
from kiosk.runtime.executor import ExecContext
from kiosk.runtime.print_rate import PrintRate

HEADER = ReceiptHeader("見本", "000000", "K0001")


class TimedPrinter:
    """A printer taking ``setup`` seconds before the first page and ``per_page`` for each page, on a
    fake clock; ``fail_after`` pages out, it reports paper end."""

    def __init__(self, clock: FakeClock, setup: float, per_page: float,
                 fail_after: int | None = None) -> None:
        self.clock, self.setup, self.per_page, self.fail_after = clock, setup, per_page, fail_after

    def print_documents(self, documents: Sequence[Mapping[str, object]], on_page: Callable[[int, int], None],
                        should_abort: Callable[[], bool]) -> int:
        from kiosk.devices import PrinterDeviceError

        self.clock.advance(self.setup)
        for i in range(1, len(documents) + 1):
            if self.fail_after is not None and i > self.fail_after:
                raise PrinterDeviceError("paper end", "printer_paper_end", pages_done=i - 1)
            self.clock.advance(self.per_page)
            on_page(i, len(documents))
        return len(documents)

    def status(self) -> DeviceStatus:
        return DeviceStatus.OK


def _run(printer: TimedPrinter, rate: PrintRate, pages: int) -> list[evt.Event]:
    posted: list[evt.Event] = []
    ctx = ExecContext(
        devices=DeviceSet(FakeCard(), printer, SimulatedCashDevice(), FakeReceipt()),
        center=MiniCenter().client(), kiosk_id="K0001", receipt_header=HEADER,
        post=posted.append, record=lambda _o, _s: True, card_lock=threading.Lock(),
        print_aborted=lambda: False, payment_cancelled=lambda: False, print_rate=rate)
    out = executor.run(ctx, fx.Print("o-1", tuple({"page": i} for i in range(pages))))
    return posted + list(out)


def _rates(events: list[evt.Event]) -> list[float | None]:
    return [e.seconds_per_page for e in events if isinstance(e, evt.PrintProgress)]


def test_first_job_first_page_then_the_steady_pace() -> None:
    clock = FakeClock(0.0)
    rate = PrintRate(clock=clock)
    assert rate.seconds_per_page is None  # nothing known: the screen shows pages only
    events = _run(TimedPrinter(clock, setup=6.0, per_page=10.0), rate, 3)
    # Page 1 carries the set-up (16 s: an overestimate, never an underestimate); then 10 s a page.
    assert _rates(events) == [pytest.approx(16.0), pytest.approx(10.0), pytest.approx(10.0)]
    assert isinstance(events[-1], evt.Printed)
    assert rate.seconds_per_page == pytest.approx(10.0)


def test_the_next_job_starts_from_the_previous_pace() -> None:
    clock = FakeClock(0.0)
    rate = PrintRate(clock=clock)
    _run(TimedPrinter(clock, setup=2.0, per_page=8.0), rate, 2)
    events = _run(TimedPrinter(clock, setup=9.0, per_page=12.0), rate, 3)
    # After its first page this job has only its own slow first page: the printer's known pace wins;
    # from the second page on this job's own pace, which the printer then keeps.
    assert _rates(events) == [pytest.approx(8.0), pytest.approx(12.0), pytest.approx(12.0)]
    assert rate.seconds_per_page == pytest.approx(12.0)


def test_pages_printed_before_a_fault_still_teach_the_pace() -> None:
    clock = FakeClock(0.0)
    rate = PrintRate(clock=clock)
    events = _run(TimedPrinter(clock, setup=1.0, per_page=7.0, fail_after=2), rate, 4)
    assert isinstance(events[-1], evt.PrinterFault) and events[-1].pages_done == 2
    assert rate.seconds_per_page == pytest.approx(7.0)


def test_a_single_page_job_teaches_nothing_and_a_seed_is_used_until_measured() -> None:
    clock = FakeClock(0.0)
    rate = PrintRate(clock=clock)
    _run(TimedPrinter(clock, setup=3.0, per_page=5.0), rate, 1)
    assert rate.seconds_per_page is None  # one page is all set-up and print: no steady pace
    seeded = PrintRate(seed=9.0, clock=clock)
    assert seeded.seconds_per_page == 9.0
    assert _rates(_run(TimedPrinter(clock, setup=3.0, per_page=5.0), seeded, 1)) == [9.0]
    assert PrintRate(seed=0.0).seconds_per_page is None and PrintRate(seed=-1.0).seconds_per_page is None


def test_without_a_rate_object_progress_carries_no_rate() -> None:
    clock = FakeClock(0.0)
    posted: list[evt.Event] = []
    ctx = ExecContext(
        devices=DeviceSet(FakeCard(), TimedPrinter(clock, 1.0, 1.0), SimulatedCashDevice(), FakeReceipt()),
        center=MiniCenter().client(), kiosk_id="K0001", receipt_header=HEADER,
        post=posted.append, record=lambda _o, _s: True, card_lock=threading.Lock(),
        print_aborted=lambda: False, payment_cancelled=lambda: False)
    executor.run(ctx, fx.Print("o-1", ({"page": 1}, {"page": 2})))
    assert _rates(posted) == [None, None]
