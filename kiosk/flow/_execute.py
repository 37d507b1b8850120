"""How the runner's worker executes each effect: device/center call in, flow events out.

Typed errors become the events the flow knows (``kiosk.flow.codes``): card errors → ``DeviceFault``,
center errors → ``CenterError`` with the center's code and reason, printer errors → ``PrinterFault``
with the pages done, cash device errors → ``PaymentFault`` with the money held.  Errors are matched
by their ``code`` attribute (duck-typed), so the flow package does not import the adapters.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from kiosk.flow import effects as fx
from kiosk.flow import states as st
from kiosk.flow.auth import auth_digest
from printer.receipt import ReceiptData, ReceiptItem

if TYPE_CHECKING:
    from kiosk.flow.runner import Runner

__all__ = ["health", "run"]

log = logging.getLogger(__name__)


def _code(e: BaseException, default: str) -> str:
    code = getattr(e, "code", None)
    return code if isinstance(code, str) else default


def _is_unreachable(e: BaseException) -> bool:
    return _code(e, "") in ("center_unreachable", "center_bad_answer")


def _center(call: str, action: Callable[[], list[st.Event]]) -> list[st.Event]:
    try:
        return action()
    except Exception as e:  # CenterClientError family (duck-typed by code); others fall to the worker
        if not hasattr(e, "code"):
            raise
        return [st.CenterError(_code(e, "center_error"), call, getattr(e, "reason", None))]


def _card(runner: Runner, action: Callable[[Any], list[st.Event]]) -> list[st.Event]:
    with runner._card_lock:
        try:
            return action(runner.devices.card)
        except Exception as e:  # CardDeviceError family
            if not hasattr(e, "code"):
                raise
            return [st.DeviceFault("card", _code(e, "card_unreadable"))]


def _authenticate(runner: Runner, effect: fx.Authenticate) -> list[st.Event]:
    """challenge → the card signs the domain-separated digest → response (DESIGN.md step 4)."""
    try:
        challenge = runner.center.challenge()
    except Exception as e:  # CenterClientError family
        if not hasattr(e, "code"):
            raise
        return [st.CenterError(_code(e, "center_error"), "authenticate", getattr(e, "reason", None))]
    digest = auth_digest(challenge.challenge_id, runner.kiosk_id, challenge.nonce)
    with runner._card_lock:
        try:
            signature = runner.devices.card.sign_auth(digest)
        except Exception as e:  # CardDeviceError family
            if not hasattr(e, "code"):
                raise
            return [st.DeviceFault("card", _code(e, "card_unreadable"))]

    def respond() -> list[st.Event]:
        session = runner.center.authenticate(challenge.challenge_id, effect.certificate, signature)
        return [st.Authenticated(session.session_id, tuple(session.municipalities))]

    return _center("authenticate", respond)


def _pay(runner: Runner, effect: fx.StartPayment, post: Callable[[st.Event], None]) -> list[st.Event]:
    try:
        result = runner.devices.cash.collect(effect.amount, lambda yen: post(st.MoneyInserted(yen)),
                                             runner._cancel_payment.is_set)
    except Exception as e:  # PaymentDeviceError family
        if not hasattr(e, "code"):
            raise
        return [st.PaymentFault(_code(e, "payment_error"), int(getattr(e, "held", 0)))]
    if result is None:
        return []  # cancelled: the escrow went back; the flow has moved on already
    return [st.PaymentComplete(result.paid, result.change)]


def _print(runner: Runner, effect: fx.Print, post: Callable[[st.Event], None]) -> list[st.Event]:
    try:
        pages = runner.devices.printer.print_documents(
            effect.documents, lambda done, total: post(st.PrintProgress(done, total)),
            runner._abort_print.is_set)
    except Exception as e:  # PrinterDeviceError family
        if not hasattr(e, "code"):
            raise
        return [st.PrinterFault(_code(e, "printer_error"), int(getattr(e, "pages_done", 0)))]
    return [st.Printed(int(pages))]


def _refund(runner: Runner, effect: fx.Refund) -> list[st.Event]:
    try:
        paid_out = runner.devices.cash.refund(effect.amount)
    except Exception as e:
        if not hasattr(e, "code"):
            raise
        return [st.PaymentFault("refund_failed", int(getattr(e, "held", 0)))]
    return [st.Refunded(int(paid_out))]


def _complete(runner: Runner, effect: fx.CompleteOrder) -> list[st.Event]:
    try:
        runner.center.complete(effect.order_id, effect.result, effect.pages_printed)
    except Exception as e:
        if not hasattr(e, "code"):
            raise
        if _is_unreachable(e):
            # The journal keeps the order open; the recovery completes it when the center is back.
            return [st.CenterError(_code(e, "center_unreachable"), "complete")]
        # A refusal (order_completed, order_not_issued, ...) means the center already knows the
        # order's end state better than we do: nothing left to tell it.
        log.warning("complete refused by the center: %s", _code(e, "center_error"))
    runner._journal(effect.order_id, "completed")
    return [st.Completed(effect.order_id)]


def receipt_data(runner: Runner, effect: fx.PrintReceipt, now: dt.datetime) -> ReceiptData:
    """The ご利用明細書 of ``effect``: store, terminal (the kiosk id), time, municipality, certificate,
    money and order id.  No personal data: ``ReceiptData`` has no field for it.

    :raises printer.receipt.ReceiptError: a field the receipt cannot print (too long, not Shift-JIS).
    """
    copies = max(1, effect.copies)
    return ReceiptData(
        store_name=runner.store_name or "コンビニ交付", store_code=runner.store_code,
        terminal_id=runner.kiosk_id, issued_at=now, municipality=effect.municipality or "—",
        items=(ReceiptItem(effect.certificate_name or effect.certificate, copies, effect.fee // copies,
                           fee_total=None if effect.fee % copies == 0 else effect.fee),),
        transaction_number=effect.order_id, paid=effect.paid, change=effect.change,
        refunded=effect.refunded,
    )


def _receipt(runner: Runner, effect: fx.PrintReceipt) -> list[st.Event]:
    if runner.on_receipt is not None:
        try:
            runner.on_receipt(effect)
        except Exception:  # the counters are statistics: never worth failing a receipt for
            log.exception("receipt callback failed")
    printer = runner.devices.receipt
    if printer is None:
        return []
    try:
        # An aware UTC instant: printer.receipt prints it in Japan time whatever the host's zone.
        printer.print_receipt(receipt_data(runner, effect, dt.datetime.now(dt.UTC)))
    except Exception as e:
        if not hasattr(e, "code"):
            raise
        return [st.DeviceFault("receipt", _code(e, "printer_error"))]
    return []


def run(runner: Runner, effect: fx.Effect, generation: int) -> list[st.Event]:
    """Execute one effect; returns the events to feed back (progress events are posted directly,
    tagged with the generation the effect was issued in, like the results)."""
    events: list[st.Event] = []

    def post(ev: st.Event) -> None:
        runner._post(ev, generation)

    if isinstance(effect, fx.ReadCard):
        events = _card(runner, lambda c: [st.CardRead(c.read_auth_certificate(), int(c.pin_tries_left()))])
    elif isinstance(effect, fx.VerifyPin):
        pin = effect.pin
        events = _card(runner, lambda c: [_pin_result(c.verify_pin(pin))])
    elif isinstance(effect, fx.Authenticate):
        events = _authenticate(runner, effect)
    elif isinstance(effect, fx.CreateOrder):
        e = effect
        events = _center("order", lambda: [_order(runner.center.create_order(
            e.session_id, e.municipality, e.certificate, e.options, e.copies))])
    elif isinstance(effect, fx.StartPayment):
        events = _pay(runner, effect, post)
    elif isinstance(effect, fx.Refund):
        events = _refund(runner, effect)
    elif isinstance(effect, fx.Issue):
        i = effect
        events = _center("issue", lambda: [st.Issued(tuple(runner.center.issue(
            i.order_id, i.idempotency_key, i.payment)))])
    elif isinstance(effect, fx.Print):
        events = _print(runner, effect, post)
    elif isinstance(effect, fx.PrintReceipt):
        events = _receipt(runner, effect)
    elif isinstance(effect, fx.CompleteOrder):
        events = _complete(runner, effect)
    else:
        log.error("no executor for effect %s", type(effect).__name__)
    return events


def _pin_result(check: Any) -> st.Event:
    return st.PinResult(bool(check.ok), int(check.tries_left))


def _order(order: Any) -> st.Event:
    return st.OrderCreated(str(order.order_id), int(order.fee_total))


def health(runner: Runner, *, recover: bool) -> list[st.Event]:
    """Resolve unfinished orders, then check every device: ``DevicesReady`` or the first fault."""
    if recover:
        from kiosk.journal import Journal
        from kiosk.journal import recover as recover_orders

        if isinstance(runner.journal, Journal):
            with runner._journal_lock:
                result = recover_orders(runner.journal, runner.center, is_unreachable=_is_unreachable)
            if result.pending:
                return [st.DeviceFault("center", "center_unreachable")]
    faults: list[st.Event] = []
    checks: tuple[tuple[Literal["printer", "payment", "receipt"], Any], ...] = (
        ("printer", runner.devices.printer), ("payment", runner.devices.cash),
        ("receipt", runner.devices.receipt))
    for name, device in checks:
        if device is None:
            continue
        try:
            status = device.status()
        except Exception as e:  # a status query that fails is a fault too ("unknown" is not "ok")
            log.warning("%s status failed: %s", name, _code(e, type(e).__name__))
            status = None
        if getattr(status, "value", None) not in ("ok", "warning"):
            faults.append(st.DeviceFault(name, f"{name if name != 'receipt' else 'printer'}_offline"))
    with runner._card_lock:
        try:
            runner.devices.card.present()
        except Exception as e:  # the reader is gone: residents could not even start
            log.warning("card reader status failed: %s", _code(e, type(e).__name__))
            faults.append(st.DeviceFault("card", "reader_offline"))
    try:
        runner.center.seal_status("S-health-check")
    except Exception as e:
        if _is_unreachable(e) or not hasattr(e, "code"):
            faults.append(st.DeviceFault("center", "center_unreachable"))
    return faults[:1] or [st.DevicesReady()]
