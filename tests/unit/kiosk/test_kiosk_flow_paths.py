"""Happy paths through the transaction flow, one per certificate type, and the selection screens."""

from __future__ import annotations

import pytest
from fixtures.kiosk_flow import CERT, PIN, Kiosk

from kiosk.flow import Context, InvalidChoiceError, State
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.context import RESIDENT_FIELDS


def _finish_after_print(k: Kiosk, pages: int) -> None:
    k.send(evt.PrintProgress(1, pages), evt.Printed(pages))
    assert k.state is State.TAKE_CARD
    assert k.flow.view.sound == "take_card"
    k.send(evt.CardRemoved())
    assert k.state is State.TAKE_DOCUMENTS
    k.send(evt.DocumentsTaken())
    assert k.state is State.THANK_YOU
    k.wait(5)
    assert k.state is State.ATTRACT


@pytest.mark.parametrize(
    ("municipality", "certificate", "steps", "fee", "expected_options"),
    [
        (("139991", "residence"), "juminhyo",
         [evt.WhoseChosen("household"), evt.OptionsChosen(frozenset({"householder_relationship"}))], 200,
         {"scope": "household", "householder_relationship": True, "honseki": False, "my_number": False}),
        (("139991", "residence"), "juminhyo",
         [evt.WhoseChosen("members"), evt.MembersChosen(("m2",)), evt.OptionsChosen(frozenset({"honseki"}))],
         200, {"scope": "members", "members": ["m2"], "householder_relationship": False, "honseki": True,
               "my_number": False}),
        (("139991", "residence"), "kisaijiko", [evt.WhoseChosen("self"), evt.OptionsChosen(frozenset())], 200,
         {"scope": "self", "householder_relationship": False, "honseki": False, "my_number": False}),
        (("139991", "residence"), "inkan", [], 200, {}),
        (("139991", "residence"), "kazei", [evt.TaxYearChosen(2025)], 300, {"year": 2025}),
        (("279998", "honseki"), "koseki", [evt.WhoseChosen("household")], 350, {"kind": "zenbu"}),
        (("279998", "honseki"), "koseki", [evt.WhoseChosen("self")], 350, {"kind": "kojin"}),
        (("279998", "honseki"), "fuhyo",
         [evt.WhoseChosen("household"), evt.OptionsChosen(frozenset({"honseki"}))], 200,
         {"scope": "all", "honseki": True}),
    ],
)
def test_happy_path_for_each_certificate(
    municipality: tuple[str, str], certificate: str, steps: list[evt.Event], fee: int,
    expected_options: dict[str, object],
) -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen(*municipality), evt.CertificateChosen(certificate), *steps,
           evt.CopiesChosen(2))
    assert k.state is State.CONFIRM
    view = k.flow.view
    assert (view.fee, view.fee_per_copy, view.copies, view.certificate) == (2 * fee, fee, 2, certificate)
    k.send(evt.Confirm())
    order = k.of(fx.CreateOrder)[-1]
    assert (order.municipality, order.certificate, order.copies) == (municipality[0], certificate, 2)
    assert order.options == expected_options
    k.send(evt.OrderCreated("ord-9", 2 * fee))
    assert k.state is State.PAYMENT and k.of(fx.StartPayment)[-1] == fx.StartPayment(2 * fee)
    k.send(evt.MoneyInserted(1000))
    assert k.flow.view.inserted == 1000
    k.send(evt.PaymentComplete(1000, 1000 - 2 * fee))
    assert k.state is State.ISSUING
    issue = k.of(fx.Issue)[-1]
    assert issue.order_id == "ord-9" and issue.idempotency_key == "ord-9:issue"
    k.send(evt.Issued(({"content": {}, "seal": "a"}, {"content": {}, "seal": "b"})))
    assert k.state is State.PRINTING and len(k.of(fx.Print)[-1].documents) == 2
    _finish_after_print(k, pages=2)
    assert fx.CompleteOrder("ord-9", "printed", 2) in k.effects
    receipt = k.of(fx.PrintReceipt)[-1]
    assert (receipt.fee, receipt.paid, receipt.change) == (2 * fee, 1000, 1000 - 2 * fee)
    # What printer.receipt prints: the issuing municipality's display name, the certificate as sold.
    town = {"139991": "東京都見本市", "279998": "大阪府試験町"}[municipality[0]]
    names = {"juminhyo": "住民票の写し", "kisaijiko": "住民票記載事項証明書", "inkan": "印鑑登録証明書",
             "kazei": "課税（所得）証明書", "koseki": "戸籍証明書", "fuhyo": "戸籍の附票の写し"}
    assert (receipt.municipality, receipt.certificate_name) == (town, names[certificate])
    steps_journaled = [j.step for j in k.of(fx.JournalOrder)]
    assert steps_journaled == ["created", "paying", "paid", "issued", "printed"]
    assert k.of(fx.Refund) == []


