"""How the runner's worker executes each effect: a device or center call in, flow events out.

The executor sees only what ``ExecContext`` hands it (devices, center, journal, how to post progress,
whether an abort or cancel was asked), never the runner itself.  It catches the typed error trees and
nothing else, so an adapter bug (any other exception) reaches the worker, which logs it with its trace
and reports the device as failed:

- ``kiosk.devices.DeviceError`` → the event of its family, carrying its ``Fault`` unchanged;
- ``kiosk.center_client.CenterClientError`` → ``CenterError`` with the center's code and reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kiosk.center_client import CenterBadAnswer, CenterClientError, CenterUnreachable
from kiosk.devices import (
    CardDevice,
    CardDeviceError,
    CashDevice,
    DeviceStatus,
    DocumentPrinter,
    PaymentDeviceError,
    PrinterDeviceError,
    ReceiptHeader,
    ReceiptPrinter,
)
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.auth import auth_message
from kiosk.flow.faults import Fault
from kiosk.runtime.print_rate import PrintRate

__all__ = ["CenterApi", "DeviceSet", "ExecContext", "JournalApi", "health", "run"]

log = logging.getLogger(__name__)

class CenterApi(Protocol):
    """What the runtime uses of ``kiosk.center_client.CenterClient``."""

    def challenge(self) -> Any: ...
    def authenticate(self, challenge_id: str, certificate: bytes, signature: bytes) -> Any: ...
    def create_order(self, session_id: str, municipality: str, certificate: str, options: Mapping[str, Any],
                     copies: int) -> Any: ...
    def issue(self, order_id: str, idempotency_key: str, payment: Mapping[str, Any]) -> Sequence[Any]: ...
    def complete(self, order_id: str, result: str, pages_printed: int) -> None: ...
    def seal_status(self, seal_id: str) -> str: ...


class JournalApi(Protocol):
    def record(self, order_id: str, step: str, amount: int = 0, pages: int = 0) -> Any: ...

    def settle_owed(self, order_id: str, owed: int, *, completed: bool) -> Any: ...


@dataclass(frozen=True)
class DeviceSet:
    """The kiosk's devices (``kiosk.devices`` protocols); ``receipt`` is optional."""

    card: CardDevice
    printer: DocumentPrinter
    cash: CashDevice
    receipt: ReceiptPrinter | None = None


@dataclass(frozen=True)
class ExecContext:
    """Everything an effect may touch.  The runner builds one per effect (``post`` is bound to the
    generation the effect was issued in, so late progress is dropped by the flow like late results).

    :param record: writes a journal step; returns False when the journal failed (the runner has then
        already reported ``Fault.JOURNAL_ERROR``).
    :param card_lock: serialises card calls (the card watch thread shares the reader).
    :param print_aborted: / ``payment_cancelled``: asked between bands / coins.
    """

    devices: DeviceSet
    center: CenterApi
    kiosk_id: str
    receipt_header: ReceiptHeader
    post: Callable[[evt.Event], None]
    record: Callable[[str, str], bool]
    card_lock: threading.Lock
    print_aborted: Callable[[], bool]
    payment_cancelled: Callable[[], bool]
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    on_receipt: Callable[[fx.PrintReceipt], None] | None = None
    print_rate: PrintRate | None = None  # the certificate printer's measured pace (time left on screen)


def is_unreachable(e: CenterClientError) -> bool:
    """A transport failure (retry later) rather than a refusal (the center decided)."""
    return isinstance(e, CenterUnreachable | CenterBadAnswer)


def _refused(call: str, e: CenterClientError) -> list[evt.Event]:
    return [evt.CenterError(e.code, call, e.reason)]


def _card(ctx: ExecContext, action: Callable[[CardDevice], list[evt.Event]]) -> list[evt.Event]:
    with ctx.card_lock:
        try:
            return action(ctx.devices.card)
        except CardDeviceError as e:
            return [evt.DeviceFault("card", e.fault)]


def _authenticate(ctx: ExecContext, effect: fx.Authenticate) -> list[evt.Event]:
    """challenge → the card signs the domain-separated digest → response (docs/architecture.md step 4)."""
    try:
        challenge = ctx.center.challenge()
    except CenterClientError as e:
        return _refused("authenticate", e)
    # The token hashes the message itself: SHA-256 on today's RSA card, SHA-384 on a P-384 card.
    message = auth_message(challenge.challenge_id, ctx.kiosk_id, challenge.nonce)
    with ctx.card_lock:
        try:
            signature = ctx.devices.card.sign_auth_message(message)
        except CardDeviceError as e:
            return [evt.DeviceFault("card", e.fault)]
    try:
        session = ctx.center.authenticate(challenge.challenge_id, effect.certificate, signature)
    except CenterClientError as e:
        return _refused("authenticate", e)
    return [evt.Authenticated(session.session_id, tuple(session.municipalities))]


