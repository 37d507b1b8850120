"""Issue 18, the rest: a refund that fails waits for staff; the PIN screen says the rule from the start."""

from __future__ import annotations

from fixtures.kiosk_flow import CERT, Kiosk, drive

from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.faults import Fault
from kiosk.flow.reference import ALPHABET, short_reference
from kiosk.flow.states import State


def _refund_failed() -> Kiosk:
    k = drive(State.REFUNDING)  # paper ended after payment: 200 yen to pay back
    k.wall.advance(51 * 60)  # 14:51 Japan time
    k.send(evt.PaymentFault(Fault.REFUND_FAILED, held=200))
    assert k.state is State.ERROR
    return k


def test_short_reference_is_readable_and_stable() -> None:
    ref = short_reference("O--QzycZ7TFjCE6DpwLlc3RMtV")
    assert ref == short_reference("O--QzycZ7TFjCE6DpwLlc3RMtV")
    assert len(ref) == 9 and ref[4] == "-"
    assert set(ref.replace("-", "")) <= set(ALPHABET)
    assert not set(ref) & set("ILOU")  # no look-alikes of 1 and 0
    assert short_reference("ord-1") != short_reference("ord-2")


def test_a_failed_refund_shows_amount_reference_and_time_and_prints_a_slip() -> None:
    k = drive(State.REFUNDING)
    k.wall.advance(51 * 60)
    out = k.send(evt.PaymentFault(Fault.REFUND_FAILED, held=200))
    v = k.flow.view
    assert v.message_key == "error.refund_failed" and v.money_key == "money.refund_owed"
    assert (v.refund_owed, v.reference, v.failed_at) == (200, short_reference("ord-1"), "14:51")
    assert v.staff_call and not v.can_cancel
    slips = [e for e in out if isinstance(e, fx.PrintReceipt)]
    assert len(slips) == 1
    assert (slips[0].refund_owed, slips[0].reference, slips[0].refunded) == (200, v.reference, 0)
    assert slips[0].at == 1_796_274_000.0 + 51 * 60
    # The journal hears of the debt before anything else is printed.
    journal = [e for e in out if isinstance(e, fx.JournalOrder)]
    assert journal == [fx.JournalOrder("ord-1", "owed", amount=200)]
    assert out.index(next(e for e in out if isinstance(e, fx.JournalOrder))) < out.index(slips[0])


def test_a_failed_refund_screen_ignores_taps_and_time() -> None:
    k = _refund_failed()
    k.send(evt.Touch(), evt.Next())
    k.wait(3600)
    assert k.state is State.ERROR and k.flow.view.seconds_left is None
    assert k.flow.view.refund_owed == 200


def test_only_staff_clear_a_failed_refund_and_an_abandoned_login_brings_it_back() -> None:
    k = _refund_failed()
    k.send(evt.ServiceRequested())
    assert k.state is State.SERVICE_LOGIN
    k.send(evt.Cancel())
    assert k.state is State.ERROR and k.flow.view.money_key == "money.refund_owed"
    assert k.flow.view.message_key == "error.refund_failed"
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(True))
    assert k.state is State.SERVICE_MENU
    out = k.send(evt.ServiceExit(in_service=False))
    assert k.state is State.OUT_OF_SERVICE
    assert any(isinstance(e, fx.WipeResident) for e in out)
    assert k.flow.context.refund_owed == 0 and not k.flow.context.staff_needed


def test_the_staff_gesture_does_nothing_on_an_ordinary_error() -> None:
    k = drive(State.PLACE_CARD)
    k.send(evt.CardInserted(), evt.CardRemoved())
    assert k.state is State.ERROR
    k.send(evt.ServiceRequested())
    assert k.state is State.ERROR


def test_pin_screen_states_the_rule_from_the_start() -> None:
    k = drive(State.PIN)
    assert k.flow.view.pin_notes == ("pin.rule", "screen.pin.tries")
    assert k.flow.view.tries_left == 3


def test_after_the_second_miss_the_pin_screen_advises_stopping_and_warns_the_lock_is_shared() -> None:
    k = drive(State.PIN)
    for tries in (2, 1):
        k.send(evt.PinSubmitted("0000"), evt.PinResult(False, tries))
    assert k.state is State.PIN
    # ... and where a locked PIN is reset (issue 11)
    assert k.flow.view.pin_notes == ("pin.rule", "screen.pin.tries", "pin.advice_stop", "pin.lock_shared",
                                     "screen.pin.reset")


