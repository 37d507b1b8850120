"""Helpers shared by the transition modules: moving between states and ending a transaction.

The end of every transaction goes the same way (docs/architecture.md step 8, issue 5): the card first (alert
until removed), then documents / receipt / money, then thank-you; and everything about the resident
is dropped by swapping the context for ``Context.fresh()`` and telling the runner to ``WipeResident``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kiosk.flow.codes import error_key, out_of_service_key
from kiosk.flow.context import Context, Ending, Outcome
from kiosk.flow.effects import Effect, PlaySound, StopSound, WipeResident
from kiosk.flow.settings import FlowSettings
from kiosk.flow.states import State

__all__ = ["Env", "Handler", "after_card", "end", "error", "finish", "go", "stay", "to_thank_you"]


@dataclass(frozen=True)
class Env:
    """What a handler may read besides the context: settings, the time now, the current state."""

    settings: FlowSettings
    now: float
    state: State
    wall: float = 0.0  # wall-clock epoch seconds (what a slip and the 23:00 countdown are dated by)


Handler = Callable[[Env, Context, Any], Outcome]


def go(env: Env, ctx: Context, state: State, *effects: Effect, **changes: Any) -> Outcome:
    """Enter ``state``: timers restart, the warning and the previous screen's message go away."""
    fields: dict[str, Any] = {"entered_at": env.now, "active_at": env.now, "warning": False,
                              "message_key": None}
    fields.update(changes)
    return Outcome(state, replace(ctx, **fields), effects)


def stay(env: Env, ctx: Context, *effects: Effect, **changes: Any) -> Outcome:
    return Outcome(env.state, replace(ctx, **changes) if changes else ctx, effects)


def error(env: Env, ctx: Context, code: str, *effects: Effect, reason: str | None = None,
          **changes: Any) -> Outcome:
    """Show the ERROR screen for a fault/refusal code; remember if the kiosk must stop afterwards."""
    oos = out_of_service_key(code) or ctx.pending_oos
    return go(env, ctx, State.ERROR, *effects, message_key=error_key(code, reason), pending_oos=oos,
              ending=ctx.ending or "failed", **changes)


def end(env: Env, ctx: Context, ending: Ending, *effects: Effect) -> Outcome:
    """Finish the transaction: take the card first when it is still on the reader.

    What identifies the resident (typed PIN digits, certificate, session, household names) is dropped
    here, not only at the final wipe: a card left on the reader must not keep it alive on the "take
    your card" screen, which waits without a time limit.  What the remaining screens show (money, order
    id for the receipt) stays until the wipe.
    """
    ctx = replace(ctx, ending=ending, pin="", certificate=None, session_id=None, municipalities=(),
                  members=())
    if ctx.card_present:
        return go(env, ctx, State.TAKE_CARD, *effects, PlaySound("take_card", loop=True))
    return after_card(env, ctx, *effects)


def after_card(env: Env, ctx: Context, *effects: Effect) -> Outcome:
    """The card is off the reader: documents / receipt / money to take, or straight to the end."""
    if ctx.ending == "success" or ctx.refund > 0 or ctx.change > 0:
        return go(env, ctx, State.TAKE_DOCUMENTS, *effects, PlaySound("take_documents"))
    return finish(env, ctx, *effects)


def to_thank_you(env: Env, ctx: Context, *effects: Effect) -> Outcome:
    """Wipe and thank; the language stays for the thank-you screen (it is not personal data)."""
    fresh = Context.fresh(ctx, language=ctx.language)
    return go(env, fresh, State.THANK_YOU, *effects, StopSound(), WipeResident())


def finish(env: Env, ctx: Context, *effects: Effect) -> Outcome:
    """Wipe and go idle: OUT_OF_SERVICE when a fault said so, else ATTRACT."""
    fresh = Context.fresh(ctx, language=env.settings.default_language)
    if fresh.pending_oos is not None:
        return go(env, replace(fresh, pending_oos=None), State.OUT_OF_SERVICE, *effects, StopSound(),
                  WipeResident(), message_key=fresh.pending_oos)
    return go(env, fresh, State.ATTRACT, *effects, StopSound(), WipeResident())
