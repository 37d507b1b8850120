"""Effects: what the flow asks the world to do.

``Flow.submit(event)`` returns a list of these; ``kiosk.runtime.Runner`` executes them against the
card, the printer, the cash device and the center, and feeds results back as events.  Effects that
carry personal data (PIN, certificate, documents) hide it from ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AbortPrint",
    "Authenticate",
    "CancelPayment",
    "CheckDevices",
    "CompleteOrder",
    "CreateOrder",
    "Effect",
    "Issue",
    "JournalOrder",
    "PlaySound",
    "PollDevices",
    "Print",
    "PrintReceipt",
    "ReadCard",
    "RecordEvent",
    "Refund",
    "StartPayment",
    "StopSound",
    "VerifyPin",
    "WipeResident",
]


@dataclass(frozen=True)
class Effect:
    """Base of every effect."""


@dataclass(frozen=True)
class ReadCard(Effect):
    """Select the JPKI AP, read the user-authentication certificate and the PIN counter."""


@dataclass(frozen=True)
class VerifyPin(Effect):
    pin: str = field(repr=False)


@dataclass(frozen=True)
class Authenticate(Effect):
    """challenge → card signs (EF 0017) → response (docs/architecture.md step 4)."""

    certificate: bytes = field(repr=False)


@dataclass(frozen=True)
class CreateOrder(Effect):
    session_id: str = field(repr=False)
    municipality: str
    certificate: str
    options: dict[str, Any] = field(repr=False)  # whose, member ids, items, tax year
    copies: int


@dataclass(frozen=True)
class StartPayment(Effect):
    amount: int


@dataclass(frozen=True)
class CancelPayment(Effect):
    """Stop accepting money and return what was inserted (before the fee was reached)."""


@dataclass(frozen=True)
class Refund(Effect):
    amount: int


@dataclass(frozen=True)
class Issue(Effect):
    order_id: str
    idempotency_key: str
    payment: dict[str, Any]


@dataclass(frozen=True)
class Print(Effect):
    order_id: str
    documents: tuple[Mapping[str, object], ...] = field(repr=False)


@dataclass(frozen=True)
class AbortPrint(Effect):
    """Stop the running print job between bands (the runner handles it out of band, not queued)."""


@dataclass(frozen=True)
class PrintReceipt(Effect):
    """利用明細: no personal data (order id, certificate, copies, fee, paid, change, issuing municipality).

    ``certificate_name`` is the certificate's Japanese name as sold (住民票の写し) and ``municipality``
    the issuing municipality's display name: what ``printer.receipt.ReceiptData`` prints.
    """

    order_id: str
    certificate: str
    copies: int
    fee: int
    paid: int
    change: int
    refunded: int = 0
    certificate_name: str = ""
    municipality: str = ""
    # A refund the cash device could not pay: the slip says the amount owed, the short reference the
    # staff read out, and is dated ``at`` (epoch seconds, the time the screen shows) rather than "now".
    refund_owed: int = 0
    reference: str = ""
    at: float | None = None
    # The resident's language: the receipt repeats its wording in it under the Japanese (not personal data).
    language: str = "ja"


@dataclass(frozen=True)
class CompleteOrder(Effect):
    order_id: str
    result: Literal["printed", "failed"]
    pages_printed: int


@dataclass(frozen=True)
class JournalOrder(Effect):
    """Record an order's step in the crash-safe journal (ids, steps and amounts only)."""

    order_id: str
    step: str  # created, paid, issued, printed, failed, completed, refunded, closed
    amount: int = 0
    pages: int = 0


@dataclass(frozen=True)
class PlaySound(Effect):
    name: str  # take_card, take_documents, warning, error
    loop: bool = False


@dataclass(frozen=True)
class StopSound(Effect):
    """Stop a looping sound."""


@dataclass(frozen=True)
class RecordEvent(Effect):
    """A kiosk event for the operator's log (e.g. ``card_left``): a name only, nothing about the resident."""

    name: str


@dataclass(frozen=True)
class WipeResident(Effect):
    """Drop every reference to the resident's data held outside the flow (runner, devices, UI)."""


@dataclass(frozen=True)
class PollDevices(Effect):
    """Ask the printers and the cash device for their status (no center call, no journal recovery);
    the runner answers ``DevicesPolled``.  The idle kiosk's periodic check (``Timeouts.device_check``)."""


@dataclass(frozen=True)
class CheckDevices(Effect):
    """Re-check every device and the center; the runner answers ``DevicesReady`` or the first fault."""