def test_pin_locked_stays_until_the_card_is_taken_out() -> None:
    k = Kiosk()
    k.to_place_card()
    k.send(evt.CardInserted(), evt.CardRead(CERT, 0))
    assert k.state is State.PIN_LOCKED
    k.send(evt.Touch())
    k.wait(3600)
    assert k.state is State.PIN_LOCKED and k.flow.view.seconds_left is None
    k.send(evt.Next())  # 「カードを取り出す」
    assert k.state is State.TAKE_CARD


def test_pin_locked_ends_when_the_card_is_pulled() -> None:
    k = Kiosk()
    k.to_place_card()
    k.send(evt.CardInserted(), evt.CardRead(CERT, 0))
    k.send(evt.CardRemoved())
    assert k.state is State.ATTRACT


# --- closing time (wall clock: 2026-12-03 14:00 Japan time at the start of a Kiosk) -------------------

JST_2245 = 1_796_274_000.0 + 8 * 3600 + 45 * 60  # 22:45 Japan time


def _at_wall(k: Kiosk, epoch: float) -> None:
    k.wall.now = epoch


def test_no_countdown_in_the_afternoon() -> None:
    k = drive(State.PIN)
    assert k.flow.view.closing_minutes is None and "band.closing" not in k.flow.view.bands


def test_from_22_45_every_screen_counts_down_to_23_00() -> None:
    k = drive(State.PIN)
    _at_wall(k, JST_2245 - 60)  # 22:44: not yet
    assert k.flow.view.closing_minutes is None
    _at_wall(k, JST_2245)
    assert k.flow.view.closing_minutes == 15 and k.flow.view.bands[0] == "band.closing"
    _at_wall(k, JST_2245 + 10 * 60 + 30)  # 22:55:30 → 4.5 minutes, shown as 5
    assert k.flow.view.closing_minutes == 5
    _at_wall(k, JST_2245 + 15 * 60)  # 23:00: closed, no countdown
    assert k.flow.view.closing_minutes is None


def test_too_close_to_closing_is_refused_before_the_card_is_read() -> None:
    k = Kiosk()
    _at_wall(k, JST_2245 + 12 * 60)  # 22:57: 3 minutes left, the margin is 4
    k.send(evt.Touch(), evt.ChooseLanguage("en"))
    assert k.state is State.ERROR and k.flow.view.language == "en"
    assert k.flow.view.message_key == "error.closing_soon"
    assert not k.of(fx.ReadCard)


def test_a_card_placed_after_the_margin_is_not_read() -> None:
    k = Kiosk()
    _at_wall(k, JST_2245)
    k.to_place_card()
    _at_wall(k, JST_2245 + 11 * 60 + 30)  # 22:56:30: 210 s left < 240 s
    k.send(evt.CardInserted())
    assert k.state is State.ERROR and k.flow.view.message_key == "error.closing_soon"
    assert not k.of(fx.ReadCard)
    k.send(evt.Next())
    assert k.state is State.TAKE_CARD  # the card is on the reader: take it first


def test_with_time_enough_the_card_is_read() -> None:
    k = Kiosk()
    _at_wall(k, JST_2245 + 10 * 60)  # 22:55: 300 s left > 240 s
    k.to_place_card()
    k.send(evt.CardInserted())
    assert k.state is State.READING


# --- the card band -----------------------------------------------------------------------------------


def test_keep_the_card_band_from_place_card_until_printing_ends() -> None:
    for state in (State.PLACE_CARD, State.PIN, State.CONFIRM, State.PAYMENT, State.PRINTING):
        assert "band.keep_card" in drive(state).flow.view.bands, state
    k = drive(State.PRINTING)
    k.send(evt.Printed(1))
    assert "band.keep_card" not in k.flow.view.bands  # TAKE_CARD: now it is time to take it
    assert "band.keep_card" not in Kiosk().flow.view.bands  # attract


def test_the_band_goes_once_printing_is_being_aborted() -> None:
    k = drive(State.PRINTING)
    k.send(evt.CardRemoved())
    assert k.state is State.PRINTING and "band.keep_card" not in k.flow.view.bands


# --- a card left on the reader ------------------------------------------------------------------------


def _take_card() -> Kiosk:
    k = drive(State.PRINTING)
    k.send(evt.Printed(1))
    assert k.state is State.TAKE_CARD
    return k


