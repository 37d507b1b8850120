"""Tap through the kiosk with the real flow and simulated devices, in Japanese and English, with a
screenshot of every screen (var/screenshots/<lang>/NN-state.png)."""

from __future__ import annotations

import pytest
from ui.kit import Driver

from kiosk.flow import State
from kiosk.flow import events as evt

LANG_BUTTON = {"ja": "日本語", "en": "English"}


def _to_pin(d: Driver, lang: str, shots: bool = False) -> None:
    assert d.state is State.ATTRACT
    shots and d.shot("01-attract")
    d.touch_start()
    assert d.state is State.LANGUAGE
    shots and d.shot("02-language")
    d.press(LANG_BUTTON[lang])
    assert d.state is State.NOTICE and d.port.view.language == lang
    shots and d.shot("03-notice")
    d.key("button.next")
    assert d.state is State.PLACE_CARD
    shots and d.shot("04-place-card")
    d.send(evt.CardInserted())
    if shots:
        assert d.state is State.READING
        d.shot("05-reading")
        d.send(d.sim._ReadCard(None)[0])  # type: ignore[attr-defined]
    assert d.state is State.PIN


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_happy_path_every_screen(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, hold={"ReadCard", "Print"})
    _to_pin(d, lang, shots=True)
    d.shot("06-pin")
    for digit in "12":
        d.press(digit)
    assert d.port.view.pin_digits == 2
    assert "1" not in [t for t in d.screen_text().split("\n") if t == "12"]  # digits never echoed
    d.shot("07-pin-typing")
    for digit in "34":
        d.press(digit)
    d.key("button.confirm")
    assert d.state is State.MUNICIPALITY
    d.shot("08-municipality")
    d.press("東京都見本市")
    assert d.state is State.CERTIFICATE
    d.shot("09-certificate")
    d.press("住民票の写し" if lang == "ja" else d.t("certificate.juminhyo"))
    assert d.state is State.WHOSE
    d.shot("10-whose")
    d.key("whose.juminhyo.household")
    assert d.state is State.ITEMS
    d.key("item.householder_relationship")
    d.shot("11-items")
    d.key("button.next")
    assert d.state is State.COPIES
    d.key("button.more")
    d.shot("12-copies")
    d.key("button.next")
    assert d.state is State.CONFIRM and d.port.view.copies == 2 and d.port.view.fee == 400
    # The confirm screen repeats what was chosen: whose entries and the items to show.
    text = d.screen_text()
    assert d.t("whose.juminhyo.household") in text and d.t("item.householder_relationship") in text
    assert d.t("label.whose") in text and d.t("label.items") in text
    d.shot("13-confirm")
    d.key("button.pay")
    assert d.state is State.PAYMENT
    d.send(evt.MoneyInserted(100))
    d.shot("14-payment")
    d.send(evt.MoneyInserted(900), evt.PaymentComplete(1000, 600))
    assert d.state is State.PRINTING
    d.send(evt.PrintProgress(1, 2))
    assert d.port.view.pages_done == 1
    d.shot("15-printing")
    d.send(evt.Printed(2))
    assert d.state is State.TAKE_CARD and d.port.view.sound == "take_card"
    d.shot("16-take-card")
    d.send(evt.CardRemoved())
    assert d.state is State.TAKE_DOCUMENTS
    assert d.t("screen.take_documents.change", change="600") in d.screen_text()
    d.shot("17-take-documents")
    d.key("button.done")
    assert d.state is State.THANK_YOU
    d.shot("18-thank-you")
    order = next(e for e in d.port.effects if type(e).__name__ == "CreateOrder")
    assert (order.certificate, order.copies) == ("juminhyo", 2)
    assert (order.options["scope"], order.options["householder_relationship"], order.options["honseki"]) == (
        "household", True, False)
