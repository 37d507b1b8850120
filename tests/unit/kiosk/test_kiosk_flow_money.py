"""What the screens say about money (issue 18): every screen after money moved says where it went."""

from __future__ import annotations

from fixtures.kiosk_flow import Kiosk, drive

from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.states import State


def _paper_end_refunded() -> Kiosk:
    k = drive(State.PRINTING)
    k.send(evt.PrinterFault("printer_paper_end", pages_done=0))
    assert k.state is State.REFUNDING
    return k


def test_refunding_says_the_amount_paid_is_coming_back() -> None:
    k = _paper_end_refunded()
    v = k.flow.view
    assert (v.money_key, v.paid) == ("money.refunding", 200)


def test_an_error_after_payment_states_the_refund_and_prints_a_receipt_with_it() -> None:
    k = _paper_end_refunded()
    out = k.send(evt.Refunded(200))
    assert k.state is State.ERROR
    assert (k.flow.view.money_key, k.flow.view.refund) == ("money.refunded", 200)
    receipts = [e for e in out if isinstance(e, fx.PrintReceipt)]
    assert len(receipts) == 1 and receipts[0].refunded == 200 and receipts[0].order_id == "ord-1"
    assert receipts[0].paid == 600 and receipts[0].change == 400  # the whole money story


def test_take_documents_after_a_refund_is_titled_for_the_refund() -> None:
    k = _paper_end_refunded()
    k.send(evt.Refunded(200), evt.Next(), evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS
    v = k.flow.view
    assert v.message_key == "take.refund" and v.money_key == "money.refunded"


def test_take_documents_after_success_is_titled_for_the_certificate() -> None:
    k = drive(State.PRINTING)
    out = k.send(evt.Printed(1))
    assert [e.refunded for e in out if isinstance(e, fx.PrintReceipt)] == [0]
    k.send(evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS
    assert (k.flow.view.message_key, k.flow.view.money_key) == ("screen.take_documents", None)


def test_cancelled_payment_returns_inserted_money_not_a_refund_and_prints_no_receipt() -> None:
    k = drive(State.PAYMENT)
    k.send(evt.MoneyInserted(100))
    out = k.send(evt.Cancel())
    assert not [e for e in out if isinstance(e, fx.PrintReceipt)]  # nothing was paid
    while k.state is not State.TAKE_DOCUMENTS:
        assert k.state in (State.ERROR, State.TAKE_CARD, State.REFUNDING), k.state
        k.send(evt.CardRemoved() if k.state is State.TAKE_CARD else evt.Next())
    v = k.flow.view
    assert (v.message_key, v.money_key, v.refund) == ("take.returned", "money.returned", 100)


def test_a_failed_refund_says_so_with_the_amount() -> None:
    k = _paper_end_refunded()
    k.send(evt.PaymentFault("refund_failed", held=200))
    v = k.flow.view
    assert k.state is State.ERROR and v.message_key == "error.refund_failed"
    assert (v.money_key, v.refund_owed) == ("money.refund_owed", 200)


def test_the_payment_screen_shows_what_is_still_due_and_what_is_accepted() -> None:
    k = drive(State.PAYMENT)
    assert (k.flow.view.due, k.flow.view.accepted) == (200, (10, 50, 100, 500, 1000))
    k.send(evt.MoneyInserted(50))
    assert k.flow.view.due == 150
    k.send(evt.MoneyInserted(500))
    assert k.flow.view.due == 0  # never negative while the change is worked out


def test_no_money_no_money_line() -> None:
    k = drive(State.PLACE_CARD)
    k.send(evt.CardInserted(), evt.DeviceFault("card", "card_unreadable"))
    assert k.state is State.ERROR and k.flow.view.money_key is None


def test_the_receipt_is_printed_in_the_language_the_resident_used() -> None:
    k = drive(State.PRINTING)
    k.send(evt.ChooseLanguage("en"))
    out = k.send(evt.Printed(1))
    assert [e.language for e in out if isinstance(e, fx.PrintReceipt)] == ["en"]
    k = _paper_end_refunded()  # a resident who kept Japanese gets a Japanese refund receipt
    assert [e.language for e in k.send(evt.Refunded(200)) if isinstance(e, fx.PrintReceipt)] == ["ja"]
