"""What the screens say about money (issue 18), in Japanese and Vietnamese, with screenshots."""

from __future__ import annotations

import pytest
from ui.kit import Driver

from kiosk.flow import State
from kiosk.flow import events as evt

LANG_BUTTON = {"ja": "日本語", "vi": "Tiếng Việt"}


def _to_payment(d: Driver, lang: str) -> None:
    d.touch_start()
    d.press(LANG_BUTTON[lang])
    d.key("button.next")
    d.send(evt.CardInserted())
    for digit in "1234":
        d.press(digit)
    d.key("button.confirm")
    assert d.state is State.MUNICIPALITY
    d.press("東京都見本市")
    d.press(d.t("certificate.inkan"))
    assert d.state is State.COPIES
    d.key("button.next")
    d.key("button.pay")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_payment_shows_what_is_due_and_what_is_accepted(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    _to_payment(d, lang)
    assert d.state is State.PAYMENT
    d.send(evt.MoneyInserted(100))
    text = d.screen_text()
    assert d.t("screen.payment.due", due="100") in text  # 200 yen fee, 100 in
    assert d.t("screen.payment.accepted", money="10・50・100・500・1,000") in text
    d.shot("40-payment-due")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_a_printer_fault_after_payment_says_where_the_money_went(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, auto_pay=True, printer_fault="printer_paper_end", hold={"Refund"})
    _to_payment(d, lang)
    assert d.state is State.REFUNDING
    assert d.t("money.refunding", paid="200") in d.screen_text()
    d.shot("41-refunding-money")
    d.send(evt.Refunded(200))
    assert d.state is State.ERROR
    assert d.t("money.refunded", refund="200") in d.screen_text()
    d.shot("42-error-refunded")
    d.key("button.next")
    d.send(evt.CardRemoved())
    assert d.state is State.TAKE_DOCUMENTS
    text = d.screen_text()
    assert d.t("take.refund", refund="200") in text
    assert d.t("screen.take_documents") not in text  # nothing was printed: the old title lied
    d.shot("43-take-refund")
