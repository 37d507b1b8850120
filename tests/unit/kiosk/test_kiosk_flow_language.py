"""The language bar: ``ChooseLanguage`` on every resident screen switches the language and stays put,
without touching the screen's own timers (docs/kiosk-ui.md "Languages")."""

from __future__ import annotations

import pytest
from fixtures.kiosk_flow import TIMEOUTS, drive

from kiosk.flow import FlowSettings, InvalidChoiceError, State
from kiosk.flow import effects as fx
from kiosk.flow import events as evt

RESIDENT_STATES = [State.PLACE_CARD, State.READING, State.PIN, State.AUTHENTICATING,
                   State.MUNICIPALITY, State.CERTIFICATE, State.WHOSE, State.MEMBERS, State.ITEMS,
                   State.TAX_YEAR, State.COPIES, State.CONFIRM, State.ORDERING, State.PAYMENT, State.ISSUING,
                   State.PRINTING, State.REFUNDING]


@pytest.mark.parametrize("state", RESIDENT_STATES, ids=lambda s: s.name)
def test_language_switch_stays_on_the_screen(state: State) -> None:
    k = drive(state)
    before = k.flow.view
    assert before.language == "ja"
    effects = k.send(evt.ChooseLanguage("en"))
    after = k.flow.view
    assert k.state is state and after.language == "en"
    assert not any(isinstance(e, fx.WipeResident | fx.ReadCard | fx.CreateOrder) for e in effects)
    # Everything but the language (and the inactivity countdown, which a tap restarts) is unchanged.
    assert after.choices == before.choices and after.fee == before.fee and after.copies == before.copies


def test_the_watchdog_keeps_running_across_a_language_switch() -> None:
    k = drive(State.READING)
    k.wait(TIMEOUTS.card_read - 5)
    k.send(evt.ChooseLanguage("en"))
    k.wait(6)  # card_read seconds after entering READING, not after the tap
    assert k.state is State.ERROR and k.flow.view.language == "en"


def test_a_switch_restarts_the_inactivity_timer_like_any_tap() -> None:
    k = drive(State.CERTIFICATE)
    k.wait(TIMEOUTS.idle_warn - 1)
    k.send(evt.ChooseLanguage("en"))
    k.wait(2)
    assert k.state is State.CERTIFICATE and not k.flow.view.warning


def test_the_choice_lasts_until_the_transaction_ends() -> None:
    k = drive(State.MUNICIPALITY)
    k.send(evt.ChooseLanguage("en"), evt.MunicipalityChosen("139991", "residence"))
    assert (k.state, k.flow.view.language) == (State.CERTIFICATE, "en")
    k.send(evt.Cancel())
    assert k.state is State.TAKE_CARD and k.flow.view.language == "en"  # still this resident's
    k.send(evt.CardRemoved())
    k.wait(TIMEOUTS.thank_you + TIMEOUTS.take_documents + 1)
    assert k.state is State.ATTRACT and k.flow.view.language == "ja"


def test_a_language_not_offered_is_refused_and_changes_nothing() -> None:
    k = drive(State.PIN)
    with pytest.raises(InvalidChoiceError):
        k.send(evt.ChooseLanguage("xx"))
    assert (k.state, k.flow.view.language) == (State.PIN, "ja")


def test_no_effect_outside_a_transaction() -> None:
    from fixtures.kiosk_flow import Kiosk

    k = Kiosk()
    k.send(evt.ServiceRequested())  # the staff screens stay in Japanese
    assert k.send(evt.ChooseLanguage("en")) == [] and k.state is State.SERVICE_LOGIN
    assert k.flow.view.language == "ja"
    # Issue 18: on the attract screen a language button starts the transaction in that language.
    k2 = Kiosk()
    k2.send(evt.ChooseLanguage("en"))
    assert (k2.state, k2.flow.view.language) == (State.NOTICE, "en")


def test_six_languages() -> None:
    from fixtures.kiosk_flow import Kiosk

    k = Kiosk(settings=FlowSettings(languages=("ja", "en", "zh", "ko", "pt", "vi"), timeouts=TIMEOUTS))
    k.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next())
    for code in ("vi", "pt", "ko", "zh", "en", "ja"):
        k.send(evt.ChooseLanguage(code))
        assert k.flow.view.language == code and k.state is State.PLACE_CARD


# --- the confirm screen's summary and the items' own reasons (UI engineer's follow-ups) ------------------


def test_confirm_view_repeats_whose_members_and_items() -> None:
    from fixtures.kiosk_flow import Kiosk

    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
           evt.WhoseChosen("members"), evt.MembersChosen(frozenset({"m2"})),
           evt.OptionsChosen(frozenset({"honseki"})), evt.CopiesChosen(1))
    v = k.flow.view
    assert v.state is State.CONFIRM
    assert (v.whose, v.members, v.items) == ("whose.juminhyo.members", ("見本　花子",), ("item.honseki",))


def test_confirm_view_without_choices_has_no_whose_or_items() -> None:
    from fixtures.kiosk_flow import Kiosk

    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("kazei"),
           evt.TaxYearChosen(2025), evt.CopiesChosen(1))
    v = k.flow.view
    assert v.state is State.CONFIRM and v.tax_year == 2025
    assert (v.whose, v.members, v.items) == (None, (), None)


def test_items_none_chosen_is_an_empty_tuple_not_none() -> None:
    from fixtures.kiosk_flow import Kiosk

    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
           evt.WhoseChosen("self"), evt.OptionsChosen(frozenset()), evt.CopiesChosen(1))
    assert k.flow.view.items == () and k.flow.view.whose == "whose.juminhyo.self"


@pytest.mark.parametrize("item", ["householder_relationship", "honseki", "my_number"])
def test_each_greyed_out_item_has_its_own_reason(item: str) -> None:
    from kiosk.flow import parse_municipalities
    from kiosk.flow.messages import MESSAGES

    hint = {"scope": ["self"], "householder_relationship": True, "honseki": True, "my_number": True}
    hint[item] = False
    (muni,) = parse_municipalities([{"code": "139991", "name": "東京都見本市", "relation": "residence",
                                     "services": [{"certificate": "juminhyo", "available": True, "fee": 200,
                                                   "options": hint}]}])
    options = {o.key: o for o in muni.services[0].options}
    assert not options[item].available and options[item].reason == f"{item}_not_offered"
    from kiosk.flow.codes import reason_key

    key = reason_key(options[item].reason)
    assert key == f"reason.{item}_not_offered" and key in MESSAGES
    ja, en = MESSAGES[key]
    assert "コンビニ交付" in ja and "stores" in en
    assert all(o.available for k, o in options.items() if k != item)
