"""Refusals, faults, card removal, cancel and inactivity at every step of the flow."""

from __future__ import annotations

import pytest
from fixtures.kiosk_flow import ALL_STEPS, CERT, TRANSACTION_STATES, Kiosk, drive

from kiosk.flow import IllegalEventError, State
from kiosk.flow import effects as fx
from kiosk.flow import events as evt


def _at(step: str) -> Kiosk:
    k = Kiosk()
    getattr(k, f"to_{step}")()
    return k


def _drain_to_idle(k: Kiosk) -> None:
    """Acknowledge whatever the resident is shown until the kiosk is idle again."""
    for _ in range(10):
        if k.state in (State.ATTRACT, State.OUT_OF_SERVICE):
            return
        if k.state is State.TAKE_CARD:
            k.send(evt.CardRemoved())
        elif k.flow.view.staff_call:  # a refund that failed: only staff clear it (issue 18)
            k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(True), evt.ServiceExit(in_service=True))
        elif k.state is State.THANK_YOU:
            k.wait(5)
        else:
            k.send(evt.Next())
    raise AssertionError(f"stuck in {k.state}")


# --- card removal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "key", "refund_effect"),
    [
        ("pin", "error.card_removed", None),
        ("municipality", "error.card_removed", None),
        ("confirm", "error.card_removed", None),
        ("payment", "error.card_removed", fx.CancelPayment()),
    ],
)
def test_card_removal_before_payment_cancels(step: str, key: str, refund_effect: fx.Effect | None) -> None:
    k = _at(step)
    if step == "payment":
        k.send(evt.MoneyInserted(100))
    out = k.send(evt.CardRemoved())
    assert k.state is State.ERROR and k.flow.view.message_key == key
    if refund_effect is not None:
        assert refund_effect in out and k.flow.view.refund == 100
        assert fx.JournalOrder("ord-1", "abandoned", amount=100) in out
    assert not any(isinstance(e, (fx.Issue, fx.CompleteOrder)) for e in k.effects)
    _drain_to_idle(k)
    assert k.state is State.ATTRACT
    assert k.flow.context.session_id is None


def test_card_removal_while_reading_cancels() -> None:
    k = _at("place_card")
    k.send(evt.CardInserted(), evt.CardRemoved())
    assert k.state is State.ERROR and k.flow.view.message_key == "error.card_removed"
    # The reader's answer to the abandoned read arrives late: ignored, not an error.
    assert k.send(evt.CardRead(CERT, 3)) == []
    assert k.state is State.ERROR


def test_card_removal_while_issuing_voids_and_refunds() -> None:
    k = _at("issuing")
    out = k.send(evt.CardRemoved())
    assert k.state is State.REFUNDING
    assert out == [fx.JournalOrder("ord-1", "failed"), fx.CompleteOrder("ord-1", "failed", 0), fx.Refund(200)]
    assert k.send(evt.Issued(({"content": {}, "seal": "x"},))) == []  # late: dropped, never printed
    k.send(evt.Refunded(200))
    assert k.state is State.ERROR
    assert (k.flow.view.message_key, k.flow.view.refund) == ("error.card_removed_refunded", 200)
    k.send(evt.Next())
    assert k.state is State.TAKE_DOCUMENTS  # take the money back (card already gone)
    k.send(evt.Next())
    assert k.state is State.ATTRACT
    assert not k.of(fx.Print)


def test_card_removal_while_printing_aborts_the_job_then_voids_and_refunds() -> None:
    k = _at("printing")
    k.send(evt.PrintProgress(1, 3))
    out = k.send(evt.CardRemoved())
    assert out == [fx.AbortPrint()] and k.state is State.PRINTING
    assert k.flow.view.message_key == "printing.aborting"
    out = k.send(evt.PrinterFault("print_aborted", pages_done=1))
    assert fx.CompleteOrder("ord-1", "failed", 1) in out and fx.Refund(200) in out
    k.send(evt.Refunded(200))
    assert k.flow.view.message_key == "error.card_removed_refunded"
    _drain_to_idle(k)
    assert k.state is State.ATTRACT  # an aborted job is not a printer fault


def test_cancel_is_not_offered_after_payment() -> None:
    k = _at("printing")
    assert not k.flow.view.can_cancel
    assert k.send(evt.Cancel()) == []  # a stray tap: ignored
    assert k.state is State.PRINTING


