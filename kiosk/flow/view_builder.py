"""Build the immutable ``View`` a screen renders from the state and the context."""

from __future__ import annotations

import datetime as dt
import math

from contracts.jst import JST
from kiosk.flow.closing import minutes_left
from kiosk.flow.codes import reason_key
from kiosk.flow.context import Context
from kiosk.flow.reference import short_reference
from kiosk.flow.settings import FlowSettings
from kiosk.flow.states import State
from kiosk.flow.steps_select import max_copies
from kiosk.flow.timers import seconds_left
from kiosk.flow.view import Choice, View

__all__ = ["build_view"]

# Until payment the resident may stop (issue 5); the screens before the card are cancelled by Back too.
CANCELLABLE = frozenset({
    State.LANGUAGE, State.NOTICE, State.PLACE_CARD, State.READING, State.PIN, State.AUTHENTICATING,
    State.MUNICIPALITY, State.CERTIFICATE, State.WHOSE, State.MEMBERS, State.ITEMS, State.TAX_YEAR,
    State.COPIES, State.CONFIRM, State.ORDERING, State.PAYMENT, State.SERVICE_LOGIN,
})
BACKABLE = frozenset({
    State.LANGUAGE, State.NOTICE, State.PLACE_CARD, State.CERTIFICATE, State.WHOSE, State.MEMBERS,
    State.ITEMS, State.TAX_YEAR, State.COPIES, State.CONFIRM, State.SERVICE_LOGIN,
})
# From placing the card until printing ends the card must stay (issue 18: residents pull it early).
KEEP_CARD = frozenset({
    State.PLACE_CARD, State.READING, State.PIN, State.AUTHENTICATING, State.MUNICIPALITY, State.CERTIFICATE,
    State.WHOSE, State.MEMBERS, State.ITEMS, State.TAX_YEAR, State.COPIES, State.ORDERING, State.CONFIRM,
    State.PAYMENT, State.ISSUING, State.PRINTING,
})
_NO_BANDS = frozenset({State.SERVICE_LOGIN, State.SERVICE_MENU, State.OUT_OF_SERVICE})
SOUNDS = {State.TAKE_CARD: "take_card", State.TAKE_DOCUMENTS: "take_documents"}


def _choices(state: State, ctx: Context, settings: FlowSettings) -> tuple[tuple[Choice, ...], bool]:
    """(choices, multi_select) of the selection screens."""
    if state in (State.LANGUAGE, State.ATTRACT):  # ATTRACT: a button per offered language starts in it
        return tuple(Choice(c, label_key=f"language.{c}", selected=c == ctx.language)
                     for c in settings.languages), False
    if state is State.MUNICIPALITY:
        return tuple(
            Choice(m.code, label_key=f"relation.{m.relation}", label=m.name, reading=m.reading,
                   available=m.available,
                   reason_key=None if m.available else (reason_key(m.reason) or "reason.nothing_available"),
                   relation=m.relation,
                   selected=ctx.municipality is not None and ctx.municipality == m)
            for m in ctx.municipalities
        ), False
    if state is State.CERTIFICATE and ctx.municipality is not None:
        return tuple(
            Choice(s.certificate, label_key=f"certificate.{s.certificate}", available=s.available,
                   reason_key=reason_key(s.reason) if not s.available else None, fee=s.fee,
                   selected=ctx.service is not None and ctx.service.certificate == s.certificate)
            for s in ctx.municipality.services
        ), False
    service = ctx.service
    if service is None:
        return (), False
    if state is State.WHOSE:
        family = _family(service.certificate)
        # Highlighted only once chosen (coming back to the screen), not before: 本人のみ is not a choice
        # the resident made.
        chosen = ctx.whose_chosen
        return tuple(Choice(w, label_key=f"whose.{family}.{w}", selected=chosen and w == ctx.whose,
                            available=w != "members" or bool(service.members))
                     for w in service.whose), False
    if state is State.MEMBERS:
        return tuple(Choice(m.id, label=m.name, reading=m.reading, selected=m.id in ctx.members)
                     for m in service.members), True
    if state is State.ITEMS:
        return tuple(Choice(o.key, label_key=f"item.{o.key}", available=o.available,
                            reason_key=reason_key(o.reason) if not o.available else None,
                            selected=o.key in ctx.items) for o in service.options), True
    if state is State.TAX_YEAR:
        return tuple(Choice(str(y), label_key="label.tax_year", selected=y == ctx.tax_year)
                     for y in service.tax_years), False
    return (), False


