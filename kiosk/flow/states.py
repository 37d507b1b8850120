"""The contract between the transaction flow and the UI: states, events and the view.

The UI (``kiosk/ui/``) never decides anything.  It maps ``View.state`` to a screen, renders the data
of the ``View`` and turns taps into the events below, which it hands to ``Runner.submit()`` (or
``Flow.submit()`` in tests).  Devices and the center report back through events as well, so the whole
transaction is a sequence of events in and effects out (h11 style, docs/style.md §1).

Names here are **stable**: the UI engineer and the translations depend on them.  Extend, never rename.

Privacy (DESIGN.md "Who uses it", domain-konbini.md §3 "kiosk must not retain data"): events that
carry a PIN, a certificate or a person's name hide those fields from ``repr`` so they can never end up
in a log line by accident.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from card.contract import AUTH_PIN_TRIES
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
    "Choice",
    "ChooseLanguage",
    "Completed",
    "Confirm",
    "CopiesChosen",
    "DeviceFault",
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
    "ServiceExit",
    "ServiceRequested",
    "StaffPinSubmitted",
    "State",
    "StillHere",
    "TaxYearChosen",
    "Tick",
    "Timeout",
    "Touch",
    "View",
    "Whose",
    "WhoseChosen",
]

Relation = Literal["residence", "honseki"]
Whose = Literal["self", "household", "members"]


class State(enum.Enum):
    """Where the transaction is.  One screen per state (the UI's only map)."""

    ATTRACT = "attract"  # idle loop, "touch to start"
    LANGUAGE = "language"
    NOTICE = "notice"  # hours, what can be issued, fees; Next = agree
    PLACE_CARD = "place_card"
    READING = "reading"  # "do not move the card"
    PIN = "pin"  # keypad; view.tries_left, view.message_key after a wrong PIN
    PIN_LOCKED = "pin_locked"  # what to do at the municipal office
    AUTHENTICATING = "authenticating"  # PIN ok, card signs, center checks the certificate
    MUNICIPALITY = "municipality"  # 住民登録地 / 本籍地
    CERTIFICATE = "certificate"
    WHOSE = "whose"  # 本人 / 世帯全員 / 世帯の一部
    MEMBERS = "members"  # 世帯の一部: check boxes of members (names shown, never logged)
    ITEMS = "items"  # 本籍・筆頭者, 世帯主・続柄, 個人番号 where allowed
    TAX_YEAR = "tax_year"
    COPIES = "copies"
    ORDERING = "ordering"  # waiting for the center to price the order
    CONFIRM = "confirm"  # fee shown; Confirm = pay
    PAYMENT = "payment"
    ISSUING = "issuing"
    PRINTING = "printing"
    REFUNDING = "refunding"  # something failed after payment: void + refund in progress
    TAKE_CARD = "take_card"  # alert until the card is removed
    TAKE_DOCUMENTS = "take_documents"  # certificate(s), receipt, change
    THANK_YOU = "thank_you"
    ERROR = "error"  # a refusal or fault, view.message_key says what and what to do
    OUT_OF_SERVICE = "out_of_service"  # view.message_key says why
    SERVICE_LOGIN = "service_login"  # staff PIN
    SERVICE_MENU = "service_menu"


# ---------------------------------------------------------------------------------------------- events


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
    code: str  # payment_jam, payment_no_change, payment_offline, ...
    held: int = 0  # yen the device still holds (refunded by the flow)


@dataclass(frozen=True)
class Refunded(Event):
    yen: int


# Printer -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintProgress(Event):
    page: int  # pages finished so far
    pages: int


@dataclass(frozen=True)
class Printed(Event):
    pages: int


@dataclass(frozen=True)
class PrinterFault(Event):
    code: str  # printer_paper_end, printer_cover_open, printer_offline, printer_timeout, ...
    pages_done: int = 0


# Any device --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceFault(Event):
    """A device could not do what an effect asked: card unreadable/unsupported, reader gone, ..."""

    device: Literal["card", "printer", "payment", "center", "receipt", "journal"]
    code: str


# Time and service ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick(Event):
    """The injected clock (monotonic seconds).  Timeouts are computed from it, never from wall time."""

    now: float


@dataclass(frozen=True)
class Timeout(Event):
    """A deadline passed.  Normally made by the flow itself from ``Tick``; the runner may send one too.

    ``warn``: inactivity warning; ``idle``: inactivity cancel; ``watchdog``: a device or the center
    did not answer in time; ``message``: a message screen's display time is over.
    """

    kind: Literal["warn", "idle", "watchdog", "message"]


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


# ----------------------------------------------------------------------------------------------- view


@dataclass(frozen=True)
class Choice:
    """One button of a selection screen."""

    key: str  # language code, municipality code, certificate type, option key, member id, year
    label_key: str | None = None  # message key to translate (certificates, options, whose)
    # A literal label from the center (municipality or member name): shown on screen, never in a log.
    label: str | None = field(default=None, repr=False)
    available: bool = True
    reason_key: str | None = None  # why not (message key), shown under a greyed-out button
    fee: int | None = None  # yen per copy, where it applies
    selected: bool = False
    relation: Relation | None = None  # MUNICIPALITY: 住民登録地 / 本籍地


@dataclass(frozen=True)
class View:
    """Everything a screen shows.  Immutable; the flow makes a new one after every event."""

    state: State
    language: str = "ja"
    message_key: str | None = None  # ERROR / OUT_OF_SERVICE / PIN_LOCKED / hints (e.g. pin.wrong)
    choices: tuple[Choice, ...] = ()
    multi_select: bool = False  # choices are check boxes (members, items) rather than buttons
    certificate: str | None = None  # chosen type (for headers on later screens)
    municipality: str | None = None  # chosen municipality's display name
    tries_left: int | None = None
    pin_length: int = 0  # digits typed (masked ●●●●)
    pin_max: int = 4
    fee_per_copy: int | None = None
    fee: int | None = None  # total to pay
    copies: int = 1
    max_copies: int = 1
    tax_year: int | None = None
    # What the resident chose, for the confirm screen: the label key of whose entries are printed
    # (None when the certificate offers no choice), the chosen members' names (世帯の一部), and the
    # label keys of the items to show (None when the certificate has no items to choose).
    whose: str | None = None
    members: tuple[str, ...] = field(default=(), repr=False)  # names: never in a repr or a log
    items: tuple[str, ...] | None = None
    inserted: int = 0  # yen inserted so far
    change: int = 0
    refund: int = 0  # yen returned after a failure
    pages_done: int = 0
    pages_total: int = 0
    can_cancel: bool = False
    can_back: bool = False
    warning: bool = False  # the inactivity warning is showing ("続けますか?")
    seconds_left: float | None = None  # until the warning (or, while warning, until cancel)
    sound: str | None = None  # a repeating voice/alert the screen should loop (take_card, ...)
