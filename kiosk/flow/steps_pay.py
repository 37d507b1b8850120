"""Transitions from pricing to the end: ordering → payment → issuing → printing → take card →
take documents → thank you; and the failure path after payment: void + refund (docs/architecture.md steps
6-8).

Money rules (issue 5): the resident can cancel until the fee is reached (the device returns what was
inserted); once paid, any failure voids the order at the center (``complete`` with ``failed`` and the
pages printed) and refunds the whole amount paid.  Every step that matters for money is journaled
before the next request leaves (``JournalOrder`` comes first in the effect list), so a power cut at
any point can be resolved by ``kiosk.journal`` on restart.
"""

from __future__ import annotations

import math
from dataclasses import replace

from kiosk.flow._common import Env, Handler, after_card, end, error, finish, go, stay, to_thank_you
from kiosk.flow.codes import error_key, out_of_service_key
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import (
    AbortPrint,
    CancelPayment,
    CompleteOrder,
    Issue,
    JournalOrder,
    PlaySound,
    Print,
    PrintReceipt,
    RecordEvent,
    Refund,
    StartPayment,
    StopSound,
)
from kiosk.flow.events import (
    Cancel,
    CardRemoved,
    CenterError,
    DeviceFault,
    DocumentsTaken,
    Issued,
    MoneyInserted,
    Next,
    OrderCreated,
    PaymentComplete,
    PaymentFault,
    Printed,
    PrinterFault,
    PrintProgress,
    Refunded,
    ServiceRequested,
    Timeout,
    Touch,
)
from kiosk.flow.faults import Fault
from kiosk.flow.messages import MESSAGES
from kiosk.flow.reference import short_reference
from kiosk.flow.states import State
from kiosk.flow.steps_select import abandon

__all__ = ["PAY_TABLE", "idempotency_key"]


def idempotency_key(order_id: str) -> str:
    """One key per order: a retried (or recovered) issue is the same request to the center."""
    return f"{order_id}:issue"


# --- ordering ---------------------------------------------------------------------------------------


def _order_created(env: Env, ctx: Context, ev: OrderCreated) -> Outcome:
    ctx = replace(ctx, order_id=ev.order_id, fee_total=ev.fee_total)
    journal = JournalOrder(ev.order_id, "created", amount=ev.fee_total)
    shown = (ctx.fee_per_copy or 0) * ctx.copies
    if ev.fee_total != shown:
        # The center prices the order; the resident must see (and accept) the fee they will pay.
        return go(env, ctx, State.CONFIRM, journal, message_key="confirm.fee_changed")
    return go(env, ctx, State.PAYMENT, journal, StartPayment(ev.fee_total), inserted=0)


def _center_refused(env: Env, ctx: Context, ev: CenterError) -> Outcome:
    return error(env, ctx, ev.code, *abandon(ctx), reason=ev.reason)


def _cancel(env: Env, ctx: Context, ev: Cancel) -> Outcome:
    return end(env, ctx, "cancelled", *abandon(ctx))