def _pay(ctx: ExecContext, effect: fx.StartPayment) -> list[evt.Event]:
    try:
        result = ctx.devices.cash.collect(effect.amount, lambda yen: ctx.post(evt.MoneyInserted(yen)),
                                          ctx.payment_cancelled)
    except PaymentDeviceError as e:
        return [evt.PaymentFault(e.fault, e.held)]
    if result is None:
        return []  # cancelled: the escrow went back; the flow has moved on already
    return [evt.PaymentComplete(result.paid, result.change)]


def _print(ctx: ExecContext, effect: fx.Print) -> list[evt.Event]:
    timer = ctx.print_rate.start() if ctx.print_rate is not None else None

    def on_page(done: int, total: int) -> None:
        rate = timer.page(done) if timer is not None else None
        ctx.post(evt.PrintProgress(done, total, seconds_per_page=rate))

    try:
        pages = ctx.devices.printer.print_documents(effect.documents, on_page, ctx.print_aborted)
    except PrinterDeviceError as e:
        return [evt.PrinterFault(e.fault, e.pages_done)]
    return [evt.Printed(pages)]


def _refund(ctx: ExecContext, effect: fx.Refund) -> list[evt.Event]:
    try:
        paid_out = ctx.devices.cash.refund(effect.amount)
    except PaymentDeviceError as e:
        return [evt.PaymentFault(Fault.REFUND_FAILED, e.held)]
    return [evt.Refunded(paid_out)]


def _complete(ctx: ExecContext, effect: fx.CompleteOrder) -> list[evt.Event]:
    try:
        ctx.center.complete(effect.order_id, effect.result, effect.pages_printed)
    except CenterClientError as e:
        if is_unreachable(e):
            # The journal keeps the order open; the recovery completes it when the center is back.
            return [evt.CenterError(e.code, "complete")]
        # A refusal (order_completed, order_not_issued, ...) means the center already knows the
        # order's end state better than we do: nothing left to tell it.
        log.warning("complete refused by the center: %s", e.code)
    ctx.record(effect.order_id, "completed")
    return [evt.Completed(effect.order_id)]


def _receipt(ctx: ExecContext, effect: fx.PrintReceipt) -> list[evt.Event]:
    if ctx.on_receipt is not None:
        try:
            ctx.on_receipt(effect)
        except Exception:  # the counters are statistics: never worth failing a receipt for
            log.exception("receipt callback failed")
    printer = ctx.devices.receipt
    if printer is None:
        return []
    try:
        # An aware UTC instant: the receipt prints it in Japan time whatever the host's zone.  A refund
        # slip is dated when the refund failed, the time its screen shows.
        at = ctx.now() if effect.at is None else dt.datetime.fromtimestamp(effect.at, dt.UTC)
        printer.print_receipt(effect, ctx.receipt_header, at)
    except PrinterDeviceError as e:
        return [evt.DeviceFault("receipt", e.fault)]
    return []


def _create_order(ctx: ExecContext, e: fx.CreateOrder) -> list[evt.Event]:
    try:
        order = ctx.center.create_order(e.session_id, e.municipality, e.certificate, e.options, e.copies)
    except CenterClientError as err:
        return _refused("order", err)
    return [evt.OrderCreated(str(order.order_id), int(order.fee_total))]


def _issue(ctx: ExecContext, e: fx.Issue) -> list[evt.Event]:
    try:
        documents = ctx.center.issue(e.order_id, e.idempotency_key, e.payment)
    except CenterClientError as err:
        return _refused("issue", err)
    return [evt.Issued(tuple(documents))]


def _verify_pin(ctx: ExecContext, e: fx.VerifyPin) -> list[evt.Event]:
    def verify(card: CardDevice) -> list[evt.Event]:
        check = card.verify_pin(e.pin)
        return [evt.PinResult(check.ok, check.tries_left)]

    return _card(ctx, verify)


def _read_card(ctx: ExecContext, e: fx.ReadCard) -> list[evt.Event]:
    return _card(ctx, lambda c: [evt.CardRead(c.read_auth_certificate(), c.pin_tries_left())])


# A printer's status detail (kiosk.adapters.printing.StatusReport) → the fault that names it.
_PRINTER_DETAIL: dict[str, Fault] = {"paper_end": Fault.PRINTER_PAPER_END,
                                     "cover_open": Fault.PRINTER_COVER_OPEN, "offline": Fault.PRINTER_OFFLINE}


def _printer_poll(printer: Any) -> Fault | None:
    query = getattr(printer, "query", None)  # the real adapters name the fault; a bare status() does not
    report = query() if query is not None else None
    state = report.state if report is not None else printer.status()
    if state in (DeviceStatus.OK, DeviceStatus.WARNING):
        return None
    if state is DeviceStatus.UNKNOWN:
        return Fault.PRINTER_OFFLINE
    return _PRINTER_DETAIL.get(getattr(report, "detail", None) or "", Fault.PRINTER_ERROR)


