"""Cross-cutting rules of the flow: messages complete, no personal data in reprs, money never lost."""

from __future__ import annotations

import re
import string
from pathlib import Path

from fixtures.kiosk_flow import CERT, TRANSACTION_STATES, Kiosk, drive, municipalities
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from kiosk.flow import Context, FlowUsageError, State
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.codes import CENTER_ERRORS, DEVICE_FAULTS, OUT_OF_SERVICE_KEYS, REASONS
from kiosk.flow.context import RESIDENT_FIELDS
from kiosk.flow.machine import TABLE
from kiosk.flow.messages import MESSAGES, text
from kiosk.flow.services import CERTIFICATES, WHOSE_CHOICES

FLOW_DIR = Path(__file__).resolve().parents[3] / "kiosk" / "flow"
PLACEHOLDERS = {"tries", "fee", "refund", "year", "reiwa", "pages", "done", "max", "inserted", "change",
                "paid", "due", "money", "owed", "ref", "time", "minutes", "page", "left"}
# The receipt's wording (receipt.*) is filled by kiosk.adapters.receipt_text, not by the View.
RECEIPT_PLACEHOLDERS = {"certificate", "copies", "yen"}
KEY_LITERAL = re.compile(r'"((?:error|reason|oos|pin|confirm|printing|service|screen|label|idle)\.[a-z_.]+)"')


def _placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def test_every_key_the_flow_can_show_has_japanese_and_english() -> None:
    used = set(CENTER_ERRORS.values()) | set(DEVICE_FAULTS.values()) | set(REASONS.values())
    used |= set(OUT_OF_SERVICE_KEYS.values()) | {"reason.other", "error.other"}
    for path in FLOW_DIR.glob("*.py"):
        if path.name != "messages.py":
            used |= set(KEY_LITERAL.findall(path.read_text(encoding="utf-8")))
    used |= {f"screen.{s.value}" for s in State}
    used |= {f"certificate.{c}" for c in CERTIFICATES}
    used |= {f"whose.{fam}.{w}" for fam in ("juminhyo", "koseki") for w in WHOSE_CHOICES}
    used |= {"relation.residence", "relation.honseki", "language.ja", "language.en"}
    missing = sorted(k for k in used if k not in MESSAGES)
    assert missing == []
    for key, (ja, en) in MESSAGES.items():
        assert ja.strip() and en.strip(), key
        # The UI fills placeholders from the View; only these names exist (messages.py docstring).
        allowed = PLACEHOLDERS | (RECEIPT_PLACEHOLDERS if key.startswith("receipt.") else set())
        assert _placeholders(ja) | _placeholders(en) <= allowed, key
        assert _placeholders(ja) <= _placeholders(en), key


def test_japanese_texts_are_japanese_and_use_full_width_punctuation() -> None:
    for key, (ja, _) in MESSAGES.items():
        if key.startswith("language."):
            continue
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja), key
        assert "," not in ja and "!" not in ja and "?" not in ja, key


def test_text_formats_and_falls_back_to_english() -> None:
    assert text("screen.pin.tries", "ja", tries=2) == "あと2回間違えるとロックされます"
    assert text("label.tax_year", "pt", year=2026, reiwa=8) == "Fiscal year 2026 (Reiwa 8)"


def test_no_personal_data_in_reprs() -> None:
    secrets = ("1234", "見本　太郎", "見本　花子", "sess-1", "synthetic-der")
    objects: list[object] = [
        evt.PinDigit("1"), evt.PinSubmitted("1234"), fx.VerifyPin("1234"), evt.CardRead(CERT, 3),
        fx.Authenticate(CERT), evt.Authenticated("sess-1", municipalities()),
        evt.Issued(({"content": {"name": "見本　太郎"}, "seal": "x"},)),
        fx.Print("o", ({"content": {"name": "見本　太郎"}, "seal": "x"},)),
        fx.CreateOrder("sess-1", "139991", "juminhyo", {"members": ["見本　太郎"]}, 1),
    ]
    k = Kiosk()
    k.to_municipality()
    k.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
           evt.WhoseChosen("members"))
    objects += [k.flow.context, k.flow.context.service, k.flow.view]
    for obj in objects:
        r = repr(obj)
        for s in secrets:
            assert s not in r, (type(obj).__name__, s)


def test_every_state_has_a_way_out() -> None:
    for state in State:
        assert state in TABLE, state


# --- property: random event storms -----------------------------------------------------------------