def _card_removed_unpaid(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    return error(env, replace(ctx, card_present=False), "card_removed", *abandon(ctx))


def _ordering_timeout(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    if ev.kind != "watchdog":
        return stay(env, ctx)
    return error(env, ctx, "center_unreachable")


# --- payment ----------------------------------------------------------------------------------------


def _money(env: Env, ctx: Context, ev: MoneyInserted) -> Outcome:
    if ev.yen <= 0:
        return stay(env, ctx)
    inserted = ctx.inserted + ev.yen
    assert ctx.order_id is not None
    return stay(env, ctx, JournalOrder(ctx.order_id, "paying", amount=inserted), inserted=inserted)


def _paid(env: Env, ctx: Context, ev: PaymentComplete) -> Outcome:
    assert ctx.order_id is not None and ctx.fee_total is not None
    payment = {"method": "cash", "amount": ctx.fee_total, "received": ev.paid, "change": ev.change}
    return go(env, ctx, State.ISSUING,
              JournalOrder(ctx.order_id, "paid", amount=ev.paid - ev.change),
              Issue(ctx.order_id, idempotency_key(ctx.order_id), payment),
              paid=ev.paid - ev.change, inserted=ev.paid, change=ev.change)


def _payment_stopped(code: str | None) -> Handler:
    """Cancel, card removal or inactivity while paying: stop the acceptor and return the money."""

    def handler(env: Env, ctx: Context, ev: object) -> Outcome:
        if isinstance(ev, Timeout) and ev.kind != "idle":
            return stay(env, ctx)
        if isinstance(ev, CardRemoved):
            ctx = replace(ctx, card_present=False)
        effects = (CancelPayment(), *abandon(ctx))
        ctx = replace(ctx, refund=ctx.inserted)
        if code is None:
            return end(env, ctx, "cancelled", *effects)
        return error(env, ctx, code, *effects)

    return handler


def _payment_fault(env: Env, ctx: Context, ev: PaymentFault) -> Outcome:
    ctx = replace(ctx, pending_oos=out_of_service_key(ev.code) or "oos.payment")
    if ev.held > 0:
        # Journaled as "refunded" once the device gave the money back; until then the order stays
        # open ("paying"), so a refund that never happens is found on restart.
        return go(env, ctx, State.REFUNDING, Refund(ev.held),
                  message_key=error_key(ev.code), ending="failed")
    return error(env, ctx, ev.code, *abandon(ctx))


# --- after payment ----------------------------------------------------------------------------------


def fail_after_payment(
    env: Env, ctx: Context, code: str, pages: int = 0, reason: str | None = None
) -> Outcome:
    """Void the order at the center and refund everything paid (issue 5: "after payment a failure
    voids and refunds").  The journal entry comes first, so a power cut cannot lose the refund."""
    order_id = ctx.order_id
    assert order_id is not None
    oos = out_of_service_key(code) or ctx.pending_oos
    return go(env, ctx, State.REFUNDING,
              JournalOrder(order_id, "failed", pages=pages),
              CompleteOrder(order_id, "failed", pages),
              Refund(ctx.paid),  # the change went back at payment time
              message_key=error_key(code, reason), pending_oos=oos, ending="failed", pages_done=pages)


def _issued(env: Env, ctx: Context, ev: Issued) -> Outcome:
    assert ctx.order_id is not None
    # The documents go straight to the printer effect and are never kept in the context.
    return go(env, ctx, State.PRINTING, JournalOrder(ctx.order_id, "issued"),
              Print(ctx.order_id, ev.documents), pages_done=0, pages_total=0)


def _issue_refused(env: Env, ctx: Context, ev: CenterError) -> Outcome:
    return fail_after_payment(env, ctx, ev.code, reason=ev.reason)


def _removed_while_issuing(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    # The issue request is already on its way; the runner runs effects in order, so the void below
    # reaches the center after the issue answer and the documents are dropped unprinted.
    return fail_after_payment(env, replace(ctx, card_present=False), "card_removed_paid")


def _issuing_timeout(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    if ev.kind != "watchdog":
        return stay(env, ctx)
    return fail_after_payment(env, ctx, "center_unreachable")


def _progress(env: Env, ctx: Context, ev: PrintProgress) -> Outcome:
    # entered_at restarts the watchdog: a healthy printer makes progress page by page.
    rate = ev.seconds_per_page
    known = rate is not None and math.isfinite(rate) and rate > 0  # a nonsense rate promises nothing
    return stay(env, ctx, pages_done=ev.page, pages_total=ev.pages, entered_at=env.now,
                seconds_per_page=rate if known else None, page_at=env.now)


def _receipt(ctx: Context, refunded: int = 0, refund_owed: int = 0, reference: str = "",
             at: float | None = None) -> PrintReceipt:
    """The ご利用明細書 of this order: printed for every transaction that took money, with its 返金
    line when the money went back (no personal data: ids, certificate, copies and money only)."""
    assert ctx.order_id is not None and ctx.fee_total is not None and ctx.service is not None
    cert = ctx.service.certificate
    name = MESSAGES[f"certificate.{cert}"][0] if f"certificate.{cert}" in MESSAGES else cert
    town = ctx.municipality.name if ctx.municipality is not None else ""
    return PrintReceipt(ctx.order_id, cert, ctx.copies, ctx.fee_total, ctx.inserted, ctx.change,
                        refunded=refunded, certificate_name=name, municipality=town,
                        refund_owed=refund_owed, reference=reference, at=at, language=ctx.language)


def _printed(env: Env, ctx: Context, ev: Printed) -> Outcome:
    order_id = ctx.order_id
    assert order_id is not None
    receipt = _receipt(ctx)
    ctx = replace(ctx, pages_done=ev.pages, pages_total=ev.pages)
    return end(env, ctx, "success", JournalOrder(order_id, "printed", pages=ev.pages),
               CompleteOrder(order_id, "printed", ev.pages), receipt)


def _print_fault(env: Env, ctx: Context, ev: PrinterFault) -> Outcome:
    fault = Fault.PRINT_ABORTED if ctx.abort_cause else ev.code
    return fail_after_payment(env, ctx, fault, ev.pages_done)


def _printer_device_fault(env: Env, ctx: Context, ev: DeviceFault) -> Outcome:
    if ev.device != "printer":
        return stay(env, ctx, pending_oos=out_of_service_key(ev.code) or ctx.pending_oos)
    return fail_after_payment(env, ctx, ev.code, ctx.pages_done)


def _removed_while_printing(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    # docs/architecture.md: card removal cancels, and a print job never outlives its transaction.  The printer
    # stops between bands and answers PrinterFault("print_aborted", pages_done).
    return stay(env, ctx, AbortPrint(), card_present=False, abort_cause="card_removed",
                message_key="printing.aborting")


def _printing_timeout(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    if ev.kind != "watchdog":
        return stay(env, ctx)
    out = fail_after_payment(env, ctx, "printer_timeout", ctx.pages_done)
    return replace(out, effects=(AbortPrint(), *out.effects))


def _refunded(env: Env, ctx: Context, ev: Refunded) -> Outcome:
    key, order_id = ctx.message_key, ctx.order_id
    assert order_id is not None
    # The resident paid: the receipt with its 返金 line is their record that the money came back.
    receipt = (_receipt(ctx, refunded=ev.yen),) if ctx.paid and ctx.fee_total is not None \
        and ctx.service is not None else ()
    return go(env, replace(ctx, refund=ev.yen), State.ERROR,
              JournalOrder(order_id, "refunded", amount=ev.yen), *receipt, message_key=key)


def _refund_failed(env: Env, ctx: Context, ev: object) -> Outcome:
    """The cash device could not pay back: the resident must not be left with a vanishing screen.

    The screen stays until staff clear it in the service menu (``staff_needed``), shows the amount, the
    short reference and the time, and the receipt printer prints a slip with the same; the journal
    records the amount as owed so that its counters and the center (already told ``failed``) agree.
    """
    if isinstance(ev, Timeout) and ev.kind != "watchdog":
        return stay(env, ctx)
    held = ev.held if isinstance(ev, PaymentFault) else 0
    owed = held or ctx.paid or ctx.inserted
    order_id = ctx.order_id
    assert order_id is not None
    ref = short_reference(order_id)
    slip = (_receipt(ctx, refund_owed=owed, reference=ref, at=env.wall),) \
        if ctx.fee_total is not None and ctx.service is not None else ()
    return error(env, replace(ctx, refund=0), "refund_failed",
                 JournalOrder(order_id, "owed", amount=owed), *slip, PlaySound("error"),
                 staff_needed=True, refund_owed=owed, failed_wall=env.wall)


# --- the end ----------------------------------------------------------------------------------------


def _card_taken(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    return after_card(env, replace(ctx, card_present=False, card_left=False), StopSound())


def _card_left(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    """The card stayed on the reader: a written prompt and a chime for staff, who may open the service
    menu on this screen; the event is recorded by name only."""
    if ev.kind != "message" or ctx.card_left:
        return stay(env, ctx)
    return stay(env, ctx, RecordEvent("card_left"), PlaySound("warning"), card_left=True)


def _staff_at_card(env: Env, ctx: Context, ev: ServiceRequested) -> Outcome:
    if not ctx.card_left:
        return stay(env, ctx)
    return go(env, ctx, State.SERVICE_LOGIN, back_to=State.TAKE_CARD, back_key=ctx.message_key)


def _documents_taken(env: Env, ctx: Context, ev: object) -> Outcome:
    if isinstance(ev, Timeout) and ev.kind != "message":
        return stay(env, ctx)
    if ctx.ending != "success":
        # Only money to take back: no thank-you for a failure, straight back to the idle screen.
        return finish(env, ctx)
    return to_thank_you(env, ctx)


def _thanked(env: Env, ctx: Context, ev: object) -> Outcome:
    if isinstance(ev, Timeout) and ev.kind != "message":
        return stay(env, ctx)
    return finish(env, ctx)


PAY_TABLE: dict[State, dict[type, Handler]] = {
    State.ORDERING: {OrderCreated: _order_created, CenterError: _center_refused, Cancel: _cancel,
                     CardRemoved: _card_removed_unpaid, Timeout: _ordering_timeout},
    State.PAYMENT: {MoneyInserted: _money, PaymentComplete: _paid, PaymentFault: _payment_fault,
                    Cancel: _payment_stopped(None), CardRemoved: _payment_stopped("card_removed"),
                    Timeout: _payment_stopped("timeout")},
    State.ISSUING: {Issued: _issued, CenterError: _issue_refused, CardRemoved: _removed_while_issuing,
                    Timeout: _issuing_timeout},
    State.PRINTING: {PrintProgress: _progress, Printed: _printed, PrinterFault: _print_fault,
                     DeviceFault: _printer_device_fault, CardRemoved: _removed_while_printing,
                     Timeout: _printing_timeout},
    State.REFUNDING: {Refunded: _refunded, PaymentFault: _refund_failed, Timeout: _refund_failed},
    State.TAKE_CARD: {CardRemoved: _card_taken, Timeout: _card_left, ServiceRequested: _staff_at_card},
    State.TAKE_DOCUMENTS: {Next: _documents_taken, Touch: _documents_taken, DocumentsTaken: _documents_taken,
                           Timeout: _documents_taken},
    State.THANK_YOU: {Touch: _thanked, Next: _thanked, Timeout: _thanked},
}
