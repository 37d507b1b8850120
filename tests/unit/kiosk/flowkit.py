"""Helpers to drive ``kiosk.flow.Flow`` headless: a fake clock, synthetic center data, step drivers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.flow import Flow, FlowSettings, Timeouts
from kiosk.flow import effects as fx
from kiosk.flow import states as st
from kiosk.flow.services import Municipality, parse_municipalities
from kiosk.flow.states import State

CERT = b"\x30\x82synthetic-der"
PIN = "1234"

# Synthetic municipalities in the shape the center sends (docs/kiosk-flow.md "Center data").
RAW_MUNICIPALITIES: list[dict[str, Any]] = [
    {
        "code": "139991", "name": "東京都見本市", "relation": "residence",
        "services": [
            {"certificate": "juminhyo", "name": "住民票の写し", "available": True, "fee": 200,
             "max_copies": 5,
             "options": {"scope": ["self", "household"], "householder_relationship": True, "honseki": True,
                         "my_number": False},
             # 世帯の一部: an extension the flow supports when the center lists the members.
             "members": [{"id": "m1", "name": "見本　太郎"}, {"id": "m2", "name": "見本　花子"}]},
            {"certificate": "kisaijiko", "available": True, "fee": 200,
             "options": {"scope": ["self", "household"], "householder_relationship": True, "honseki": True,
                         "my_number": False}},
            {"certificate": "inkan", "available": True, "fee": 200, "options": {}},
            {"certificate": "kazei", "available": True, "fee": 300, "options": {"years": [2025, 2026]}},
            {"certificate": "fuhyo", "available": False, "reason": "support_measure", "fee": 200,
             "message": "支援措置の対象のため、窓口でお手続きください / support measure in place"},
        ],
    },
    {
        "code": "279998", "name": "大阪府試験町", "relation": "honseki",
        "services": [
            {"certificate": "koseki", "available": True, "fee": 350, "options": {"kind": ["zenbu", "kojin"]}},
            {"certificate": "fuhyo", "available": True, "fee": 200,
             "options": {"scope": ["self", "all"], "honseki": True}},
        ],
    },
]


def municipalities() -> tuple[Municipality, ...]:
    return parse_municipalities(RAW_MUNICIPALITIES)


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


TIMEOUTS = Timeouts(idle_warn=60, idle_cancel=20, message=30, card_read=20, center=45, print_progress=180,
                    refund=60, take_documents=30, thank_you=5)


@dataclass
class Kiosk:
    """A flow plus everything it emitted, for assertions."""

    clock: FakeClock = field(default_factory=FakeClock)
    settings: FlowSettings = field(default_factory=lambda: FlowSettings(max_copies=10, timeouts=TIMEOUTS))
    flow: Flow = field(init=False)
    effects: list[fx.Effect] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.flow = Flow(self.settings, clock=self.clock)

    @property
    def state(self) -> State:
        return self.flow.state

    def send(self, *events: st.Event) -> list[fx.Effect]:
        out: list[fx.Effect] = []
        for e in events:
            got = self.flow.submit(e)
            out.extend(got)
        self.effects.extend(out)
        return out

    def wait(self, seconds: float) -> list[fx.Effect]:
        """Advance the clock and tick (once per second boundary is not needed: timers are deadlines)."""
        return self.send(st.Tick(self.clock.advance(seconds)))

    def of(self, kind: type[fx.Effect]) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]

    # --- drivers: each leaves the flow in the named state -------------------------------------------

    def to_place_card(self) -> None:
        self.send(st.Touch(), st.ChooseLanguage("ja"), st.Next())
        assert self.state is State.PLACE_CARD

    def to_pin(self, tries: int = 3) -> None:
        self.to_place_card()
        self.send(st.CardInserted())
        assert self.state is State.READING
        self.send(st.CardRead(CERT, tries))
        assert self.state is State.PIN

    def to_municipality(self) -> None:
        self.to_pin()
        for d in PIN:
            self.send(st.PinDigit(d))
        self.send(st.PinSubmitted())
        assert self.state is State.AUTHENTICATING
        self.send(st.PinResult(True, 3), st.Authenticated("sess-1", municipalities()))
        assert self.state is State.MUNICIPALITY

    def to_confirm(self, copies: int = 1) -> None:
        """住民票の写し, whole household, 世帯主・続柄."""
        self.to_municipality()
        self.send(st.MunicipalityChosen("139991", "residence"), st.CertificateChosen("juminhyo"),
                  st.WhoseChosen("household"), st.OptionsChosen(frozenset({"householder_relationship"})),
                  st.CopiesChosen(copies))
        assert self.state is State.CONFIRM

    def to_payment(self, copies: int = 1) -> None:
        self.to_confirm(copies)
        self.send(st.Confirm())
        assert self.state is State.ORDERING
        self.send(st.OrderCreated("ord-1", 200 * copies))
        assert self.state is State.PAYMENT

    def to_issuing(self) -> None:
        self.to_payment()
        self.send(st.MoneyInserted(100), st.MoneyInserted(500), st.PaymentComplete(600, 400))
        assert self.state is State.ISSUING

    def to_printing(self) -> None:
        self.to_issuing()
        self.send(st.Issued(({"content": {"type": "juminhyo"}, "seal": "KJ1:X"},)))
        assert self.state is State.PRINTING


ALL_STEPS = ("place_card", "pin", "municipality", "confirm", "payment", "issuing", "printing")
