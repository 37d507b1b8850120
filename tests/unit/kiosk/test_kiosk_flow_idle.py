"""The idle kiosk's device poll (kiosk.flow.idle): pure decisions on the injected clock."""

from __future__ import annotations

from fixtures.kiosk_flow import Kiosk

from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.messages import text
from kiosk.flow.settings import Timeouts
from kiosk.flow.states import State

PAPER_END = "printer_paper_end"


def polls(effects: list[fx.Effect]) -> int:
    return sum(isinstance(e, fx.PollDevices) for e in effects)


def test_the_idle_kiosk_polls_every_device_check_seconds_and_not_in_between() -> None:
    k = Kiosk()
    assert k.settings.timeouts.device_check == Timeouts().device_check == 10.0
    assert polls(k.wait(0.5)) == 1  # the first tick polls at once
    assert polls(k.wait(9.0)) == 0
    assert polls(k.wait(1.0)) == 1  # 10 s after the last poll
    assert polls(k.wait(3.0)) == 0
    assert k.flow.view.seconds_left is None  # nothing on screen counts the poll down


def test_no_poll_while_a_resident_is_served() -> None:
    k = Kiosk()
    k.to_municipality()
    assert polls(k.wait(15.0)) == 0


def test_paper_end_found_while_idle_takes_the_kiosk_out_of_service() -> None:
    k = Kiosk()
    k.wait(0.5)
    k.send(evt.DevicesPolled((PAPER_END,)))
    assert k.state is State.OUT_OF_SERVICE
    assert k.flow.context.message_key == "oos.printer"
    assert "ただいまご利用いただけません" in text("oos.printer")


def test_cover_open_and_cash_offline_are_faults_a_near_end_is_not() -> None:
    for code, key in (("printer_cover_open", "oos.printer"), ("printer_offline", "oos.printer"),
                      ("payment_offline", "oos.payment")):
        k = Kiosk()
        k.send(evt.DevicesPolled((code,)))
        assert (k.state, k.flow.context.message_key) == (State.OUT_OF_SERVICE, key), code
    k = Kiosk()
    k.send(evt.DevicesPolled(()))
    assert k.state is State.ATTRACT
    k.send(evt.DevicesPolled(("card_unreadable",)))  # a resident's card problem, never the kiosk's
    assert k.state is State.ATTRACT


def test_a_refilled_printer_brings_the_kiosk_back_through_the_full_check() -> None:
    k = Kiosk()
    k.send(evt.DevicesPolled((PAPER_END,)))
    assert polls(k.wait(10.0)) == 1  # out of service, it keeps polling
    assert not k.of(fx.CheckDevices)
    k.send(evt.DevicesPolled((PAPER_END,)))  # still empty
    assert k.state is State.OUT_OF_SERVICE and not k.of(fx.CheckDevices)
    effects = k.send(evt.DevicesPolled(()))  # refilled
    assert k.state is State.OUT_OF_SERVICE  # the center and the reader are checked first
    assert any(isinstance(e, fx.CheckDevices) for e in effects)
    k.send(evt.DevicesReady())
    assert k.state is State.ATTRACT


def test_an_empty_poll_never_ends_an_out_of_service_it_cannot_see() -> None:
    k = Kiosk()
    k.send(evt.DeviceFault("center", "center_unreachable"))
    assert k.flow.context.message_key == "oos.center"
    effects = k.send(evt.DevicesPolled(()))
    assert k.state is State.OUT_OF_SERVICE and not any(isinstance(e, fx.CheckDevices) for e in effects)


def test_a_device_recovery_does_not_end_a_remote_hold() -> None:
    k = Kiosk()
    k.send(evt.DevicesPolled((PAPER_END,)))
    k.send(evt.RemoteService(in_service=False, reason="maintenance"))
    assert k.flow.context.message_key == "oos.remote.maintenance"
    k.send(evt.DevicesPolled((PAPER_END,)))  # the paper is still out: the operator's notice stays
    assert k.flow.context.message_key == "oos.remote.maintenance"
    effects = k.send(evt.DevicesPolled(()))  # refilled: no check, the hold stands
    assert not any(isinstance(e, fx.CheckDevices) for e in effects)
    k.send(evt.DevicesReady())  # even a full check passing keeps the hold
    assert (k.state, k.flow.context.message_key) == (State.OUT_OF_SERVICE, "oos.remote.maintenance")
    k.send(evt.RemoteService(in_service=True), evt.DevicesReady())
    assert k.state is State.ATTRACT


def test_a_remote_hold_in_place_when_the_paper_runs_out_stays_until_the_operator_ends_it() -> None:
    k = Kiosk()
    k.send(evt.RemoteService(in_service=False, reason="inspection"))
    k.send(evt.DevicesPolled((PAPER_END,)))
    assert k.flow.context.message_key == "oos.remote.inspection"
    k.send(evt.RemoteService(in_service=True))
    k.send(evt.DeviceFault("printer", PAPER_END))  # the check after the hold: the paper is out
    assert (k.state, k.flow.context.message_key) == (State.OUT_OF_SERVICE, "oos.printer")
    k.send(evt.DevicesPolled(()))  # refilled
    k.send(evt.DevicesReady())
    assert k.state is State.ATTRACT


def test_a_poll_answered_after_the_resident_started_waits_for_the_transaction_to_end() -> None:
    k = Kiosk()
    k.wait(0.5)
    k.send(evt.Touch())
    assert k.state is State.LANGUAGE
    k.send(evt.DevicesPolled((PAPER_END,)))
    assert k.state is State.LANGUAGE
    assert k.flow.context.pending_oos == "oos.printer"
    k.send(evt.Cancel())
    assert (k.state, k.flow.context.message_key) == (State.OUT_OF_SERVICE, "oos.printer")