def poll_devices(ctx: ExecContext, effect: fx.PollDevices) -> list[evt.Event]:
    """The idle poll: each printer's and the cash device's status now, as fault codes (a query that
    fails is the device's offline fault: "unknown" is not "ok")."""
    faults: list[str] = []
    for name, device in (("printer", ctx.devices.printer), ("receipt", ctx.devices.receipt)):
        if device is None:
            continue
        try:
            fault = _printer_poll(device)
        except Exception as e:
            log.warning("%s poll failed: %s", name, getattr(e, "code", type(e).__name__))
            fault = Fault.PRINTER_OFFLINE
        if fault is not None:
            faults.append(str(fault))
    try:
        cash = ctx.devices.cash.status()
    except Exception as e:
        log.warning("payment poll failed: %s", getattr(e, "code", type(e).__name__))
        cash = None
    if cash not in (DeviceStatus.OK, DeviceStatus.WARNING):
        faults.append(str(Fault.PAYMENT_OFFLINE))
    return [evt.DevicesPolled(tuple(faults))]


_EXECUTORS: dict[type[fx.Effect], Callable[[ExecContext, Any], list[evt.Event]]] = {
    fx.ReadCard: _read_card,
    fx.VerifyPin: _verify_pin,
    fx.Authenticate: _authenticate,
    fx.CreateOrder: _create_order,
    fx.StartPayment: _pay,
    fx.Refund: _refund,
    fx.Issue: _issue,
    fx.Print: _print,
    fx.PrintReceipt: _receipt,
    fx.CompleteOrder: _complete,
    fx.PollDevices: poll_devices,
}


def run(ctx: ExecContext, effect: fx.Effect) -> list[evt.Event]:
    """Execute one effect; returns the events to feed back (progress is posted through ``ctx.post``).

    :raises Exception: anything outside the typed error trees (an adapter bug); the worker reports it.
    """
    executor = _EXECUTORS.get(type(effect))
    if executor is None:
        log.error("no executor for effect %s", type(effect).__name__)
        return []
    return executor(ctx, effect)


def fallback_fault(effect: fx.Effect) -> evt.Event | None:
    """The event that reports an effect whose adapter raised outside its error tree (a bug)."""
    if isinstance(effect, fx.ReadCard | fx.VerifyPin):
        return evt.DeviceFault("card", Fault.CARD_UNREADABLE)
    if isinstance(effect, fx.Authenticate | fx.CreateOrder | fx.Issue | fx.CompleteOrder):
        return evt.CenterError("center_error", type(effect).__name__.lower())
    if isinstance(effect, fx.Print):
        return evt.PrinterFault(Fault.PRINTER_ERROR, 0)
    if isinstance(effect, fx.StartPayment):
        return evt.PaymentFault(Fault.PAYMENT_ERROR)
    if isinstance(effect, fx.Refund):
        return evt.PaymentFault(Fault.REFUND_FAILED)
    return None


_OFFLINE: dict[str, Fault] = {"printer": Fault.PRINTER_OFFLINE, "payment": Fault.PAYMENT_OFFLINE,
                              "receipt": Fault.PRINTER_OFFLINE}


def health(ctx: ExecContext, journal: object | None, journal_lock: threading.Lock) -> list[evt.Event]:
    """Resolve unfinished orders (when ``journal`` is a ``kiosk.journal.Journal``), then check every
    device and the center: ``DevicesReady`` or the first fault."""
    from kiosk.journal import Journal
    from kiosk.journal import recover as recover_orders

    if isinstance(journal, Journal):
        with journal_lock:
            result = recover_orders(journal, ctx.center, is_unreachable=_recovery_unreachable)
        if result.pending:
            return [evt.DeviceFault("center", Fault.CENTER_UNREACHABLE)]
    faults: list[evt.Event] = []
    checks: tuple[tuple[Literal["printer", "payment", "receipt"], Any], ...] = (
        ("printer", ctx.devices.printer), ("payment", ctx.devices.cash), ("receipt", ctx.devices.receipt))
    for name, device in checks:
        if device is None:
            continue
        try:
            status = device.status()
        except Exception as e:  # a status query that fails is a fault too ("unknown" is not "ok")
            log.warning("%s status failed: %s", name, getattr(e, "code", type(e).__name__))
            status = None
        if status not in (DeviceStatus.OK, DeviceStatus.WARNING):
            faults.append(evt.DeviceFault(name, _OFFLINE[name]))
    with ctx.card_lock:
        try:
            ctx.devices.card.present()
        except CardDeviceError as e:  # the reader is gone: residents could not even start
            log.warning("card reader status failed: %s", e.code)
            faults.append(evt.DeviceFault("card", Fault.READER_OFFLINE))
    try:
        ctx.center.seal_status("S-health-check")
    except CenterClientError as e:
        # A refusal (seal_unknown) proves the center answers; one that cannot check card revocation
        # (crl_unavailable) can authenticate nobody, so the kiosk stays out of service.
        if is_unreachable(e) or e.code == "crl_unavailable":
            faults.append(evt.DeviceFault("center", Fault.CENTER_UNREACHABLE))
    except Exception:  # a client bug: as unknown as an unanswered query, so not "ok"
        log.exception("center health check failed")
        faults.append(evt.DeviceFault("center", Fault.CENTER_UNREACHABLE))
    return faults[:1] or [evt.DevicesReady()]


def _recovery_unreachable(e: BaseException) -> bool:
    return isinstance(e, CenterClientError) and is_unreachable(e)
