"""The runner drives whole transactions: flow thread, worker, journal, simulated cash, card, center."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt, MiniCenter

from kiosk.devices import DeviceStatus
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import events as evt
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner


@dataclass
class Rig:
    runner: Runner
    card: FakeCard
    printer: FakePrinter
    cash: SimulatedCashDevice
    center: MiniCenter
    journal: Journal
    receipt: FakeReceipt
    sounds: list[tuple[str | None, bool]]

    def send(self, *events: evt.Event) -> None:
        for e in events:
            self.runner.submit(e)
        assert self.runner.wait_idle(10)

    def until(self, cond: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            assert time.monotonic() < deadline, f"stuck in {self.runner.view.state}"
            self.runner.wait_idle(0.05)

    @property
    def state(self) -> State:
        return self.runner.view.state

    def place_card(self) -> None:
        self.card.present_now = True
        self.send(evt.CardInserted())

    def remove_card(self) -> None:
        self.card.present_now = False
        self.send(evt.CardRemoved())

    def to_payment(self) -> None:
        self.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next())
        self.place_card()
        assert self.state is State.PIN
        self.send(*(evt.PinDigit(d) for d in "1234"), evt.PinSubmitted())
        assert self.state is State.MUNICIPALITY, self.runner.view
        self.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
                  evt.WhoseChosen("self"), evt.OptionsChosen(frozenset()), evt.CopiesChosen(2), evt.Confirm())
        assert self.state is State.PAYMENT and self.runner.view.fee == 400


@pytest.fixture
def rig_factory(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def make(printer: FakePrinter | None = None, center: MiniCenter | None = None,
             journal_path: Path | None = None, card: FakeCard | None = None) -> Rig:
        card = card or FakeCard()
        cash, receipt = SimulatedCashDevice(poll_seconds=0.005), FakeReceipt()
        printer = printer or FakePrinter()
        center = center or MiniCenter()
        journal = Journal(journal_path or tmp_path / "journal.db")
        sounds: list[tuple[str | None, bool]] = []
        runner = Runner(Flow(FlowSettings()), DeviceSet(card, printer, cash, receipt), center.client(),
                        journal, kiosk_id="K0001", store_name="見本マート", store_code="012345",
                        on_sound=lambda n, loop: sounds.append((n, loop)))
        rig = Rig(runner, card, printer, cash, center, journal, receipt, sounds)
        made.append(rig)
        runner.start(ticker=False)
        assert runner.wait_idle(10)
        return rig

    yield make
    for rig in made:
        rig.runner.stop()
        rig.journal.close()


def test_a_whole_transaction(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory()
    assert rig.state is State.ATTRACT  # the start-up check passed
    rig.to_payment()
    rig.cash.insert(100)
    rig.cash.insert(500)
    rig.until(lambda: rig.state is State.TAKE_CARD)
    assert len(rig.printer.printed) == 2
    assert ("take_card", True) in rig.sounds
    rig.until(lambda: bool(rig.center.completes))
    assert rig.center.completes == [("o-1", "printed", 2)]
    rig.until(lambda: rig.journal.get("o-1") is not None and rig.journal.get("o-1").closed)  # type: ignore[union-attr]
    assert rig.journal.counters().issued == 1 and rig.journal.counters().revenue == 400
    assert sorted(rig.cash.returned) == [100, 100]  # change for 600 - 400
    rig.until(lambda: bool(rig.receipt.receipts))
    receipt = rig.receipt.receipts[-1]
    assert receipt[0] == "ご利用明細書"
    header = {"店舗　　：見本マート", "店舗番号：012345", "端末番号：K0001", "交付元　：東京都見本市"}
    assert header <= set(receipt)
    item = next(line for line in receipt if line.startswith("住民票の写し"))
    assert item.split() == ["住民票の写し", "2通", "400円"]
    assert any(line.split() == ["お預かり", "600円"] for line in receipt)
    assert any(line.split() == ["おつり", "200円"] for line in receipt)
    assert not any(line.startswith("返金") for line in receipt)
    assert f"取引番号：{rig.receipt.data[-1].transaction_number}" in receipt
    assert all(len(line.encode("cp932")) <= 48 for line in receipt)
    assert rig.receipt.data[-1].issued_at.utcoffset() is not None  # an instant, printed in JST
    rig.remove_card()
    assert rig.state is State.TAKE_DOCUMENTS
    rig.send(evt.DocumentsTaken())
    assert rig.state is State.THANK_YOU
    assert rig.card.log[-1] == "release"
    assert rig.runner.flow.context.session_id is None


def test_wrong_pin_then_right_pin(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory()
    rig.send(evt.Touch(), evt.ChooseLanguage("en"), evt.Next())
    rig.place_card()
    rig.send(evt.PinSubmitted("9999"))
    assert rig.state is State.PIN and rig.runner.view.tries_left == 2
    rig.send(evt.PinSubmitted("1234"))
    assert rig.state is State.MUNICIPALITY and rig.card.log == ["read", "sign"]


def test_printer_fault_refunds_through_the_cash_device_and_stops(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(printer=FakePrinter(fail_at_page=2))
    rig.to_payment()
    rig.cash.insert(500)
    rig.until(lambda: rig.state is State.ERROR)
    view = rig.runner.view
    assert (view.message_key, view.refund) == ("error.printer_fault", 400)
    assert sum(rig.cash.returned) == 100 + 400  # change, then the refund
    assert rig.center.completes == [("o-1", "failed", 1)]
    rig.send(evt.Next())
    rig.remove_card()
    rig.send(evt.DocumentsTaken())
    assert rig.state is State.OUT_OF_SERVICE and rig.runner.view.message_key == "oos.printer"
    rec = rig.journal.get("o-1")
    assert rec is not None and rec.outcome == "refunded" and rec.refunded == 400


def test_cancel_while_paying_gives_the_coins_back(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory()
    rig.to_payment()
    rig.cash.insert(100)
    rig.until(lambda: rig.runner.view.inserted == 100)
    rig.send(evt.Cancel())
    rig.until(lambda: rig.cash.returned == [100])
    assert rig.state is State.TAKE_CARD
    rig.remove_card()
    assert rig.state is State.TAKE_DOCUMENTS and rig.runner.view.refund == 100
    rec = rig.journal.get("o-1")
    assert rec is not None and rec.outcome == "abandoned"
    assert rig.center.issues == 0


def test_card_removed_while_printing_aborts_the_job(rig_factory: Callable[..., Rig]) -> None:
    gate = threading.Event()
    rig = rig_factory(printer=FakePrinter(gate=gate))
    rig.to_payment()
    rig.cash.insert(500)
    rig.until(lambda: rig.state is State.PRINTING)
    rig.card.present_now = False
    rig.runner.submit(evt.CardRemoved())
    rig.until(lambda: rig.runner.view.message_key == "printing.aborting")
    gate.set()
    rig.until(lambda: rig.state is State.ERROR)
    assert rig.runner.view.message_key == "error.card_removed_refunded"
    assert rig.printer.printed == []
    assert rig.center.completes == [("o-1", "failed", 0)]


def test_center_down_at_start_puts_the_kiosk_out_of_service(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(center=MiniCenter(down=True))
    assert rig.state is State.OUT_OF_SERVICE and rig.runner.view.message_key == "oos.center"


def test_printer_fault_at_start_puts_the_kiosk_out_of_service(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(printer=FakePrinter(state=DeviceStatus.FAULT))
    assert rig.state is State.OUT_OF_SERVICE and rig.runner.view.message_key == "oos.printer"


def test_restart_resolves_an_order_cut_by_a_power_failure(
    rig_factory: Callable[..., Rig], tmp_path: Path
) -> None:
    path = tmp_path / "cut.db"
    with Journal(path) as j:  # what a kiosk left behind: paid and printed, `complete` never sent
        steps = [("created", 400, 0), ("paid", 400, 0), ("issued", 0, 0), ("printed", 0, 2)]
        for step, amount, pages in steps:
            j.record("o-9", step, amount, pages)
    center = MiniCenter()
    center.orders["o-9"] = {"fee": 400, "copies": 2, "state": "issued", "key": "o-9:issue"}
    rig = rig_factory(center=center, journal_path=path)
    assert rig.state is State.ATTRACT
    assert center.completes == [("o-9", "printed", 2)]
    assert rig.journal.counters().issued == 1


def test_invalid_ui_input_is_refused_without_stopping_the_loop(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory()
    rig.send(evt.Touch(), evt.ChooseLanguage("xx"))
    assert rig.state is State.LANGUAGE
    rig.send(evt.ChooseLanguage("ja"))
    assert rig.state is State.NOTICE


def test_ticker_and_card_watch_drive_the_flow_by_themselves(tmp_path: Path) -> None:
    """With the ticker and the card watch running, placing and removing the card needs no event from
    the test, and the inactivity timer fires from ticks of the injected clock."""
    card, cash, printer = FakeCard(), SimulatedCashDevice(poll_seconds=0.005), FakePrinter()
    now = [0.0]
    center = MiniCenter()
    journal = Journal(tmp_path / "j.db")
    runner = Runner(Flow(FlowSettings(), clock=lambda: now[0]), DeviceSet(card, printer, cash),
                    center.client(), journal, kiosk_id="K0001", clock=lambda: now[0], tick_seconds=0.01)
    runner.start()
    try:
        def until(cond: Callable[[], bool]) -> None:
            deadline = time.monotonic() + 10
            while not cond():
                assert time.monotonic() < deadline, runner.view
                time.sleep(0.01)

        until(lambda: runner.view.state is State.ATTRACT)
        runner.submit(evt.Touch())
        runner.submit(evt.ChooseLanguage("ja"))
        runner.submit(evt.Next())
        until(lambda: runner.view.state is State.PLACE_CARD)
        card.present_now = True
        until(lambda: runner.view.state is State.PIN)
        now[0] += 61  # no input for a minute: the warning
        until(lambda: runner.view.warning)
        card.present_now = False
        until(lambda: runner.view.state is State.ERROR)
        assert runner.view.message_key == "error.card_removed"
    finally:
        runner.stop()
        journal.close()


def test_a_missing_reader_keeps_the_kiosk_out_of_service(rig_factory: Callable[..., Rig]) -> None:
    class NoReader(FakeCard):
        def present(self) -> bool:
            from kiosk.devices import CardDeviceError

            raise CardDeviceError("reader gone", "reader_offline")

    rig = rig_factory(card=NoReader())
    assert rig.state is State.OUT_OF_SERVICE and rig.runner.view.message_key == "oos.reader"
