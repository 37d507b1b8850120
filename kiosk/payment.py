"""The simulated cash acceptor: coins and notes in, change out, refunds, injectable faults.

A coin/note acceptor with escrow and a change hopper (a recycler), driven by ``insert(yen)`` (UI
buttons in the demo, scripts in HIL runs): inserted money waits in escrow until the fee is reached,
then coins refill the hopper and notes go to the cash box; change and refunds are paid from the hopper
(greedy, which is exact for yen denominations); on cancel the escrow comes back as it went in.  Faults
(``payment_jam``, ``payment_offline``) can be injected, and a missing change or refund raises the same
typed errors a real device adapter would, so tests and the HIL run exercise the real money paths.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from kiosk.devices import CashResult, DeviceStatus, PaymentDeviceError
from kiosk.flow.faults import Fault

if TYPE_CHECKING:
    from kiosk.config import PaymentConfig

__all__ = ["COINS", "SimulatedCashDevice", "change_for", "from_config"]

log = logging.getLogger(__name__)

COINS = (500, 100, 50, 10, 5, 1)


def change_for(amount: int, stock: Mapping[int, int]) -> dict[int, int] | None:
    """Coins for ``amount`` from ``stock`` (greedy is optimal for yen coins), or None if impossible."""
    out: dict[int, int] = {}
    left = amount
    for coin in COINS:
        n = min(left // coin, stock.get(coin, 0))
        if n:
            out[coin] = n
            left -= n * coin
    return out if left == 0 else None


class SimulatedCashDevice:
    """The simulated acceptor (module docstring).  Thread-safe: ``insert`` from any thread, ``collect``
    on one.

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
        self._fault: Fault | None = None
        self._poll = poll_seconds
        self._lock = threading.Lock()

    def insert(self, yen: int) -> None:
        """A resident puts a coin or note in."""
        self._inbox.put(yen)

    def inject_fault(self, code: Fault | str | None) -> None:
        """Make the next operation fail with ``code`` (``payment_jam``, ``payment_offline``, ...)."""
        self._fault = None if code is None else Fault(code)

    def status(self) -> DeviceStatus:
        if self._fault is not None:
            return DeviceStatus.FAULT
        return DeviceStatus.WARNING if sum(self.stock.values()) < 10 else DeviceStatus.OK

    def _pay_out(self, amount: int) -> bool:
        with self._lock:
            coins = change_for(amount, self.stock)
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
                if coin in COINS:
                    self.stock[coin] = self.stock.get(coin, 0) + 1
            if change and change_for(change, self.stock) is None:
                self.stock = before
                self.returned.extend(escrow)
                raise PaymentDeviceError("cannot make change; escrow returned", Fault.PAYMENT_NO_CHANGE,
                                         held=0)
            self.cashbox += sum(c for c in escrow if c not in COINS)
        if change:
            self._pay_out(change)
        return CashResult(paid, change)

    def refund(self, amount: int) -> int:
        """See ``CashDevice.refund``."""
        if self._fault is not None:
            raise PaymentDeviceError("cash device fault", Fault.REFUND_FAILED, held=amount)
        if not self._pay_out(amount):
            raise PaymentDeviceError("not enough coins to refund", Fault.REFUND_FAILED, held=amount)
        log.info("refunded %d yen", amount)
        return amount


def from_config(cfg: PaymentConfig) -> SimulatedCashDevice:
    """The cash device the config names (``payment.device = "simulated"`` is the only one so far)."""
    return SimulatedCashDevice(cfg.accepts, {int(k): n for k, n in cfg.change_stock.items()})
