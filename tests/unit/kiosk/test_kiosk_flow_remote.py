"""Operators' remote commands in the flow (kiosk.flow.remote): pure, on the injected clock."""

from __future__ import annotations

from fixtures.kiosk_flow import Kiosk

from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.messages import text
from kiosk.flow.remote import may_print_test_page
from kiosk.flow.states import State


def test_out_of_service_at_once_when_idle_and_held_through_device_checks() -> None:
    k = Kiosk()
    k.send(evt.RemoteService(in_service=False, reason="inspection"))
    assert k.state is State.OUT_OF_SERVICE
    assert k.flow.context.message_key == "oos.remote.inspection"
    assert text("oos.remote.inspection") == "点検中のため、ただいまご利用いただけません。"
    k.send(evt.DevicesReady())  # the runner's periodic re-check passes: still held
    assert k.state is State.OUT_OF_SERVICE
    assert k.flow.context.message_key == "oos.remote.inspection"
    effects = k.send(evt.RemoteService(in_service=True))
    assert k.state is State.OUT_OF_SERVICE  # devices are checked first
    assert any(isinstance(e, fx.CheckDevices) for e in effects)
    k.send(evt.DevicesReady())
    assert k.state is State.ATTRACT


def test_back_in_service_with_a_faulty_device_stays_out_for_the_fault() -> None:
    k = Kiosk()
    k.send(evt.RemoteService(in_service=False, reason="maintenance"))
    k.send(evt.RemoteService(in_service=True))
    k.send(evt.DeviceFault("printer", "printer_paper_end"))  # the re-check's answer: not DevicesReady
    assert k.state is State.OUT_OF_SERVICE
    assert k.flow.context.held_oos is None
    k.send(evt.DevicesReady())  # paper replenished, the next re-check passes
    assert k.state is State.ATTRACT


def test_a_resident_being_served_finishes_first() -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.RemoteService(in_service=False, reason="store_request"))
    assert k.state is State.MUNICIPALITY  # the resident is not cut off
    assert may_print_test_page(k.state) is False
    k.send(evt.Cancel())
    k.send(evt.CardRemoved())
    for _ in range(5):
        if k.state is State.OUT_OF_SERVICE:
            break
        k.wait(31)
    assert k.state is State.OUT_OF_SERVICE
    assert k.flow.context.message_key == "oos.remote.store_request"
    assert may_print_test_page(k.state) is True


def test_back_in_service_before_the_transaction_ended_cancels_the_pending_hold() -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.RemoteService(in_service=False, reason="maintenance"))
    k.send(evt.RemoteService(in_service=True))
    assert k.flow.context.pending_oos is None and k.flow.context.held_oos is None


def test_staff_putting_the_kiosk_in_service_ends_a_remote_hold() -> None:
    k = Kiosk()
    k.send(evt.RemoteService(in_service=False, reason="maintenance"))
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(ok=True), evt.ServiceExit(in_service=True))
    assert k.state is State.ATTRACT
    assert k.flow.context.held_oos is None