# --- cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["place_card", "pin", "municipality", "confirm"])
def test_cancel_before_payment_takes_the_card_and_returns_to_attract(step: str) -> None:
    k = _at(step)
    assert k.flow.view.can_cancel
    k.send(evt.Cancel())
    if step == "place_card":
        assert k.state is State.ATTRACT
    else:
        assert k.state is State.TAKE_CARD and fx.PlaySound("take_card", loop=True) in k.effects
        k.send(evt.CardRemoved())
        assert k.state is State.ATTRACT
    assert fx.WipeResident() in k.effects


def test_cancel_during_payment_returns_the_money() -> None:
    k = _at("payment")
    k.send(evt.MoneyInserted(100), evt.MoneyInserted(50))
    out = k.send(evt.Cancel())
    assert out[0] == fx.CancelPayment()
    assert fx.JournalOrder("ord-1", "abandoned", amount=150) in out
    k.send(evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS and k.flow.view.refund == 150
    k.send(evt.DocumentsTaken())
    assert k.state is State.ATTRACT


# --- inactivity ------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["pin", "municipality", "confirm", "payment"])
def test_inactivity_warns_then_cancels(step: str) -> None:
    k = _at(step)
    assert k.flow.view.seconds_left == 60
    k.wait(59)
    assert not k.flow.view.warning
    out = k.wait(1)
    assert out == [fx.PlaySound("warning")] and k.flow.view.warning
    assert k.flow.view.seconds_left == 20
    out = k.wait(20)
    assert k.state is State.ERROR and k.flow.view.message_key == "error.timeout"
    if step == "payment":
        assert fx.CancelPayment() in out
    _drain_to_idle(k)
    assert k.state is State.ATTRACT


def test_answering_the_warning_keeps_the_transaction() -> None:
    k = _at("municipality")
    k.wait(60)
    assert k.flow.view.warning
    k.send(evt.StillHere())
    assert not k.flow.view.warning and k.flow.view.seconds_left == 60
    k.wait(59)
    assert k.state is State.MUNICIPALITY


def test_any_input_restarts_the_inactivity_timer() -> None:
    k = _at("pin")
    k.wait(50)
    k.send(evt.PinDigit("1"))
    k.wait(50)
    assert not k.flow.view.warning
    k.wait(10)
    assert k.flow.view.warning


def test_money_inserted_counts_as_activity() -> None:
    k = _at("payment")
    k.wait(55)
    k.send(evt.MoneyInserted(10))
    k.wait(55)
    assert k.state is State.PAYMENT and not k.flow.view.warning


def test_inactivity_before_the_card_just_returns_to_attract() -> None:
    k = Kiosk()
    k.send(evt.Touch())
    k.wait(60)
    k.wait(20)
    assert k.state is State.ATTRACT


# --- center errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "key", "oos"),
    [
        ("certificate_invalid", "error.certificate_invalid", None),
        ("certificate_expired", "error.certificate_expired", None),
        ("certificate_revoked", "error.certificate_revoked", None),
        ("signature_invalid", "error.signature_invalid", None),
        ("resident_unknown", "error.resident_unknown", None),
        ("challenge_expired", "error.try_again", None),
        ("outside_hours", "error.outside_hours", None),
        ("center_unreachable", "error.center_unreachable", "oos.center"),
        ("something_new", "error.other", None),
    ],
)
def test_center_refusal_at_authentication(code: str, key: str, oos: str | None) -> None:
    k = _at("pin")
    k.send(evt.PinSubmitted("1234"), evt.PinResult(True, 3), evt.CenterError(code, "authenticate"))
    assert k.state is State.ERROR and k.flow.view.message_key == key
    _drain_to_idle(k)
    expected = State.OUT_OF_SERVICE if oos else State.ATTRACT
    assert k.state is expected
    if oos:
        assert k.flow.view.message_key == oos


@pytest.mark.parametrize(
    ("code", "reason", "key"),
    [
        ("not_available", "moved_out", "reason.moved_out"),
        ("not_available", None, "error.not_available"),
        ("session_expired", None, "error.session_expired"),
        ("outside_hours", "maintenance", "reason.maintenance"),
        ("outside_hours", "closed_hours", "error.outside_hours"),
        ("option_not_allowed", None, "error.order_unknown"),
        ("center_unreachable", None, "error.center_unreachable"),
    ],
)
def test_center_refusal_when_ordering(code: str, reason: str | None, key: str) -> None:
    k = _at("confirm")
    k.send(evt.Confirm(), evt.CenterError(code, "order", reason))
    assert k.state is State.ERROR and k.flow.view.message_key == key
    assert not k.of(fx.StartPayment)


