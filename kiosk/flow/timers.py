"""Which deadline each state runs, computed from the injected clock (no threads, no sleeps).

Three kinds (docs/kiosk-flow.md "Timeouts"):
- resident screens run the inactivity timer: ``idle_warn`` seconds without input → ``Timeout("warn")``
  (the screen asks "続けますか?"), then ``idle_cancel`` more → ``Timeout("idle")`` (cancel);
- waiting states run a watchdog: no answer from the card, center, printer or cash device in time →
  ``Timeout("watchdog")`` (a print job never outlives its transaction, docs/architecture.md);
- message screens show for a while and then go on by themselves → ``Timeout("message")``;
- the idle kiosk (ATTRACT, OUT_OF_SERVICE) polls its devices every ``device_check`` seconds →
  ``Timeout("device_check")`` (``kiosk.flow.idle``); no screen counts it down.
"""

from __future__ import annotations

from kiosk.flow.context import Context
from kiosk.flow.events import Timeout
from kiosk.flow.settings import Timeouts
from kiosk.flow.states import State

__all__ = ["DEVICE_CHECK_STATES", "IDLE_STATES", "MESSAGE_STATES", "WATCHDOG_STATES", "due", "seconds_left"]

IDLE_STATES = frozenset({
    State.LANGUAGE, State.NOTICE, State.PLACE_CARD, State.PIN, State.MUNICIPALITY, State.CERTIFICATE,
    State.WHOSE, State.MEMBERS, State.ITEMS, State.TAX_YEAR, State.COPIES, State.CONFIRM, State.PAYMENT,
    State.SERVICE_LOGIN, State.SERVICE_MENU,
})
WATCHDOG_STATES = {
    State.READING: "card_read",
    State.AUTHENTICATING: "center",
    State.ORDERING: "center",
    State.ISSUING: "center",
    State.PRINTING: "print_progress",
    State.REFUNDING: "refund",
}
# Message screens that ask for an action and wait for it: the PIN-locked screen (take the card).
HOLD_STATES = frozenset({State.PIN_LOCKED})
MESSAGE_STATES = {
    State.ERROR: "message",
    State.PIN_LOCKED: "message",
    State.TAKE_DOCUMENTS: "take_documents",
    State.THANK_YOU: "thank_you",
}


def _deadline(state: State, ctx: Context, t: Timeouts) -> tuple[float, Timeout] | None:
    if state in IDLE_STATES:
        if ctx.warning:
            return ctx.warned_at + t.idle_cancel, Timeout("idle")
        return ctx.active_at + t.idle_warn, Timeout("warn")
    if state in WATCHDOG_STATES:
        return ctx.entered_at + float(getattr(t, WATCHDOG_STATES[state])), Timeout("watchdog")
    if state is State.TAKE_CARD:  # waits for the card without a limit; staff are called once
        return None if ctx.card_left else (ctx.entered_at + t.take_card_staff, Timeout("message"))
    if state in MESSAGE_STATES:
        if state in HOLD_STATES or (state is State.ERROR and ctx.staff_needed):
            return None  # a message that asks for action stays until the action (issue 18)
        return ctx.entered_at + float(getattr(t, MESSAGE_STATES[state])), Timeout("message")
    return None


# Where no resident is served: the kiosk polls its devices instead (kiosk.flow.idle).
DEVICE_CHECK_STATES = frozenset({State.ATTRACT, State.OUT_OF_SERVICE})


def due(state: State, ctx: Context, t: Timeouts, now: float) -> Timeout | None:
    """The timeout that has fired at ``now``, if any."""
    if state in DEVICE_CHECK_STATES:
        return Timeout("device_check") if now >= ctx.checked_at + t.device_check else None
    d = _deadline(state, ctx, t)
    if d is None or now < d[0]:
        return None
    return d[1]


def seconds_left(state: State, ctx: Context, t: Timeouts, now: float) -> float | None:
    """Seconds until the current state's next deadline (None when it has none)."""
    d = _deadline(state, ctx, t)
    return None if d is None else max(0.0, d[0] - now)