def test_a_card_left_calls_staff_after_the_delay_and_records_the_event_by_name() -> None:
    k = _take_card()
    assert not k.flow.view.staff_call
    k.wait(89)
    assert "band.card_left" not in k.flow.view.bands
    out = k.wait(2)
    assert fx.RecordEvent("card_left") in out and fx.PlaySound("warning") in out
    v = k.flow.view
    assert "band.card_left" in v.bands and v.staff_call and k.state is State.TAKE_CARD
    assert k.wait(600) == []  # once, not again and again


def test_staff_open_the_service_menu_on_the_take_card_screen() -> None:
    k = _take_card()
    k.send(evt.ServiceRequested())
    assert k.state is State.TAKE_CARD  # not before the delay
    k.wait(91)
    k.send(evt.ServiceRequested())
    assert k.state is State.SERVICE_LOGIN
    k.send(evt.Back())
    assert k.state is State.TAKE_CARD
    k.send(evt.ServiceRequested(), evt.StaffPinSubmitted(True), evt.ServiceExit(in_service=True))
    assert k.state is State.ATTRACT


def test_taking_the_card_after_the_prompt_goes_on_as_usual() -> None:
    k = _take_card()
    k.wait(91)
    k.send(evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS and "band.card_left" not in k.flow.view.bands


# --- small frictions ----------------------------------------------------------------------------------


def test_a_single_municipality_is_not_a_choice() -> None:
    from fixtures.kiosk_flow import municipalities

    k = drive(State.AUTHENTICATING)
    only = municipalities()[:1]
    k.send(evt.PinResult(True, 3), evt.Authenticated("sess-1", only))
    assert k.state is State.CERTIFICATE
    assert k.flow.view.municipality == only[0].name and not k.flow.view.can_back


def test_whose_is_not_highlighted_before_the_resident_chooses() -> None:
    k = drive(State.WHOSE)
    assert not any(c.selected for c in k.flow.view.choices)
    k.send(evt.WhoseChosen("household"), evt.Back())
    assert k.state is State.WHOSE
    assert [c.key for c in k.flow.view.choices if c.selected] == ["household"]


def test_printing_title_before_the_page_count_and_after_an_abort() -> None:
    k = drive(State.PRINTING)
    assert k.flow.view.title_key == "screen.printing.start"
    k.send(evt.PrintProgress(1, 2))
    assert k.flow.view.title_key == "printing.page"  # 「2/2枚目を印刷しています」
    k.send(evt.CardRemoved())
    assert k.flow.view.title_key == "screen.printing.stopped"


# --- languages -----------------------------------------------------------------------------------------


def test_attract_offers_the_configured_languages_and_starts_in_the_one_tapped() -> None:
    from kiosk.flow import FlowSettings
    from kiosk.flow.errors import InvalidChoiceError

    k = Kiosk(settings=FlowSettings(languages=("ja", "vi")))
    assert [c.key for c in k.flow.view.choices] == ["ja", "vi"]
    try:
        k.send(evt.ChooseLanguage("zh"))
    except InvalidChoiceError:
        pass
    else:
        raise AssertionError("a language not on offer was accepted")
    assert k.state is State.ATTRACT
    k.send(evt.ChooseLanguage("vi"))
    assert k.state is State.NOTICE and k.flow.view.language == "vi"


def test_the_out_of_service_notice_follows_the_language_bar() -> None:
    k = Kiosk()
    k.send(evt.DeviceFault("printer", Fault.PRINTER_PAPER_END))
    assert k.state is State.OUT_OF_SERVICE
    k.send(evt.ChooseLanguage("en"))
    assert k.state is State.OUT_OF_SERVICE and k.flow.view.language == "en"
    assert k.flow.view.message_key == "oos.printer"
    k.send(evt.DevicesReady())
    assert k.state is State.ATTRACT and k.flow.view.language == "ja"  # the next person starts afresh


def test_an_error_title_names_the_problem() -> None:
    k = drive(State.PLACE_CARD)
    k.send(evt.CardInserted(), evt.CardRemoved())
    assert k.flow.view.title_key == "title.card_removed"
    k2 = _refund_failed()
    assert k2.flow.view.title_key == "screen.refund_failed"
    k3 = drive(State.AUTHENTICATING)
    k3.send(evt.PinResult(True, 3), evt.CenterError("outside_hours"))
    assert k3.state is State.ERROR and k3.flow.view.title_key == "title.hours"


def test_the_idle_warning_on_payment_says_the_inserted_money_comes_back() -> None:
    k = drive(State.PAYMENT)
    k.send(evt.MoneyInserted(100))
    assert k.flow.view.money_key is None
    k.wait(61)
    v = k.flow.view
    assert v.warning and v.money_key == "money.idle_returns" and v.inserted == 100
