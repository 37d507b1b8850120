"""Device interfaces the transaction needs (``typing.Protocol``) and the simulated cash acceptor.

The flow never touches devices; ``kiosk.runtime.Runner`` calls these interfaces and turns results
and typed errors into flow events.  Adapters for the real parts live next to their packages (the card
over PC/SC in ``card``, the printers over ESC/POS in ``printer``); every adapter raises the typed
errors below, whose ``fault`` reaches the flow unchanged (``kiosk.flow.faults``).

``kiosk.payment.SimulatedCashDevice`` is the shipped fake of the cash device.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kiosk.errors import KioskError
from kiosk.flow.faults import Fault

if TYPE_CHECKING:
    import datetime as dt

    from kiosk.flow.effects import PrintReceipt

__all__ = [
    "CardDevice",
    "CardDeviceError",
    "CashDevice",
    "CashResult",
    "DeviceError",
    "DeviceStatus",
    "DocumentPrinter",
    "PaymentDeviceError",
    "PinCheck",
    "PrinterDeviceError",
    "ReceiptHeader",
    "ReceiptPrinter",
]

class DeviceError(KioskError):
    """A device could not do what was asked; ``fault`` says what, in the flow's vocabulary
    (``kiosk.flow.faults.Fault``), and ``code`` is its stable string."""

    fault: Fault = Fault.CARD_UNREADABLE

    def __init__(self, message: str, fault: Fault | None = None) -> None:
        super().__init__(message)
        if fault is not None:
            self.fault = Fault(fault)

    @property
    def code(self) -> str:  # type: ignore[override]  # KioskError.code is a class constant
        return self.fault.value


class CardDeviceError(DeviceError):
    """``CARD_UNREADABLE``, ``CARD_REMOVED``, ``CARD_UNSUPPORTED``, ``READER_OFFLINE``."""

    fault = Fault.CARD_UNREADABLE


class PrinterDeviceError(DeviceError):
    """``PRINTER_PAPER_END``, ``PRINTER_COVER_OPEN``, ``PRINTER_OFFLINE``, ``PRINTER_TIMEOUT``,
    ``PRINT_ABORTED``; ``pages_done`` says how many pages came out complete."""

    fault = Fault.PRINTER_ERROR

    def __init__(self, message: str, fault: Fault | None = None, pages_done: int = 0) -> None:
        super().__init__(message, fault)
        self.pages_done = pages_done


class PaymentDeviceError(DeviceError):
    """``PAYMENT_JAM``, ``PAYMENT_NO_CHANGE``, ``PAYMENT_OFFLINE``, ``REFUND_FAILED``; ``held`` is the
    money in escrow the device could still give back."""

    fault = Fault.PAYMENT_ERROR

    def __init__(self, message: str, fault: Fault | None = None, held: int = 0) -> None:
        super().__init__(message, fault)
        self.held = held


class DeviceStatus(enum.Enum):
    OK = "ok"
    WARNING = "warning"  # e.g. paper near end, change running low: still in service
    FAULT = "fault"
    UNKNOWN = "unknown"  # never answered: not the same as OK (docs/style.md §3)


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int


class CardDevice(Protocol):
    """The My Number card through its reader (JPKI AP; docs/jpki-card.md)."""

    def present(self) -> bool:
        """Is a card on the reader now?  :raises CardDeviceError: ``reader_offline``."""
        ...

    def wait_for_change(self, present: bool | None, timeout: float) -> bool:
        """Block until the card's presence differs from ``present`` (None: unknown) or ``timeout``
        seconds pass; return the presence now.  Called from its own thread, concurrently with the
        other methods (PC/SC: ``SCardGetStatusChange``, which needs no card connection).

        :raises CardDeviceError: ``reader_offline``.
        """
        ...

    def read_auth_certificate(self) -> bytes:
        """SELECT the JPKI AP and read EF 000A (DER).  :raises CardDeviceError:."""
        ...

    def pin_tries_left(self) -> int:
        """Tries left of the user-authentication PIN (EF 0018), without using one."""
        ...

    def verify_pin(self, pin: str) -> PinCheck:
        """VERIFY on EF 0018.  A wrong PIN is a result, not an error.  :raises CardDeviceError:."""
        ...

    def sign_auth_message(self, message: bytes) -> bytes:
        """Sign the domain-separated ``message`` (``contracts.center.auth_message``) with EF 0017 after
        a successful VERIFY, hashing it as the token's algorithm says: SHA-256 for an RSA-2048 card or
        phone, SHA-384 for a P-384 next-generation card.  :raises CardDeviceError:."""
        ...

    def release(self) -> None:
        """Forget the card session (PIN state) when the transaction ends."""
        ...


class DocumentPrinter(Protocol):
    """The certificate printer (printer profiles: a4-thermal-203/300, a4-laser-600)."""

    def print_documents(self, documents: Sequence[Mapping[str, object]], on_page: Callable[[int, int], None],
                        should_abort: Callable[[], bool]) -> int:
        """Print every document; call ``on_page(done, total)`` after each page; stop between bands
        when ``should_abort()``.  Returns the pages printed.

        :raises PrinterDeviceError: with ``pages_done`` (``print_aborted`` when stopped on request).
        """
        ...

    def status(self) -> DeviceStatus: ...


@dataclass(frozen=True)
class ReceiptHeader:
    """What a receipt says of where it was printed: the store and the terminal (the kiosk id)."""

    store_name: str
    store_code: str
    terminal_id: str


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: PrintReceipt, header: ReceiptHeader, issued_at: dt.datetime) -> None:
        """Print the ご利用明細書 of ``receipt`` (the flow's effect: no field for personal data),
        dated ``issued_at`` (an aware instant).

        :raises PrinterDeviceError:."""
        ...

    def status(self) -> DeviceStatus: ...


@dataclass(frozen=True)
class CashResult:
    paid: int  # yen taken in total (escrow moved to the cash box)
    change: int  # yen paid back as change


class CashDevice(Protocol):
    def collect(self, amount: int, on_inserted: Callable[[int], None],
                cancelled: Callable[[], bool]) -> CashResult | None:
        """Accept money until ``amount`` is reached (→ result) or ``cancelled()`` (→ everything in
        escrow is given back, ``None``).  :raises PaymentDeviceError: with ``held``."""
        ...

    def refund(self, amount: int) -> int:
        """Pay ``amount`` back from the hopper; returns the yen paid out.  :raises PaymentDeviceError:."""
        ...

    def status(self) -> DeviceStatus: ...
