"""The simulated cash acceptor (kiosk.payment): escrow, change from the hopper, refunds, injected faults."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from kiosk.devices import CashResult, DeviceStatus, PaymentDeviceError
from kiosk.payment import COINS, SimulatedCashDevice, change_for


def _collect(
    dev: SimulatedCashDevice, amount: int, cancel: threading.Event | None = None
) -> tuple[CashResult | None, list[int]]:
    seen: list[int] = []
    result = dev.collect(amount, seen.append, (cancel or threading.Event()).is_set)
    return result, seen


def test_exact_and_overpayment_with_change() -> None:
    dev = SimulatedCashDevice(poll_seconds=0.001, stock={100: 6, 10: 5})
    for coin in (100, 100, 1000):
        dev.insert(coin)
    result, _ = _collect(dev, 400)
    assert result is not None and (result.paid, result.change) == (1200, 800)
    assert dev.returned == [100] * 8  # the two inserted 100-yen coins serve as change too
    assert dev.cashbox == 1000 and dev.stock == {100: 0, 10: 5}


def test_unaccepted_denominations_come_straight_back() -> None:
    dev = SimulatedCashDevice(accepts=(100,), poll_seconds=0.001)
    for coin in (5, 100, 100):
        dev.insert(coin)
    _, seen = _collect(dev, 200)
    assert seen == [100, 100] and dev.returned == [5]


def test_cancel_returns_the_escrow() -> None:
    dev = SimulatedCashDevice(poll_seconds=0.001)
    dev.insert(100)
    cancel = threading.Event()
    t = threading.Timer(0.05, cancel.set)
    t.start()
    result, seen = _collect(dev, 500, cancel)
    t.join()
    assert result is None and seen == [100] and dev.returned == [100]


def test_no_change_returns_the_escrow_and_says_so() -> None:
    dev = SimulatedCashDevice(poll_seconds=0.001, stock={})
    dev.insert(1000)
    with pytest.raises(PaymentDeviceError) as info:
        _collect(dev, 300)
    assert info.value.code == "payment_no_change" and dev.returned == [1000]


def test_jam_reports_the_money_held() -> None:
    dev = SimulatedCashDevice(poll_seconds=0.001)
    dev.insert(100)
    dev.insert(100)
    seen: list[int] = []

    def on_inserted(yen: int) -> None:
        seen.append(yen)
        dev.inject_fault("payment_jam")

    with pytest.raises(PaymentDeviceError) as info:
        dev.collect(500, on_inserted, threading.Event().is_set)
    assert (info.value.code, info.value.held) == ("payment_jam", 200)
    assert dev.status() is DeviceStatus.FAULT


def test_refund_pays_from_the_hopper_or_fails_typed() -> None:
    dev = SimulatedCashDevice(stock={100: 3})
    assert dev.refund(300) == 300 and dev.returned == [100, 100, 100]
    with pytest.raises(PaymentDeviceError) as info:
        dev.refund(100)
    assert info.value.code == "refund_failed"


@given(amount=hs.integers(0, 20000), stock=hs.dictionaries(hs.sampled_from(COINS), hs.integers(0, 30)))
def test_change_is_exact_and_within_the_stock(amount: int, stock: dict[int, int]) -> None:
    coins = change_for(amount, stock)
    if coins is None:
        # Greedy may only fail when no combination exists at all: check by dynamic programming.
        reachable = {0}
        for coin, n in stock.items():
            reachable = {r + coin * k for r in reachable for k in range(n + 1) if r + coin * k <= amount}
        assert amount not in reachable
    else:
        assert sum(c * n for c, n in coins.items()) == amount
        assert all(n <= stock.get(c, 0) for c, n in coins.items())


def test_device_from_the_example_config() -> None:
    from pathlib import Path

    from kiosk.config import load_config
    from kiosk.payment import from_config

    cfg = load_config(Path(__file__).resolve().parents[3] / "kiosk" / "examples" / "kiosk.toml")
    dev = from_config(cfg.payment)
    assert dev.accepts == frozenset({10, 50, 100, 500, 1000}) and dev.stock[100] == 50