def _family(certificate: str) -> str:
    """Which wording of "whose" a certificate uses (住民票: 世帯; 戸籍・附票: 戸籍)."""
    return "koseki" if certificate in ("koseki", "fuhyo") else "juminhyo"


def _chosen(ctx: Context) -> tuple[str | None, tuple[str, ...], tuple[str, ...] | None]:
    """(whose label key, member names, item label keys) of the resident's choices so far."""
    service = ctx.service
    if service is None:
        return None, (), None
    whose = f"whose.{_family(service.certificate)}.{ctx.whose}" if len(service.whose) > 1 else None
    names = tuple(m.name for m in service.members if m.id in ctx.members) if ctx.whose == "members" else ()
    items = tuple(f"item.{o.key}" for o in service.options if o.key in ctx.items) if service.options else None
    return whose, names, items


def money_key(state: State, ctx: Context) -> str | None:
    """What the resident's money is doing, said on every screen after money moved.

    A failure after payment always says the amount returned, or, when the cash device could not pay it
    back, what to do; money inserted and then cancelled is "returned", not "refunded" (nothing was paid).
    """
    if state is State.REFUNDING:
        return "money.refunding" if ctx.paid else "money.returning"
    if state is State.PAYMENT and ctx.warning and ctx.inserted:
        return "money.idle_returns"  # the inactivity warning says the coins come back
    if state not in (State.ERROR, State.TAKE_DOCUMENTS, State.TAKE_CARD):
        return None
    if ctx.refund_owed:
        return "money.refund_owed"
    if ctx.paid and ctx.ending == "failed" and ctx.refund == 0:
        return "money.refund_failed"
    if ctx.refund and ctx.paid:
        return "money.refunded"
    if ctx.refund:
        return "money.returned"
    return None


def take_key(ctx: Context) -> str:
    """The take-documents title says what is in the tray: certificates, a refund, or inserted coins."""
    if ctx.ending == "success":
        return "screen.take_documents"
    if ctx.paid:
        return "take.refund"
    return "take.returned"


def pin_notes(state: State, ctx: Context) -> tuple[str, ...]:
    """The PIN screen's notes: the rule and the tries left from the first screen (not only after a
    miss); with one try left, the advice to stop and ask the municipality, and that a lock blocks every
    service using the user-authentication certificate, and where a locked PIN is reset."""
    if state is not State.PIN or ctx.tries_left is None:
        return ()
    notes: tuple[str, ...] = ("pin.rule", "screen.pin.tries")
    if ctx.tries_left <= 1:
        notes += ("pin.advice_stop", "pin.lock_shared", "screen.pin.reset")
    return notes


# An error screen's title names the problem (issue 18: not 「ご案内」 for everything).
ERROR_TITLES: dict[str, str] = {
    **dict.fromkeys(("error.card_removed", "error.card_removed_refunded"), "title.card_removed"),
    **dict.fromkeys(("error.card_unreadable", "error.card_unsupported", "error.certificate_invalid",
                     "error.certificate_expired", "error.certificate_revoked", "error.signature_invalid",
                     "error.resident_unknown"), "title.card"),
    **dict.fromkeys(("error.outside_hours", "error.closing_soon"), "title.hours"),
    **dict.fromkeys(("error.timeout", "error.session_expired", "error.try_again"), "title.timeout"),
    **dict.fromkeys(("error.printer_fault", "error.payment_fault", "error.reader_offline"), "title.fault"),
    **dict.fromkeys(("error.center_unreachable", "error.center_busy", "error.order_unknown", "error.other"),
                    "title.system"),
    "error.refund_failed": "screen.refund_failed",
    "error.not_available": "title.not_issued",
}


def title_key(state: State, ctx: Context) -> str | None:
    """ERROR: a title for the problem; PRINTING: no 「0/-枚」 before the page count is known, no
    "please wait" once printing is stopped."""
    if state is State.ERROR and ctx.message_key is not None:
        if ctx.message_key.startswith("reason."):
            return "title.not_issued"
        return ERROR_TITLES.get(ctx.message_key)
    if state is not State.PRINTING:
        return None
    if ctx.abort_cause is not None:
        return "screen.printing.stopped"
    return "screen.printing.start" if ctx.pages_total == 0 else "printing.page"