EVENTS = [
    evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.Back(), evt.Cancel(), evt.StillHere(),
    evt.CardInserted(), evt.CardRemoved(), evt.CardRead(CERT, 3), evt.CardRead(CERT, 0),
    evt.PinSubmitted("1234"), evt.PinResult(True, 3), evt.PinResult(False, 1), evt.PinResult(False, 0),
    evt.Authenticated("sess-1", municipalities()),
    evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
    evt.CertificateChosen("inkan"), evt.WhoseChosen("household"), evt.OptionsChosen(frozenset()),
    evt.CopiesChosen(1), evt.Confirm(), evt.OrderCreated("ord-p", 200), evt.MoneyInserted(100),
    evt.PaymentComplete(200, 0), evt.PaymentFault("payment_jam", 100),
    evt.Issued(({"content": {}, "seal": "s"},)),
    evt.PrintProgress(1, 1), evt.Printed(1), evt.PrinterFault("printer_paper_end", 0),
    evt.PrinterFault("print_aborted", 0), evt.Refunded(200), evt.CenterError("center_unreachable", "x"),
    evt.CenterError("not_available", "x"), evt.DeviceFault("card", "card_unreadable"), evt.DocumentsTaken(),
    evt.DevicesReady(), evt.ServiceRequested(), evt.StaffPinSubmitted(True), evt.ServiceExit(True),
    evt.Timeout("warn"), evt.Timeout("idle"), evt.Timeout("watchdog"), evt.Timeout("message"),
]


# Events that move a transaction on, drawn more often so that random runs reach the end.
PROGRESS = [evt.Next(), evt.CardRemoved(), evt.Refunded(200), evt.Printed(1), evt.DocumentsTaken(),
            evt.PaymentComplete(200, 0), evt.Issued(({"content": {}, "seal": "s"},)),
            evt.CenterError("not_available", "issue"), evt.PrinterFault("printer_paper_end", 0)]


def _money_is_settled(k: Kiosk) -> bool:
    """Every paid order was printed and completed, or refunded in full."""
    paid = {e.order_id: e.amount for e in k.of(fx.JournalOrder) if e.step == "paid"}
    printed = {e.order_id for e in k.of(fx.CompleteOrder) if e.result == "printed"}
    refunds = [e.amount for e in k.of(fx.Refund)]
    return all(oid in printed or amount in refunds for oid, amount in paid.items())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=hs.sampled_from(TRANSACTION_STATES),
       events=hs.lists(hs.one_of(hs.sampled_from(PROGRESS), hs.sampled_from(EVENTS), hs.integers(1, 300)),
                       max_size=60))
def test_random_event_sequences_never_lose_money_or_keep_resident_data(
    start: State, events: list[evt.Event | int]
) -> None:
    """From any step of a transaction, events in any order mixed with clock jumps of 1-300 s (ticks
    fire the real timers): money is never left unsettled, and back at idle nothing of the resident
    remains."""
    k = drive(start)
    for ev in events:
        try:
            k.wait(ev) if isinstance(ev, int) else k.send(ev)
        except FlowUsageError:
            continue
        if k.state not in (State.ISSUING, State.PRINTING):
            # Outside issuing and printing, a paid order is printed or its refund is under way.
            assert _money_is_settled(k), k.state
        if k.state in (State.ATTRACT, State.OUT_OF_SERVICE, State.THANK_YOU):
            fresh = Context()
            for name in RESIDENT_FIELDS:
                assert getattr(k.flow.context, name) == getattr(fresh, name), name
        if k.state in (State.ISSUING, State.PRINTING, State.REFUNDING):
            assert not k.flow.view.can_cancel


def test_docs_name_every_state_event_effect_and_message_key() -> None:
    doc = (FLOW_DIR.parents[1] / "docs" / "kiosk-flow.md").read_text(encoding="utf-8")
    names = [s.name for s in State]
    classes = {n: getattr(evt, n) for n in evt.__all__ if n != "Event"}
    names += [n for n, c in classes.items() if isinstance(c, type) and issubclass(c, evt.Event)]
    names += [n for n in fx.__all__ if n != "Effect"]
    names += [f"`{k}`" for k in MESSAGES]
    missing = [n for n in names if n not in doc]
    assert missing == []


def test_docs_message_table_matches_the_source() -> None:
    doc = (FLOW_DIR.parents[1] / "docs" / "kiosk-flow.md").read_text(encoding="utf-8")
    for key, (ja, en) in MESSAGES.items():
        assert f"| `{key}` | {ja} | {en} |" in doc, key


def test_the_catalog_template_is_babels_and_holds_every_key() -> None:
    # The catalogs are written by Babel (scripts/i18n.py); the flow keeps no PO writer of its own.
    from scripts.i18n import template

    catalog = template()
    # A plural message's id is (msgid, msgid_plural).
    assert {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id} >= set(MESSAGES)
    assert not hasattr(__import__("kiosk.flow.messages", fromlist=["x"]), "po_catalog")

