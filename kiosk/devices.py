"""Device interfaces the transaction needs (``typing.Protocol``) and the simulated cash acceptor.

The flow never touches devices; ``kiosk.flow.runner.Runner`` calls these interfaces and turns results
and typed errors into flow events.  Adapters for the real parts live next to their packages (the card
over PC/SC in ``card``, the printers over ESC/POS in ``printer``); every adapter raises the typed
errors below, whose ``code`` is what the flow shows (``kiosk.flow.codes``).

``SimulatedCashDevice`` is the shipped fake of a coin/note acceptor with a change hopper: coins and
notes go into escrow, the fee goes to the cash box when reached, change and refunds come out of the
hopper stock, and faults (jam, no change, offline) can be injected — so tests and the HIL run exercise
the same money paths as a real machine.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.errors import KioskError

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
    "ReceiptPrinter",
    "SimulatedCashDevice",
]

log = logging.getLogger(__name__)


class DeviceError(KioskError):
    """A device could not do what was asked; ``code`` is stable (kiosk.flow.codes)."""

    code = "device_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class CardDeviceError(DeviceError):
    """``card_unreadable``, ``card_removed``, ``card_unsupported``, ``reader_offline``."""

    code = "card_unreadable"


class PrinterDeviceError(DeviceError):
    """``printer_paper_end``, ``printer_cover_open``, ``printer_offline``, ``printer_timeout``,
    ``print_aborted``; ``pages_done`` says how many pages came out complete."""

    code = "printer_error"

    def __init__(self, message: str, code: str | None = None, pages_done: int = 0) -> None:
        super().__init__(message, code)
        self.pages_done = pages_done


class PaymentDeviceError(DeviceError):
    """``payment_jam``, ``payment_no_change``, ``payment_offline``, ``refund_failed``; ``held`` is the
    money in escrow the device could still give back."""

    code = "payment_error"

    def __init__(self, message: str, code: str | None = None, held: int = 0) -> None:
        super().__init__(message, code)
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

    def read_auth_certificate(self) -> bytes:
        """SELECT the JPKI AP and read EF 000A (DER).  :raises CardDeviceError:."""
        ...

    def pin_tries_left(self) -> int:
        """Tries left of the user-authentication PIN (EF 0018), without using one."""
        ...

    def verify_pin(self, pin: str) -> PinCheck:
        """VERIFY on EF 0018.  A wrong PIN is a result, not an error.  :raises CardDeviceError:."""
        ...

    def sign_auth(self, digest: bytes) -> bytes:
        """Sign a SHA-256 ``digest`` (as DigestInfo) with EF 0017 after a successful VERIFY."""
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


class ReceiptPrinter(Protocol):
    def print_receipt(self, lines: Sequence[str]) -> None:
        """Print the 利用明細 (no personal data).  :raises PrinterDeviceError:."""
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


# --- the simulated acceptor -----------------------------------------------------------------------------

_COINS = (500, 100, 50, 10, 5, 1)


class SimulatedCashDevice:
    """A coin/note acceptor with escrow and a change hopper, driven by ``insert(yen)`` (UI buttons in
    the demo, scripts in HIL runs).  Thread-safe: ``insert`` from any thread, ``collect`` on one.

    :param accepts: denominations taken (others are returned at once, like a real validator).
    :param stock: hopper contents by coin, e.g. ``{100: 50, 10: 50}``.
    """

    def __init__(self, accepts: Sequence[int] = (10, 50, 100, 500, 1000),
                 stock: Mapping[int, int] | None = None, poll_seconds: float = 0.02) -> None:
        self.accepts = frozenset(accepts)
        self.stock = dict(stock if stock is not None else {10: 50, 50: 20, 100: 50, 500: 20})
        self.cashbox = 0
        self.returned: list[int] = []  # everything that came out of the machine (tray), for tests
        self._inbox: queue.Queue[int] = queue.Queue()
        self._fault: str | None = None
        self._poll = poll_seconds
        self._lock = threading.Lock()

    def insert(self, yen: int) -> None:
        """A resident puts a coin or note in."""
        self._inbox.put(yen)

    def inject_fault(self, code: str | None) -> None:
        """Make the next operation fail with ``code`` (``payment_jam``, ``payment_offline``, ...)."""
        self._fault = code

    def status(self) -> DeviceStatus:
        if self._fault is not None:
            return DeviceStatus.FAULT
        return DeviceStatus.WARNING if sum(self.stock.values()) < 10 else DeviceStatus.OK

    def _change_for(self, amount: int) -> dict[int, int] | None:
        """Coins for ``amount`` from the hopper (greedy works for yen denominations), or None."""
        out: dict[int, int] = {}
        left = amount
        for coin in _COINS:
            n = min(left // coin, self.stock.get(coin, 0))
            if n:
                out[coin] = n
                left -= n * coin
        return out if left == 0 else None

    def _pay_out(self, amount: int) -> bool:
        with self._lock:
            coins = self._change_for(amount)
            if coins is None:
                return False
            for coin, n in coins.items():
                self.stock[coin] -= n
                self.returned.extend([coin] * n)
            return True

    def collect(self, amount: int, on_inserted: Callable[[int], None],
                cancelled: Callable[[], bool]) -> CashResult | None:
        """See ``CashDevice.collect``."""
        if self._fault is not None:
            raise PaymentDeviceError("cash device fault", self._fault, held=0)
        escrow: list[int] = []
        while sum(escrow) < amount:
            if cancelled():
                self.returned.extend(escrow)  # escrow goes back as it came in
                return None
            try:
                yen = self._inbox.get(timeout=self._poll)
            except queue.Empty:
                continue
            if yen not in self.accepts:
                self.returned.append(yen)
                continue
            if self._fault is not None:
                raise PaymentDeviceError("cash device fault", self._fault, held=sum(escrow) + yen)
            escrow.append(yen)
            on_inserted(yen)
        paid = sum(escrow)
        change = paid - amount
        with self._lock:
            # Escrowed coins refill the hopper (a recycler) and may serve as change; notes go to the box.
            before = dict(self.stock)
            for coin in escrow:
                if coin in _COINS:
                    self.stock[coin] = self.stock.get(coin, 0) + 1
            if change and self._change_for(change) is None:
                self.stock = before
                self.returned.extend(escrow)
                raise PaymentDeviceError("cannot make change; escrow returned", "payment_no_change", held=0)
            self.cashbox += sum(c for c in escrow if c not in _COINS)
        if change:
            self._pay_out(change)
        return CashResult(paid, change)

    def refund(self, amount: int) -> int:
        """See ``CashDevice.refund``."""
        if self._fault is not None:
            raise PaymentDeviceError("cash device fault", "refund_failed", held=amount)
        if not self._pay_out(amount):
            raise PaymentDeviceError("not enough coins to refund", "refund_failed", held=amount)
        log.info("refunded %d yen", amount)
        return amount
