"""In-process simulated card, center, cash device and printer for the demo and the UI tests (no Kivy).

They answer the flow's effects with the events the real devices would send (docs/architecture.md steps 1–8),
in
the same order, so the UI runs the real ``kiosk.flow.Flow`` end to end.  Everything here is synthetic:
the municipalities 見本市/試験町, the people 見本 太郎/花子 and the certificate bytes are invented.
Payment and printing answer only when ``auto_pay``/``auto_print`` is set; otherwise a test feeds
``MoneyInserted``/``PrintProgress`` itself to show those screens mid-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from card.contract import AUTH_PIN_TRIES
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow import parse_municipalities
from kiosk.flow.faults import Fault
from kiosk.service_menu import StatusLine

__all__ = ["SAMPLE_MUNICIPALITIES", "SimulatedBackend", "SimulatedDevices"]

SAMPLE_MUNICIPALITIES: list[dict[str, Any]] = [  # the shape of docs/kiosk-flow.md "Center data"
    {
        "code": "139991", "name": "東京都見本市", "relation": "residence",
        "services": [
            {"certificate": "juminhyo", "available": True, "fee": 200, "max_copies": 5,
             "options": {"scope": ["self", "household"], "householder_relationship": True, "honseki": True,
                         "my_number": False},
             "members": [{"id": "m1", "name": "見本　太郎"}, {"id": "m2", "name": "見本　花子"}]},
            {"certificate": "kisaijiko", "available": True, "fee": 200,
             "options": {"scope": ["self", "household"], "householder_relationship": True, "honseki": True,
                         "my_number": False}},
            {"certificate": "inkan", "available": True, "fee": 200, "options": {}},
            {"certificate": "kazei", "available": True, "fee": 300, "options": {"years": [2025, 2026]}},
            {"certificate": "fuhyo", "available": False, "reason": "support_measure", "fee": 200},
        ],
    },
    {
        "code": "279998", "name": "大阪府試験町", "relation": "honseki",
        "services": [
            {"certificate": "koseki", "available": True, "fee": 450, "options": {"kind": ["zenbu", "kojin"]}},
            {"certificate": "fuhyo", "available": True, "fee": 300,
             "options": {"scope": ["self", "all"], "honseki": True}},
        ],
    },
]

_CERT = b"\x30\x82synthetic-user-auth-certificate"


@dataclass
class SimulatedDevices:
    """``EffectHandler`` for ``LocalPort``: ``handler(effect) -> events``."""

    pin: str = "1234"
    tries_left: int = AUTH_PIN_TRIES
    municipalities: list[dict[str, Any]] = field(default_factory=lambda: SAMPLE_MUNICIPALITIES)
    auto_pay: bool = False
    auto_print: bool = False
    printer_fault: str | None = None  # e.g. "printer_paper_end": the next print fails
    refuse: dict[str, str] = field(default_factory=dict)  # call ("authenticate", "order", "issue") → code
    on_receipt: Callable[[dt.date, str, int], None] | None = None  # service-menu counters
    sounds: list[str] = field(default_factory=list)
    hold: set[str] = field(default_factory=set)  # effect names left unanswered (a test answers them)
    _orders: int = 0

    def __call__(self, effect: fx.Effect) -> Iterable[evt.Event]:
        if type(effect).__name__ in self.hold:
            return ()
        method = getattr(self, "_" + type(effect).__name__, None)
        return method(effect) if method is not None else ()

    def _ReadCard(self, e: fx.ReadCard) -> Iterable[evt.Event]:  # noqa: N802 - named after the effect
        return [evt.CardRead(_CERT, self.tries_left)]

    def _VerifyPin(self, e: fx.VerifyPin) -> Iterable[evt.Event]:  # noqa: N802
        if self.tries_left == 0:
            return [evt.PinResult(False, 0)]
        if e.pin == self.pin:
            self.tries_left = AUTH_PIN_TRIES
            return [evt.PinResult(True, AUTH_PIN_TRIES)]
        self.tries_left -= 1
        return [evt.PinResult(False, self.tries_left)]

    def _Authenticate(self, e: fx.Authenticate) -> Iterable[evt.Event]:  # noqa: N802
        if "authenticate" in self.refuse:
            return [evt.CenterError(self.refuse["authenticate"], "authenticate")]
        return [evt.Authenticated("sim-session", parse_municipalities(self.municipalities))]

    def _fee(self, municipality: str, certificate: str) -> int:
        for m in self.municipalities:
            for s in m["services"]:
                if m["code"] == municipality and s["certificate"] == certificate:
                    return int(s.get("fee", 0))
        return 0

    def _CreateOrder(self, e: fx.CreateOrder) -> Iterable[evt.Event]:  # noqa: N802
        if "order" in self.refuse:
            return [evt.CenterError(self.refuse["order"], "order")]
        self._orders += 1
        return [evt.OrderCreated(f"sim-{self._orders}", self._fee(e.municipality, e.certificate) * e.copies)]

    def _StartPayment(self, e: fx.StartPayment) -> Iterable[evt.Event]:  # noqa: N802
        if not self.auto_pay:
            return ()
        paid = -(-e.amount // 1000) * 1000  # one ¥1,000 note per thousand
        return [evt.MoneyInserted(paid), evt.PaymentComplete(paid, paid - e.amount)]

    def _Issue(self, e: fx.Issue) -> Iterable[evt.Event]:  # noqa: N802
        if "issue" in self.refuse:
            return [evt.CenterError(self.refuse["issue"], "issue")]
        return [evt.Issued(({"content": {"type": "sim"}, "seal": "SIM"},))]

    def _Print(self, e: fx.Print) -> Iterable[evt.Event]:  # noqa: N802
        pages = len(e.documents)
        if self.printer_fault is not None:
            code, self.printer_fault = self.printer_fault, None
            return [evt.PrinterFault(Fault(code), 0)]
        if not self.auto_print:
            return ()
        return [*(evt.PrintProgress(i, pages) for i in range(1, pages + 1)), evt.Printed(pages)]

    def _PrintReceipt(self, e: fx.PrintReceipt) -> Iterable[evt.Event]:  # noqa: N802
        if self.on_receipt is not None:
            self.on_receipt(dt.date.today(), e.certificate, e.copies)
        return ()

    def _CompleteOrder(self, e: fx.CompleteOrder) -> Iterable[evt.Event]:  # noqa: N802
        return [evt.Completed(e.order_id)]

    def _Refund(self, e: fx.Refund) -> Iterable[evt.Event]:  # noqa: N802
        return [evt.Refunded(e.amount)]

    def _PlaySound(self, e: fx.PlaySound) -> Iterable[evt.Event]:  # noqa: N802
        self.sounds.append(e.name)
        return ()


@dataclass
class SimulatedBackend:
    """``kiosk.service_menu.ServiceBackend`` for the demo: every device answers OK."""

    on_restart: Callable[[], None] | None = None
    paper_near_end: bool = False

    def device_status(self) -> list[StatusLine]:
        return [StatusLine("reader", "ok"),
                StatusLine("printer", "warning" if self.paper_near_end else "ok",
                           "paper_near_end" if self.paper_near_end else None),
                StatusLine("payment", "ok"), StatusLine("center", "ok", latency_ms=1.0)]

    def test_print(self) -> StatusLine:
        return StatusLine("printer", "ok")

    def test_reader(self) -> StatusLine:
        return StatusLine("reader", "ok")

    def paper_replenished(self) -> None:
        self.paper_near_end = False

    def restart(self) -> None:
        if self.on_restart is not None:
            self.on_restart()