def print_left(state: State, ctx: Context, now: float) -> tuple[str | None, int | None]:
    """PRINTING: (message key, value) of the time left: the pages still to come at the printer's
    measured rate, counted down from the last page.  Up to a minute in steps of 10 seconds, then whole
    minutes, both rounded up; nothing when no rate is known, printing is being stopped, or the
    printer is slower than measured (the estimate ran out): then the screen shows pages only."""
    rate = ctx.seconds_per_page
    if state is not State.PRINTING or rate is None or ctx.abort_cause is not None or ctx.pages_total == 0:
        return None, None
    left = (ctx.pages_total - ctx.pages_done) * rate - max(0.0, now - ctx.page_at)
    if left <= 0:
        return None, None
    if left <= 60:
        return "printing.left_seconds", 10 * math.ceil(left / 10)
    return "printing.left_minutes", math.ceil(left / 60)


def bands(state: State, ctx: Context, closing: int | None) -> tuple[str, ...]:
    """The bands of this screen: closing countdown, keep the card on the reader."""
    if state in _NO_BANDS:
        return ()
    out: tuple[str, ...] = ("band.closing",) if closing is not None else ()
    if state in KEEP_CARD and ctx.abort_cause is None:
        out += ("band.keep_card",)
    if state is State.TAKE_CARD and ctx.card_left:
        out += ("band.card_left",)
    return out


def hhmm(epoch: float) -> str:
    """Epoch seconds → 「22:51」 in Japan time (the kiosk serves Japanese municipalities)."""
    t = dt.datetime.fromtimestamp(epoch, JST)
    return f"{t.hour:02d}:{t.minute:02d}"


def build_view(state: State, ctx: Context, settings: FlowSettings, now: float, wall: float = 0.0) -> View:
    """The view of ``state``; fee and copies come from the chosen service and the center's price."""
    choices, multi = _choices(state, ctx, settings)
    closing = minutes_left(wall, settings) if wall else None
    whose, members, items = _chosen(ctx)
    left_key, left = print_left(state, ctx, now)
    shown_fee = ctx.fee_total if ctx.fee_total is not None else (
        ctx.fee_per_copy * ctx.copies if ctx.fee_per_copy is not None else None)
    return View(
        state=state,
        language=ctx.language,
        title_key=title_key(state, ctx),
        message_key=take_key(ctx) if state is State.TAKE_DOCUMENTS else ctx.message_key,
        choices=choices,
        multi_select=multi,
        certificate=ctx.service.certificate if ctx.service is not None else None,
        municipality=ctx.municipality.name if ctx.municipality is not None else None,
        tries_left=ctx.tries_left,
        pin_notes=pin_notes(state, ctx),
        pin_digits=len(ctx.pin),
        pin_max=settings.pin_length,
        fee_per_copy=ctx.fee_per_copy,
        fee=shown_fee,
        copies=ctx.copies,
        max_copies=max_copies(ctx, settings.max_copies),
        tax_year=ctx.tax_year,
        whose=whose,
        members=members,
        items=items,
        inserted=ctx.inserted,
        due=max(0, (shown_fee or 0) - ctx.inserted) if state is State.PAYMENT else 0,
        accepted=settings.accepted_money if state is State.PAYMENT else (),
        paid=ctx.paid,
        change=ctx.change,
        refund=ctx.refund,
        money_key=money_key(state, ctx),
        pages_done=ctx.pages_done,
        pages_total=ctx.pages_total,
        page_now=min(ctx.pages_done + 1, ctx.pages_total),
        print_left_key=left_key,
        print_left=left,
        can_cancel=state in CANCELLABLE,
        can_back=state in BACKABLE and (state not in _HISTORY_BACK or bool(ctx.history)),
        warning=ctx.warning,
        seconds_left=seconds_left(state, ctx, settings.timeouts, now),
        sound=SOUNDS.get(state),
        bands=bands(state, ctx, closing),
        closing_minutes=closing,
        staff_call=(ctx.staff_needed and state is State.ERROR)
        or (ctx.card_left and state is State.TAKE_CARD),
        refund_owed=ctx.refund_owed,
        reference=short_reference(ctx.order_id) if ctx.refund_owed and ctx.order_id else None,
        failed_at=hhmm(ctx.failed_wall) if ctx.failed_wall is not None else None,
    )


_HISTORY_BACK = frozenset({State.CERTIFICATE, State.WHOSE, State.MEMBERS, State.ITEMS, State.TAX_YEAR,
                           State.COPIES, State.CONFIRM})