@pytest.mark.parametrize(("code", "oos"), [("session_expired", False), ("center_unreachable", True)])
def test_center_refusal_when_issuing_voids_and_refunds(code: str, oos: bool) -> None:
    k = _at("issuing")
    out = k.send(evt.CenterError(code, "issue"))
    assert out == [fx.JournalOrder("ord-1", "failed"), fx.CompleteOrder("ord-1", "failed", 0), fx.Refund(200)]
    k.send(evt.Refunded(200), evt.Next(), evt.CardRemoved(), evt.Next())
    assert k.state is (State.OUT_OF_SERVICE if oos else State.ATTRACT)
    assert [j.step for j in k.of(fx.JournalOrder)][-2:] == ["failed", "refunded"]


def test_center_unreachable_on_complete_puts_the_kiosk_out_of_service_after_the_resident() -> None:
    k = _at("printing")
    k.send(evt.Printed(1), evt.CenterError("center_unreachable", "complete"))
    assert k.state is State.TAKE_CARD  # the resident still gets card and certificate
    k.send(evt.CardRemoved(), evt.DocumentsTaken())
    assert k.state is State.THANK_YOU
    k.wait(5)
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.center"
    k.send(evt.Touch())
    assert k.state is State.OUT_OF_SERVICE
    k.send(evt.DevicesReady())
    assert k.state is State.ATTRACT


# --- printer and payment faults --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["printer_paper_end", "printer_cover_open", "printer_offline"])
def test_printer_fault_after_payment_voids_refunds_and_stops_the_kiosk(code: str) -> None:
    k = _at("printing")
    k.send(evt.PrintProgress(1, 2))
    out = k.send(evt.PrinterFault(code, pages_done=1))
    assert k.state is State.REFUNDING
    assert out == [fx.JournalOrder("ord-1", "failed", pages=1), fx.CompleteOrder("ord-1", "failed", 1),
                   fx.Refund(200)]
    k.send(evt.Refunded(200))
    assert k.state is State.ERROR
    v = k.flow.view
    assert (v.message_key, v.refund) == ("error.printer_fault", 200)
    k.send(evt.Next())
    assert k.state is State.TAKE_CARD
    k.send(evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS and k.flow.view.refund == 200
    k.send(evt.DocumentsTaken())
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.printer"
    assert k.flow.context.order_id is None


def test_printer_watchdog_aborts_and_refunds() -> None:
    k = _at("printing")
    k.wait(179)
    k.send(evt.PrintProgress(1, 2))
    k.wait(179)
    assert k.state is State.PRINTING  # progress restarted the watchdog
    out = k.wait(1)
    assert out[0] == fx.AbortPrint() and fx.Refund(200) in out
    assert k.state is State.REFUNDING


def test_refund_failure_asks_for_staff_and_stops() -> None:
    k = _at("printing")
    k.send(evt.PrinterFault("printer_paper_end"), evt.PaymentFault("payment_jam", held=200))
    assert k.state is State.ERROR and k.flow.view.message_key == "error.refund_failed"
    k.send(evt.Next(), evt.Touch())  # issue 18: the resident cannot dismiss it; staff clear it
    assert k.state is State.ERROR and k.flow.view.staff_call
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(True), evt.ServiceExit(in_service=False))
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.staff"


def test_payment_device_fault_with_money_held_refunds_it() -> None:
    k = _at("payment")
    k.send(evt.MoneyInserted(100))
    out = k.send(evt.PaymentFault("payment_jam", held=100))
    assert out == [fx.Refund(100)] and k.state is State.REFUNDING
    k.send(evt.Refunded(100))
    assert k.flow.view.message_key == "error.payment_fault"
    _drain_to_idle(k)
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.payment"


@pytest.mark.parametrize(("code", "key"), [("card_unreadable", "error.card_unreadable"),
                                           ("card_unsupported", "error.card_unsupported")])
def test_card_faults_explain_and_do_not_stop_the_kiosk(code: str, key: str) -> None:
    k = _at("place_card")
    k.send(evt.CardInserted(), evt.DeviceFault("card", code))
    assert k.state is State.ERROR and k.flow.view.message_key == key
    _drain_to_idle(k)
    assert k.state is State.ATTRACT


