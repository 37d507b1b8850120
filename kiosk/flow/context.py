"""The transaction's context: everything the flow remembers between events.

Frozen and replaced on every change (``dataclasses.replace``), never mutated, so a test can hold the
object of one step and compare; at the end of a transaction the whole object is swapped for
``Context.fresh()``, which carries nothing about the resident (docs/domain.md §3: the kiosk must
not retain data).  Fields holding personal data are hidden from ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kiosk.flow.effects import Effect
from kiosk.flow.services import Municipality, Service
from kiosk.flow.states import State

__all__ = ["RESIDENT_FIELDS", "Context", "Outcome"]

Ending = Literal["", "success", "cancelled", "failed"]


@dataclass(frozen=True)
class Context:
    # Kiosk-level (not about the resident) ---------------------------------------------------------
    language: str = "ja"
    pending_oos: str | None = None  # OUT_OF_SERVICE notice to show when this transaction ends
    held_oos: str | None = None  # an operator's remote out-of-service notice: devices passing do not end it
    message_key: str | None = None  # what the current screen says (error, hint, OOS reason)
    entered_at: float = 0.0  # when the current state was entered (watchdog / message timers)
    active_at: float = 0.0  # last resident input (inactivity timer)
    warning: bool = False
    warned_at: float = 0.0
    checked_at: float = 0.0  # the idle device poll's last run (0: poll at the first tick)
    # The resident ----------------------------------------------------------------------------------
    card_present: bool = False
    certificate: bytes | None = field(default=None, repr=False)
    tries_left: int | None = None
    pin: str = field(default="", repr=False)
    session_id: str | None = field(default=None, repr=False)
    municipalities: tuple[Municipality, ...] = field(default=(), repr=False)
    municipality: Municipality | None = field(default=None, repr=False)
    service: Service | None = None
    whose: str = "self"
    whose_chosen: bool = False  # the WHOSE screen highlights a choice only once the resident made it
    members: tuple[str, ...] = field(default=(), repr=False)
    items: frozenset[str] = frozenset()
    tax_year: int | None = None
    copies: int = 1
    history: tuple[State, ...] = ()  # back stack of the selection screens (Electrum navmap)
    order_id: str | None = None
    fee_total: int | None = None
    inserted: int = 0
    paid: int = 0
    change: int = 0
    refund: int = 0
    pages_done: int = 0
    pages_total: int = 0
    seconds_per_page: float | None = None  # the printer's measured rate, from the runtime's PrintProgress
    page_at: float = 0.0  # when the last page came out (flow clock): the time left counts down from it
    abort_cause: str | None = None  # why a running print job was stopped (card_removed, timeout)
    ending: Ending = ""
    # A refund the cash device could not pay (issue 18): the screen waits for staff (service menu),
    # showing the amount owed, the short reference and the wall-clock time of the failure.
    staff_needed: bool = False
    refund_owed: int = 0
    failed_wall: float | None = None  # epoch seconds (Flow's wall clock)
    card_left: bool = False  # the card stayed on the reader past take_card_staff: staff were called
    back_to: State | None = None  # the screen the staff gesture left (it comes back if login is abandoned)
    back_key: str | None = None

    @classmethod
    def fresh(cls, previous: Context | None = None, *, language: str = "ja") -> Context:
        """A context with nothing about any resident; keeps the pending out-of-service notice."""
        if previous is None:
            return cls(language=language)
        return cls(
            language=language,
            pending_oos=previous.pending_oos,
            held_oos=previous.held_oos,
            # The reader's physical state, not the resident's data: a card left on the reader must
            # still be noticed (and the flow only wipes after TAKE_CARD saw it removed).
            card_present=previous.card_present,
        )

    @property
    def fee_per_copy(self) -> int | None:
        return None if self.service is None else self.service.fee


# The fields a wiped context must hold at their defaults (tests check them; docs/kiosk-flow.md).
RESIDENT_FIELDS = (
    "certificate", "tries_left", "pin", "session_id", "municipalities", "municipality",
    "service", "whose", "members", "items", "tax_year", "copies", "history", "order_id", "fee_total",
    "inserted", "paid", "change", "refund", "pages_done", "pages_total", "seconds_per_page", "page_at",
    "abort_cause", "ending",
    "whose_chosen", "staff_needed", "refund_owed", "failed_wall", "card_left", "back_to", "back_key",
)


@dataclass(frozen=True)
class Outcome:
    """What a transition decided: the next state, the next context and the effects to run."""

    state: State
    ctx: Context
    effects: tuple[Effect, ...] = ()
