"""Events: everything fed into ``Flow.submit`` — the resident's taps, and what the card, the center,
the cash device, the printer and the clock report back.

The whole transaction is a sequence of events in and effects out (h11 style, docs/style.md §1).  The
UI turns taps into these events and hands them to ``Runner.submit()`` (or ``Flow.submit()`` in tests).
Names here are **stable**: the UI engineer and the translations depend on them.  Extend, never rename.

Privacy (docs/architecture.md "Who uses it", docs/domain.md §3 "kiosk must not retain data"): events
that carry a PIN, a certificate or a person's name hide those fields from ``repr`` so they can never end
up in a log line by accident.  Device faults carry a ``kiosk.flow.faults.Fault`` (strings are coerced,
so an unknown code fails where it is made, not three layers later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from card.contract import AUTH_PIN_TRIES
from kiosk.flow.faults import Fault
from kiosk.flow.services import Municipality

__all__ = [
    "Authenticated",
    "Back",
    "Cancel",
    "CardInserted",
    "CardRead",
    "CardRemoved",
    "CenterError",
    "CertificateChosen",
    "ChooseLanguage",
    "Completed",
    "Confirm",
    "CopiesChosen",
    "DeviceFault",
    "DevicesPolled",
    "DevicesReady",
    "DocumentsTaken",
    "Event",
    "Issued",
    "MembersChosen",
    "MoneyInserted",
    "MunicipalityChosen",
    "Next",
    "OptionsChosen",
    "OrderCreated",
    "PaymentComplete",
    "PaymentFault",
    "PinDigit",
    "PinErase",
    "PinResult",
    "PinSubmitted",
    "PrintProgress",
    "Printed",
    "PrinterFault",
    "Refunded",
    "Relation",
    "RemoteService",
    "ServiceExit",
    "ServiceRequested",
    "StaffPinSubmitted",
    "StillHere",
    "TaxYearChosen",
    "Tick",
    "Timeout",
    "Touch",
    "Whose",
    "WhoseChosen",
]

Relation = Literal["residence", "honseki"]
Whose = Literal["self", "household", "members"]



@dataclass(frozen=True)
class Event:
    """Base of everything fed into ``Flow.submit``."""


# Resident input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch(Event):
    """A touch on the attract screen (start) or on a message screen (acknowledge)."""


@dataclass(frozen=True)
class ChooseLanguage(Event):
    code: str  # "ja", "en", ... (config.languages)


@dataclass(frozen=True)
class Next(Event):
    """次へ / OK on screens whose only decision is to go on (notice, error, take documents)."""


@dataclass(frozen=True)
class Back(Event):
    """戻る: one step back in the selection screens (before CONFIRM)."""


@dataclass(frozen=True)
class Cancel(Event):
    """中止: allowed while ``view.can_cancel`` (until payment starts)."""


@dataclass(frozen=True)
class StillHere(Event):
    """The resident answered the inactivity warning ("続ける")."""


@dataclass(frozen=True)
class PinDigit(Event):
    digit: str = field(repr=False)  # "0".."9"; hidden: a PIN digit must never reach a log


@dataclass(frozen=True)
class PinErase(Event):
    """訂正: erase the last digit (``all=True``: erase everything)."""

    all: bool = False


@dataclass(frozen=True)
class PinSubmitted(Event):
    """確定.  ``pin=None`` submits the digits typed with ``PinDigit``."""

    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MunicipalityChosen(Event):
    code: str
    relation: Relation


@dataclass(frozen=True)
class CertificateChosen(Event):
    certificate: str  # juminhyo, kisaijiko, inkan, kazei, koseki, fuhyo (docs/document-content.md)


@dataclass(frozen=True)
class WhoseChosen(Event):
    whose: Whose


@dataclass(frozen=True)
class MembersChosen(Event):
    member_ids: tuple[str, ...]


@dataclass(frozen=True)
class OptionsChosen(Event):
    options: frozenset[str]  # option keys offered in view.choices on the ITEMS screen


@dataclass(frozen=True)
class TaxYearChosen(Event):
    year: int  # 年度 (fiscal year), e.g. 2026 for 令和8年度


@dataclass(frozen=True)
class CopiesChosen(Event):
    copies: int


@dataclass(frozen=True)
class Confirm(Event):
    """The resident accepts the fee shown on CONFIRM and will pay."""


@dataclass(frozen=True)
class DocumentsTaken(Event):
    """The resident confirmed taking certificate(s) and receipt (or a sensor saw the tray empty)."""


# Card --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted(Event):
    """A card appeared on the reader."""


@dataclass(frozen=True)
class CardRemoved(Event):
    """The card left the reader."""


@dataclass(frozen=True)
class CardRead(Event):
    """The user-authentication certificate was read and the PIN counter queried."""

    certificate: bytes = field(repr=False)  # DER; personal data (serial links to a person)
    tries_left: int = AUTH_PIN_TRIES


@dataclass(frozen=True)
class PinResult(Event):
    """Result of VERIFY: ``ok`` or the tries left (0 = blocked)."""

    ok: bool
    tries_left: int


# Center ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authenticated(Event):
    """``POST /v1/auth/response`` answered; ``municipalities`` parsed by ``services.parse_municipalities``."""

    session_id: str = field(repr=False)
    municipalities: tuple[Municipality, ...] = field(repr=False)


@dataclass(frozen=True)
class OrderCreated(Event):
    order_id: str
    fee_total: int


@dataclass(frozen=True)
class Issued(Event):
    """The center issued; ``documents`` are the ``{"content", "seal"}`` items (one per copy)."""

    documents: tuple[Mapping[str, object], ...] = field(repr=False)


@dataclass(frozen=True)
class Completed(Event):
    """``complete`` acknowledged by the center (the runner has journaled it)."""

    order_id: str


@dataclass(frozen=True)
class CenterError(Event):
    """The center refused (``{"error": code}``) or could not be reached (``center_unreachable``).

    ``call`` names the request (challenge/response → "authenticate", "order", "issue", "complete").
    """

    code: str
    call: str = ""
    reason: str | None = None  # with not_available / outside_hours: moved_out, maintenance, year_end, ...


# Payment -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyInserted(Event):
    yen: int


@dataclass(frozen=True)
class PaymentComplete(Event):
    """The device holds at least the fee; ``change`` has been paid out."""

    paid: int
    change: int


@dataclass(frozen=True)
class PaymentFault(Event):
    code: Fault  # PAYMENT_JAM, PAYMENT_NO_CHANGE, PAYMENT_OFFLINE, REFUND_FAILED, ...
    held: int = 0  # yen the device still holds (refunded by the flow)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", Fault(self.code))


@dataclass(frozen=True)
class Refunded(Event):
    yen: int


# Printer -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintProgress(Event):
    page: int  # pages finished so far
    pages: int
    # Seconds a page takes on this printer as the runtime measured it from pages actually printed
    # (kiosk.runtime.print_rate); None while nothing is known, and then the screen shows pages only.
    seconds_per_page: float | None = None


@dataclass(frozen=True)
class Printed(Event):
    pages: int


@dataclass(frozen=True)
class PrinterFault(Event):
    code: Fault  # PRINTER_PAPER_END, PRINTER_COVER_OPEN, PRINTER_OFFLINE, PRINT_ABORTED, ...
    pages_done: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", Fault(self.code))


# Any device --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceFault(Event):
    """A device could not do what an effect asked: card unreadable/unsupported, reader gone, ..."""

    device: Literal["card", "printer", "payment", "center", "receipt", "journal"]
    code: Fault

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", Fault(self.code))


# Time and service ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick(Event):
    """The injected clock (monotonic seconds).  Timeouts are computed from it, never from wall time."""

    now: float


@dataclass(frozen=True)
class Timeout(Event):
    """A deadline passed.  Normally made by the flow itself from ``Tick``; the runner may send one too.

    ``warn``: inactivity warning; ``idle``: inactivity cancel; ``watchdog``: a device or the center
    did not answer in time; ``message``: a message screen's display time is over; ``device_check``:
    time for the idle kiosk (ATTRACT, OUT_OF_SERVICE) to poll its devices (``PollDevices``).
    """

    kind: Literal["warn", "idle", "watchdog", "message", "device_check"]


@dataclass(frozen=True)
class DevicesPolled(Event):
    """The idle device poll's answer (``PollDevices``): the fault codes the printers and the cash device
    report now (``kiosk.flow.faults.Fault`` values; empty: none).  Unlike ``DevicesReady`` it says
    nothing about the center or the reader, so an empty answer alone never puts the kiosk in service."""

    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class DevicesReady(Event):
    """The runner's health check passed (printer, cash device, reader, center): leave OUT_OF_SERVICE."""


@dataclass(frozen=True)
class ServiceRequested(Event):
    """The hidden staff gesture (e.g. long press in a corner) on ATTRACT or OUT_OF_SERVICE."""


@dataclass(frozen=True)
class StaffPinSubmitted(Event):
    ok: bool  # checked against config.staff by kiosk.service (the flow never sees the hash)


@dataclass(frozen=True)
class ServiceExit(Event):
    """Leave the service menu; ``in_service=False`` keeps (or puts) the kiosk out of service."""

    in_service: bool = True


@dataclass(frozen=True)
class RemoteService(Event):
    """An operator's remote command, carried in the center's answer to a health report
    (kiosk.runtime.health_report): out of service with one of ``REMOTE_REASONS``, or back in service."""

    in_service: bool
    reason: Literal["maintenance", "inspection", "store_request"] = "maintenance"