def test_journal_entries_precede_the_requests_they_protect() -> None:
    k = Kiosk()
    k.to_payment()
    out = k.send(evt.MoneyInserted(500), evt.PaymentComplete(500, 300))
    kinds = [type(e) for e in out]
    assert kinds.index(fx.JournalOrder) < kinds.index(fx.Issue)
    out = k.send(evt.Issued(({"content": {}, "seal": "x"},)), evt.Printed(1))
    names = [type(e).__name__ for e in out]
    assert names.index("JournalOrder") < names.index("Print")
    printed = next(i for i, e in enumerate(out) if isinstance(e, fx.JournalOrder) and e.step == "printed")
    assert printed < names.index("CompleteOrder")


def test_wipe_at_end_replaces_the_context_and_keeps_nothing_of_the_resident() -> None:
    k = Kiosk()
    k.to_printing()
    during = k.flow.context
    assert during.session_id == "sess-1" and during.order_id == "ord-1"
    k.send(evt.Printed(1), evt.CardRemoved(), evt.DocumentsTaken())
    assert k.state is State.THANK_YOU
    after = k.flow.context
    assert after is not during
    fresh = Context()
    for name in RESIDENT_FIELDS:
        assert getattr(after, name) == getattr(fresh, name), name
    assert fx.WipeResident() in k.effects
    # The generation moved on, so a late answer of the finished transaction is dropped.
    assert k.flow.submit(evt.Completed("ord-1"), generation=k.flow.generation - 1) == []


def test_pin_digits_erase_and_view_shows_only_the_count() -> None:
    k = Kiosk()
    k.to_pin()
    k.send(evt.PinDigit("1"), evt.PinDigit("2"), evt.PinDigit("9"))
    assert k.flow.view.pin_digits == 3
    k.send(evt.PinErase())
    assert k.flow.view.pin_digits == 2
    k.send(evt.PinDigit("3"), evt.PinDigit("4"), evt.PinDigit("5"))  # the fifth digit is ignored
    assert k.flow.view.pin_digits == 4
    out = k.send(evt.PinSubmitted())
    assert out == [fx.VerifyPin(PIN)]
    assert k.flow.context.pin == ""


def test_short_pin_is_not_sent_to_the_card() -> None:
    k = Kiosk()
    k.to_pin()
    assert k.send(evt.PinSubmitted("12")) == []
    assert k.state is State.PIN and k.flow.view.message_key == "pin.incomplete"


def test_wrong_pin_shows_tries_left_then_locks() -> None:
    k = Kiosk()
    k.to_pin()
    k.send(evt.PinSubmitted("0000"), evt.PinResult(False, 2))
    assert k.state is State.PIN
    assert (k.flow.view.tries_left, k.flow.view.message_key) == (2, "pin.wrong")
    k.send(evt.PinSubmitted("1111"), evt.PinResult(False, 1), evt.PinSubmitted("2222"),
           evt.PinResult(False, 0))
    assert k.state is State.PIN_LOCKED and k.flow.view.message_key == "error.pin_blocked"
    k.send(evt.Next())
    assert k.state is State.TAKE_CARD
    k.send(evt.CardRemoved())
    assert k.state is State.ATTRACT


def test_right_pin_after_a_wrong_one_authenticates_with_the_card_certificate() -> None:
    k = Kiosk()
    k.to_pin()
    k.send(evt.PinSubmitted("0000"), evt.PinResult(False, 2), evt.PinSubmitted(PIN))
    out = k.send(evt.PinResult(True, 3))
    assert out == [fx.Authenticate(CERT)]


def test_card_already_blocked_goes_straight_to_the_lock_screen() -> None:
    k = Kiosk()
    k.to_place_card()
    k.send(evt.CardInserted(), evt.CardRead(CERT, 0))
    assert k.state is State.PIN_LOCKED


def test_card_placed_on_the_attract_screen_is_read_after_the_notice() -> None:
    k = Kiosk()
    k.send(evt.CardInserted(), evt.Touch(), evt.ChooseLanguage("en"))
    out = k.send(evt.Next())
    assert k.state is State.READING and out == [fx.ReadCard()]
    assert k.flow.view.language == "en"


def test_single_language_kiosk_skips_the_language_screen() -> None:
    from kiosk.flow import FlowSettings

    k = Kiosk(settings=FlowSettings(languages=("ja",)))
    k.send(evt.Touch())
    assert k.state is State.NOTICE


def test_back_returns_to_the_screen_actually_visited() -> None:
    k = Kiosk()
    k.to_municipality()
    assert not k.flow.view.can_back  # no way back to the PIN
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("inkan"))
    assert k.state is State.COPIES  # inkan: self only, no items
    k.send(evt.Back())
    assert k.state is State.CERTIFICATE
    k.send(evt.CertificateChosen("juminhyo"), evt.WhoseChosen("members"), evt.MembersChosen(("m1", "m2")))
    assert k.state is State.ITEMS
    k.send(evt.Back())
    assert k.state is State.MEMBERS
    assert [c.selected for c in k.flow.view.choices] == [True, True]
    assert k.flow.view.multi_select
    k.send(evt.Back(), evt.Back(), evt.Back())
    assert k.state is State.MUNICIPALITY