def test_reader_watchdog() -> None:
    k = _at("place_card")
    k.send(evt.CardInserted())
    k.wait(20)
    assert k.state is State.ERROR and k.flow.view.message_key == "error.card_unreadable"


def test_center_watchdog_while_authenticating_stops_the_kiosk() -> None:
    k = _at("pin")
    k.send(evt.PinSubmitted("1234"))
    k.wait(45)
    assert k.state is State.ERROR and k.flow.view.message_key == "error.center_unreachable"
    _drain_to_idle(k)
    assert k.state is State.OUT_OF_SERVICE


def test_idle_device_fault_puts_the_kiosk_out_of_service_at_once() -> None:
    k = Kiosk()
    k.send(evt.DeviceFault("printer", "printer_paper_end"))
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.printer"


def test_device_fault_during_a_transaction_waits_for_its_end() -> None:
    k = _at("municipality")
    k.send(evt.DeviceFault("printer", "printer_cover_open"))
    assert k.state is State.MUNICIPALITY
    k.send(evt.Cancel(), evt.CardRemoved())
    assert k.state is State.OUT_OF_SERVICE


def test_error_screen_continues_by_itself() -> None:
    k = _at("pin")
    k.send(evt.CardRemoved())
    k.wait(30)
    assert k.state is State.ATTRACT


# --- illegal and stray events ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "event"),
    [
        ("pin", evt.Issued(())),
        ("municipality", evt.PrintProgress(1, 1)),
        ("place_card", evt.OrderCreated("x", 1)),
        ("printing", evt.CardRead(CERT, 3)),
    ],
)
def test_unexpected_device_events_raise_and_change_nothing(step: str, event: evt.Event) -> None:
    k = _at(step)
    state, ctx = k.state, k.flow.context
    with pytest.raises(IllegalEventError) as info:
        k.send(event)
    assert info.value.code == "flow_illegal_event"
    assert k.state is state and k.flow.context is ctx


@pytest.mark.parametrize("step", ALL_STEPS)
def test_stray_taps_are_ignored(step: str) -> None:
    k = _at(step)
    state = k.state
    for tap in (evt.Touch(), evt.Confirm(), evt.DocumentsTaken(), evt.ChooseLanguage("en")):
        if state is State.CONFIRM and isinstance(tap, evt.Confirm):
            continue
        assert k.send(tap) == [] or state is State.CONFIRM
    assert k.state is state


def test_stale_generation_results_are_dropped() -> None:
    k = _at("pin")
    gen = k.flow.generation
    k.send(evt.Cancel(), evt.CardRemoved())
    assert k.flow.generation == gen + 1
    k.send(evt.Touch())
    assert k.flow.submit(evt.PinResult(True, 3), generation=gen) == []
    assert k.state is State.LANGUAGE


# --- service menu ----------------------------------------------------------------------------------


def test_service_menu_from_out_of_service_and_back() -> None:
    k = Kiosk()
    k.send(evt.DeviceFault("payment", "payment_offline"))
    k.send(evt.ServiceRequested())
    assert k.state is State.SERVICE_LOGIN
    k.send(evt.StaffPinSubmitted(ok=False))
    assert k.state is State.SERVICE_LOGIN and k.flow.view.message_key == "service.pin_wrong"
    k.send(evt.Cancel())
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.payment"
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(ok=True))
    assert k.state is State.SERVICE_MENU
    k.send(evt.ServiceExit(in_service=True))
    assert k.state is State.ATTRACT


def test_staff_can_take_the_kiosk_out_of_service() -> None:
    k = Kiosk()
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(ok=True), evt.ServiceExit(in_service=False))
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.message_key == "oos.staff"


def test_service_menu_is_not_reachable_during_a_transaction() -> None:
    k = _at("municipality")
    assert k.send(evt.ServiceRequested()) == []
    assert k.state is State.MUNICIPALITY


@pytest.mark.parametrize(
    ("reasons", "key"),
    [(["support_measure", "support_measure"], "reason.support_measure"),
     (["moved_out", "no_seal_registered"], "reason.nothing_available")],
)
def test_nothing_available_says_why_at_once(reasons: list[str], key: str) -> None:
    from kiosk.flow.services import parse_municipalities

    raw = [{"code": "409994", "name": "福岡県模擬村", "relation": "residence",
            "services": [{"certificate": c, "available": False, "reason": r, "fee": 200}
                         for c, r in zip(("juminhyo", "inkan"), reasons, strict=True)]}]
    k = _at("pin")
    k.send(evt.PinSubmitted("1234"), evt.PinResult(True, 3),
           evt.Authenticated("s", parse_municipalities(raw)))
    assert k.state is State.ERROR and k.flow.view.message_key == key
    assert k.flow.context.session_id is None


