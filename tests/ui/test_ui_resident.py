"""Issue 18, the rest, on screen in Japanese and Vietnamese: a refund that failed waits for staff with
the amount, reference and time; the PIN screen says the rule and, before the last try, what to do."""

from __future__ import annotations

import pytest
from ui.kit import Driver
from ui.test_ui_money import LANG_BUTTON, _to_payment

from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.flow.faults import Fault
from kiosk.flow.reference import short_reference


def _to_pin(d: Driver, lang: str) -> None:
    d.touch_start()
    d.press(LANG_BUTTON[lang])
    d.key("button.next")
    d.send(evt.CardInserted())
    assert d.state is State.PIN


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_a_failed_refund_stays_with_amount_reference_and_time_until_staff_clear_it(  # type: ignore[no-untyped-def]
        kiosk, lang: str) -> None:
    d = kiosk(lang, auto_pay=True, printer_fault="printer_paper_end", hold={"Refund"})
    _to_payment(d, lang)
    assert d.state is State.REFUNDING
    d.send(evt.PaymentFault(Fault.REFUND_FAILED, held=200))
    assert d.state is State.ERROR
    v = d.port.view
    assert v.reference == short_reference(d.port.flow.context.order_id or "")
    text = d.screen_text()
    assert d.t("money.refund_owed", owed="200") in text
    assert d.t("refund_failed.ref", ref=v.reference, time=v.failed_at) in text
    assert d.t("screen.refund_failed") in text
    assert d.t("refund_failed.staff") in text
    assert d.t("button.next") not in text  # nothing for the resident to dismiss it with
    d.shot("50-refund-failed")
    d.touch_start()
    assert d.state is State.ERROR
    d.corners()  # the staff gesture works on this screen
    assert d.state is State.SERVICE_LOGIN


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_pin_screen_says_the_rule_from_the_start_and_warns_before_the_last_try(  # type: ignore[no-untyped-def]
        kiosk, lang: str) -> None:
    d = kiosk(lang, hold={"VerifyPin"})
    _to_pin(d, lang)
    text = d.screen_text()
    assert d.t("pin.rule") in text and d.t("screen.pin.tries", tries=3) in text
    assert d.t("pin.advice_stop") not in text
    assert d.t("button.erase") in text
    d.shot("51-pin-first")
    for tries in (2, 1):
        d.send(evt.PinSubmitted("0000"), evt.PinResult(False, tries))
    assert d.state is State.PIN
    text = d.screen_text()
    assert d.t("pin.advice_stop") in text and d.t("pin.lock_shared") in text
    d.shot("52-pin-last-try")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_pin_locked_offers_to_take_the_card_out(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, hold={"VerifyPin"})
    _to_pin(d, lang)
    d.send(evt.PinSubmitted("0000"), evt.PinResult(False, 0))
    assert d.state is State.PIN_LOCKED
    assert d.t("error.pin_blocked") in d.screen_text()
    d.shot("53-pin-locked")
    d.key("button.take_card")
    assert d.state is State.TAKE_CARD


JST_2252 = 1_796_274_000.0 + 8 * 3600 + 52 * 60  # 2026-12-03 22:52 Japan time


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_near_closing_every_screen_counts_down_and_the_card_band_shows(  # type: ignore[no-untyped-def]
        kiosk, lang: str) -> None:
    d = kiosk(lang, wall=JST_2252, hold={"VerifyPin"})
    _to_pin(d, lang)
    text = d.screen_text()
    assert d.t("band.closing", minutes=8) in text
    assert d.t("band.keep_card") in text
    d.shot("54-closing-countdown-pin")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_too_late_is_said_before_the_card_is_read(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, wall=JST_2252 + 5 * 60)  # 22:57
    d.touch_start()
    d.press(LANG_BUTTON[lang])
    assert d.state is State.ERROR
    assert d.t("error.closing_soon") in d.screen_text()
    assert d.t("title.hours") in d.screen_text()  # the title names the problem, not 「ご案内」
    assert d.t("screen.error") not in d.screen_text()
    d.shot("55-closing-refused")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_a_card_left_on_the_reader_prompts_staff_who_can_open_the_menu_there(  # type: ignore[no-untyped-def]
        kiosk, lang: str) -> None:
    d = kiosk(lang, hold={"VerifyPin"})
    _to_pin(d, lang)
    d.key("button.cancel")
    assert d.state is State.TAKE_CARD
    assert d.t("band.card_left") not in d.screen_text()
    d.app.clock.now += 91
    d.send(evt.Tick(d.app.clock.now))
    assert d.state is State.TAKE_CARD
    assert d.t("band.card_left") in d.screen_text()
    d.shot("56-take-card-staff")
    d.corners()
    assert d.state is State.SERVICE_LOGIN


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_attract_language_buttons_start_in_that_language(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    assert d.state is State.ATTRACT
    d.shot("57-attract-languages")
    d.press(LANG_BUTTON[lang])
    assert d.state is State.NOTICE and d.port.view.language == lang


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_out_of_service_follows_the_language_bar(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    d.send(evt.DeviceFault("printer", Fault.PRINTER_PAPER_END))
    assert d.state is State.OUT_OF_SERVICE
    d.press(LANG_BUTTON[lang])
    text = d.screen_text()
    assert d.t("oos.printer") in text and d.t("oos.other_kiosk") in text
    d.shot("58-out-of-service")


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_larger_text_and_high_contrast_from_any_screen_and_the_language_bar_at_the_bottom(  # type: ignore[no-untyped-def]
        kiosk, lang: str) -> None:
    d = kiosk(lang, hold={"VerifyPin"})
    _to_pin(d, lang)
    body_px = d.app.theme.body_px
    d.key("ui.large_text")
    assert d.app.theme.body_px > body_px and d.state is State.PIN
    d.key("ui.invert")
    assert d.app.theme.background == (0, 0, 0, 1) and d.state is State.PIN
    bar = d.find(LANG_BUTTON[lang])
    nav = d.find(d.t("button.cancel"))
    assert bar.to_window(*bar.pos)[1] < nav.to_window(*nav.pos)[1]  # below the navigation row
    d.shot("59-large-contrast-pin")
    d.key("button.cancel")
    d.send(evt.CardRemoved())
    assert d.state is State.ATTRACT
    assert d.app.theme.body_px == body_px and not d.app.high_contrast  # the next person starts plain


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_the_idle_warning_on_payment_says_the_coins_come_back(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    _to_payment(d, lang)
    d.send(evt.MoneyInserted(100))
    d.app.clock.now += 61
    d.send(evt.Tick(d.app.clock.now))
    assert d.port.view.warning
    assert d.t("money.idle_returns", inserted="100") in d.screen_text()
    d.shot("60-idle-warning-money")
