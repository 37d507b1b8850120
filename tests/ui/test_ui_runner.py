"""The UI on the real runner (flow thread + device worker) with the flow engineer's device fakes: the
runner's ``on_view`` arrives on another thread and is rendered on Kivy's."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt, MiniCenter
from ui.conftest import SETTINGS, SHOT_DIR
from ui.kit import Driver, pump

from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import events as evt
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner
from kiosk.ui.i18n import LANGUAGES


class Relay:
    """The runner is built before the app that receives its callbacks."""

    app: Any = None

    def on_view(self, view: Any) -> None:
        self.app.on_view(view)

    def on_sound(self, name: str | None, loop: bool) -> None:
        self.app.on_sound(name, loop)


@pytest.fixture
def rig(run_app: Callable[[Callable[[], Any]], Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    from kiosk.ui.app import KioskApp

    card, printer, center = FakeCard(), FakePrinter(), MiniCenter()
    cash = SimulatedCashDevice(poll_seconds=0.005)
    journal = Journal(tmp_path / "journal.db")
    relay = Relay()
    runner = Runner(Flow(FlowSettings(languages=LANGUAGES)), DeviceSet(card, printer, cash, FakeReceipt()),
                    center.client(), journal, kiosk_id="K0001", store_name="見本マート",
                    on_view=relay.on_view, on_sound=relay.on_sound)
    app = KioskApp(runner, SETTINGS)
    relay.app = app
    runner.start(ticker=False)
    run_app(lambda: app)
    try:
        yield {"runner": runner, "app": app, "card": card, "printer": printer, "cash": cash, "center": center}
    finally:
        runner.stop()
        journal.close()


class RunnerDriver(Driver):
    """Taps go to the runner's queue; wait until the runner is idle and the new view is drawn."""

    def __init__(self, rig: dict[str, Any]) -> None:
        super().__init__(rig["app"], rig["runner"], SHOT_DIR / "runner")
        self.runner: Runner = rig["runner"]

    @property
    def state(self) -> State:
        return self.runner.view.state

    def settle(self) -> None:
        assert self.runner.wait_idle(10)
        pump(3)

    def press(self, text: str) -> None:
        super().press(text)
        self.settle()

    def until(self, cond: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            assert time.monotonic() < deadline, f"stuck in {self.state}"
            self.runner.wait_idle(0.05)
            pump(1)


def test_a_whole_transaction_on_the_runner(rig: dict[str, Any]) -> None:
    d = RunnerDriver(rig)
    d.until(lambda: d.app.view is not None and d.app.view.state is State.ATTRACT)
    d.touch_start()
    d.settle()
    d.press("English")
    d.key("button.next")
    d.settle()
    assert d.app.view.state is State.PLACE_CARD
    rig["card"].present_now = True
    d.runner.submit(evt.CardInserted())  # the reader saw the card
    d.until(lambda: d.app.view.state is State.PIN)
    for digit in "1234":
        d.press(digit)
    d.key("button.confirm")
    d.until(lambda: d.app.view.state is State.MUNICIPALITY)
    d.press("東京都見本市")
    d.settle()
    d.press(d.t("certificate.juminhyo"))
    d.key("whose.juminhyo.self")
    d.settle()
    while d.app.view.state in (State.ITEMS, State.COPIES):
        d.key("button.next")
        d.settle()
    assert d.app.view.state is State.CONFIRM and d.app.view.fee == 200
    d.key("button.pay")
    d.until(lambda: d.app.view.state is State.PAYMENT)
    d.shot("payment")
    rig["cash"].insert(500)
    d.until(lambda: d.app.view.state is State.TAKE_CARD)
    assert d.t("screen.take_card") in d.screen_text()
    d.shot("take-card")
    assert len(rig["printer"].printed) == 1
    d.until(lambda: bool(rig["center"].completes))
    rig["card"].present_now = False
    d.runner.submit(evt.CardRemoved())
    d.until(lambda: d.app.view.state is State.TAKE_DOCUMENTS)
    assert d.t("screen.take_documents.change", change="300") in d.screen_text()
    d.key("button.done")
    d.until(lambda: d.app.view.state is State.THANK_YOU)
    assert rig["center"].completes == [("o-1", "printed", 1)]