def test_views_of_the_selection_screens() -> None:
    k = Kiosk()
    k.to_municipality()
    v = k.flow.view
    assert [(c.key, c.relation, c.label) for c in v.choices] == [("139991", "residence", "東京都見本市"),
                                                                 ("279998", "honseki", "大阪府試験町")]
    k.send(evt.MunicipalityChosen("139991", "residence"))
    v = k.flow.view
    fuhyo = next(c for c in v.choices if c.key == "fuhyo")
    assert (fuhyo.available, fuhyo.reason_key) == (False, "reason.support_measure")
    assert next(c for c in v.choices if c.key == "kazei").fee == 300
    k.send(evt.CertificateChosen("juminhyo"), evt.WhoseChosen("household"))
    v = k.flow.view
    my_number = next(c for c in v.choices if c.key == "my_number")
    assert (my_number.available, my_number.reason_key, my_number.label_key) == (
        False, "reason.my_number_not_offered", "item.my_number")


def test_tax_year_defaults_to_the_newest_and_lists_years_newest_first() -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("kazei"))
    assert k.state is State.TAX_YEAR
    v = k.flow.view
    assert [c.key for c in v.choices] == ["2026", "2025"] and v.tax_year == 2026


@pytest.mark.parametrize(
    "bad",
    [
        evt.MunicipalityChosen("000000", "residence"),
        evt.MunicipalityChosen("139991", "honseki"),  # right code, wrong relation
    ],
)
def test_invalid_municipality_raises_and_changes_nothing(bad: evt.Event) -> None:
    k = Kiosk()
    k.to_municipality()
    before = k.flow.context
    with pytest.raises(InvalidChoiceError):
        k.send(bad)
    assert k.state is State.MUNICIPALITY and k.flow.context is before


@pytest.mark.parametrize(
    ("setup", "bad"),
    [
        ([], evt.CertificateChosen("fuhyo")),  # unavailable (support measure)
        ([], evt.CertificateChosen("passport")),
        ([evt.CertificateChosen("juminhyo")], evt.WhoseChosen("nobody")),  # type: ignore[arg-type]
        ([evt.CertificateChosen("juminhyo"), evt.WhoseChosen("members")], evt.MembersChosen(())),
        ([evt.CertificateChosen("juminhyo"), evt.WhoseChosen("members")], evt.MembersChosen(("x9",))),
        ([evt.CertificateChosen("juminhyo"), evt.WhoseChosen("members")], evt.MembersChosen(("m1", "m1"))),
        ([evt.CertificateChosen("juminhyo"), evt.WhoseChosen("self")],
         evt.OptionsChosen(frozenset({"my_number"}))),
        ([evt.CertificateChosen("kazei")], evt.TaxYearChosen(2019)),
        ([evt.CertificateChosen("inkan")], evt.CopiesChosen(0)),
    ],
)
def test_invalid_choices_raise_and_change_nothing(setup: list[evt.Event], bad: evt.Event) -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), *setup)
    state, ctx = k.state, k.flow.context
    with pytest.raises(InvalidChoiceError):
        k.send(bad)
    assert k.state is state and k.flow.context is ctx


def test_copies_are_limited_by_the_kiosk_and_the_municipality() -> None:
    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
           evt.WhoseChosen("self"), evt.OptionsChosen(frozenset()))
    assert k.state is State.COPIES and k.flow.view.max_copies == 5  # the municipality's limit
    with pytest.raises(InvalidChoiceError):
        k.send(evt.CopiesChosen(6))
    k.send(evt.CopiesChosen(5))
    assert k.state is State.CONFIRM and k.flow.view.fee == 1000
    k.send(evt.Back(), evt.Back(), evt.Back(), evt.Back(), evt.CertificateChosen("inkan"))
    assert k.flow.view.max_copies == 10  # the kiosk's own limit
    with pytest.raises(InvalidChoiceError):
        k.send(evt.CopiesChosen(11))


def test_fee_changed_by_the_center_is_shown_again_before_payment() -> None:
    k = Kiosk()
    k.to_confirm()
    k.send(evt.Confirm(), evt.OrderCreated("ord-2", 250))
    assert k.state is State.CONFIRM
    v = k.flow.view
    assert (v.fee, v.message_key) == (250, "confirm.fee_changed")
    out = k.send(evt.Confirm())
    assert k.state is State.PAYMENT and out == [fx.StartPayment(250)]


def test_going_back_from_a_priced_order_abandons_it() -> None:
    k = Kiosk()
    k.to_confirm()
    k.send(evt.Confirm(), evt.OrderCreated("ord-3", 250))
    out = k.send(evt.Back())
    assert fx.JournalOrder("ord-3", "abandoned") in out
    assert k.flow.context.order_id is None