# --- every step, systematically ----------------------------------------------------------------------

_UNPAID = {State.READING, State.PIN, State.AUTHENTICATING, State.MUNICIPALITY, State.CERTIFICATE, State.WHOSE,
           State.MEMBERS, State.ITEMS, State.TAX_YEAR, State.COPIES, State.CONFIRM, State.ORDERING}


@pytest.mark.parametrize("state", TRANSACTION_STATES, ids=lambda s: s.name)
def test_card_removal_at_every_step(state: State) -> None:
    k = drive(state)
    out = k.send(evt.CardRemoved())
    assert k.flow.context.card_present is False
    if state is State.PLACE_CARD:
        assert k.state is State.PLACE_CARD and out == []  # nothing to cancel: still waiting for a card
        return
    if state in _UNPAID:
        assert k.state is State.ERROR and k.flow.view.message_key == "error.card_removed"
        assert not any(isinstance(e, (fx.Issue, fx.Refund, fx.CompleteOrder)) for e in out)
    elif state is State.PAYMENT:
        assert k.state is State.ERROR and fx.CancelPayment() in out
    elif state is State.ISSUING:
        assert k.state is State.REFUNDING and fx.Refund(200) in out
    elif state is State.PRINTING:
        assert k.state is State.PRINTING and out == [fx.AbortPrint()]
    else:  # REFUNDING: the refund goes on
        assert k.state is State.REFUNDING and out == []
    _settle(k)
    assert k.state in (State.ATTRACT, State.OUT_OF_SERVICE)
    assert k.flow.context.session_id is None and k.flow.context.order_id is None


def _settle(k: Kiosk) -> None:
    """Let every pending device answer arrive, then acknowledge the screens."""
    if k.state is State.PRINTING:
        k.send(evt.PrinterFault("print_aborted", 0))
    if k.state is State.REFUNDING:
        k.send(evt.Refunded(200))
    _drain_to_idle(k)


@pytest.mark.parametrize("state", TRANSACTION_STATES, ids=lambda s: s.name)
def test_cancel_at_every_step(state: State) -> None:
    k = drive(state)
    can_cancel = k.flow.view.can_cancel
    assert can_cancel is (state not in (State.ISSUING, State.PRINTING, State.REFUNDING))
    out = k.send(evt.Cancel())
    if not can_cancel:
        assert out == [] and k.state is state
        return
    assert k.state in (State.TAKE_CARD, State.ATTRACT)
    assert not any(isinstance(e, (fx.Issue, fx.CompleteOrder)) for e in out)
    _drain_to_idle(k)
    assert k.state is State.ATTRACT


@pytest.mark.parametrize("state", TRANSACTION_STATES, ids=lambda s: s.name)
def test_waiting_too_long_at_every_step(state: State) -> None:
    k = drive(state)
    for _ in range(4):  # warn, then cancel; or the watchdog
        k.wait(200)
    if state is State.PLACE_CARD:
        assert k.state is State.TAKE_CARD or k.state is State.ATTRACT
    else:
        assert k.state is not state
    _settle(k)
    assert k.state in (State.ATTRACT, State.OUT_OF_SERVICE)
    paid = any(isinstance(e, fx.JournalOrder) and e.step == "paid" for e in k.effects)
    if paid:
        assert any(isinstance(e, fx.Refund) for e in k.effects)


@pytest.mark.parametrize("step", ["pin", "confirm"])
def test_a_card_left_on_the_reader_keeps_nothing_of_the_resident(step: str) -> None:
    """TAKE_CARD waits without a time limit: the PIN digits, certificate, session and household
    names are dropped on entering it."""
    k = _at(step)
    if step == "pin":
        k.send(evt.PinDigit("1"), evt.PinDigit("2"))
    before = k.flow.context
    # Something of the resident is held before: the certificate (until authenticated) or the session.
    assert before.certificate is not None or before.session_id is not None
    k.send(evt.Cancel())
    assert k.state is State.TAKE_CARD
    ctx = k.flow.context
    held = (ctx.pin, ctx.certificate, ctx.session_id, ctx.municipalities, ctx.members)
    assert held == ("", None, None, (), ())
