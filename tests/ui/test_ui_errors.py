"""The main error paths through the real flow, in Japanese and English, with screenshots."""

from __future__ import annotations

import pytest
from ui.kit import STAFF_PIN, Driver
from ui.test_ui_paths import _to_pin

from kiosk.flow import State
from kiosk.flow import events as evt


def _enter_pin(d: Driver, pin: str) -> None:
    for digit in pin:
        d.press(digit)
    d.key("button.confirm")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_wrong_pin_then_locked(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    _to_pin(d, lang)
    _enter_pin(d, "9999")
    assert d.state is State.PIN and d.port.view.tries_left == 2
    assert d.t("pin.wrong") in d.screen_text()
    assert d.t("screen.pin.tries", tries=2) in d.screen_text()
    d.shot("20-pin-wrong")
    _enter_pin(d, "9999")
    _enter_pin(d, "0000")
    assert d.state is State.PIN_LOCKED
    assert d.t("error.pin_blocked") in d.screen_text()
    d.shot("21-pin-locked")
    d.key("button.take_card")  # issue 18: 「カードを取り出す」, not 次へ
    assert d.state is not State.PIN_LOCKED


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_center_refusal_explains_what_to_do(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, refuse={"authenticate": "certificate_expired"})
    _to_pin(d, lang)
    _enter_pin(d, "1234")
    assert d.state is State.ERROR
    assert d.t("error.certificate_expired") in d.screen_text()
    d.shot("22-refused")
    d.key("button.next")
    assert d.state is not State.ERROR


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_printer_fault_refunds(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, auto_pay=True, printer_fault="printer_paper_end", hold={"Refund"})
    _to_pin(d, lang)
    _enter_pin(d, "1234")
    d.press("東京都見本市")
    d.press("印鑑登録証明書" if lang == "ja" else d.t("certificate.inkan"))
    assert d.state is State.COPIES
    d.key("button.next")
    d.key("button.pay")
    assert d.state is State.REFUNDING
    d.shot("23-refunding")
    d.send(evt.Refunded(200))
    assert d.state is State.ERROR
    assert d.t("error.printer_fault", refund="200") in d.screen_text()
    d.shot("24-printer-fault")
    assert [type(e).__name__ for e in d.port.effects].count("Refund") == 1


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_out_of_service_and_staff_menu(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    d.send(evt.DeviceFault("printer", "printer_offline"))
    assert d.state is State.OUT_OF_SERVICE
    d.touch_start()  # residents cannot start anything
    assert d.state is State.OUT_OF_SERVICE
    if lang == "en":
        d.press("English")
    assert d.t("oos.printer") in d.screen_text()
    d.shot("30-out-of-service")
    d.corners()
    assert d.state is State.SERVICE_LOGIN
    d.shot("31-staff-login")
    for _ in range(3):
        for digit in "1111":
            d.press(digit)
        d.key("button.confirm")
    assert d.menu.login_state == "locked"
    assert d.t("service.locked") in d.screen_text()
    d.shot("32-staff-locked")
    for digit in STAFF_PIN:  # the right PIN is refused while locked
        d.press(digit)
    d.key("button.confirm")
    assert d.state is State.SERVICE_LOGIN
    d.app.clock.now += 301
    for digit in STAFF_PIN:
        d.press(digit)
    d.key("button.confirm")
    assert d.state is State.SERVICE_MENU
    assert d.t("service.detail.paper_near_end") in d.screen_text()
    d.shot("33-service-menu")
    d.key("service.test_print")
    d.key("service.paper_replenished")
    assert d.backend.calls == ["test_print", "paper_replenished"]
    d.key("service.tab.counters")
    assert "2026-11-25" in d.screen_text()
    d.shot("34-service-counters")
    d.key("service.tab.log")
    assert "paper_replenished" in d.screen_text()
    d.shot("35-service-log")
    d.key("service.set_out_of_service")
    d.key("service.exit")
    assert d.state is State.OUT_OF_SERVICE
    actions = [e["action"] for e in d.menu.audit.tail(50)]
    assert actions == ["staff_login"] * 5 + ["test_print", "paper_replenished", "out_of_service",
                                             "service_exit"]
    assert STAFF_PIN not in d.menu.audit.path.read_text() and "1111" not in d.menu.audit.path.read_text()
