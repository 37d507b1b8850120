"""``Flow``: the whole transaction as one table-driven state machine (no Kivy, no I/O).

``TABLE[state][type(event)]`` names the handler of each legal event (h11's ``_state.py``, docs/style.md
§1); handlers are small pure functions returning ``(next state, next context, effects)``.
``GLOBAL`` holds the few events every state treats the same way (the card going on or off the reader
while nothing depends on it, late center answers about ``complete``, faults of idle devices).

Events with no handler (docs/kiosk-flow.md "Illegal events"):
1. results tagged with an older ``generation`` (an earlier transaction's) are dropped;
2. resident input (a tap) is ignored: double taps and taps during a screen change are normal;
3. a device/center result is ignored when the flow gave up waiting for it in this transaction
   (cancel, timeout, card removal), and raises ``IllegalEventError`` otherwise.
In every one of these cases the state and context are unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from kiosk.flow import events as evt
from kiosk.flow._common import Env, Handler, go, stay
from kiosk.flow.codes import out_of_service_key
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import Effect, PlaySound, WipeResident
from kiosk.flow.errors import IllegalEventError, InvalidChoiceError
from kiosk.flow.events import Event
from kiosk.flow.idle import device_check, devices_polled
from kiosk.flow.remote import remote_service
from kiosk.flow.settings import FlowSettings
from kiosk.flow.states import State
from kiosk.flow.steps_card import CARD_TABLE
from kiosk.flow.steps_pay import PAY_TABLE
from kiosk.flow.steps_select import SELECT_TABLE
from kiosk.flow.timers import IDLE_STATES, due
from kiosk.flow.view import View
from kiosk.flow.view_builder import build_view

__all__ = ["GLOBAL", "TABLE", "USER_INPUT", "WAITING", "Flow"]

log = logging.getLogger(__name__)

TABLE: dict[State, dict[type, Handler]] = {**CARD_TABLE, **SELECT_TABLE, **PAY_TABLE}

USER_INPUT: tuple[type, ...] = (
    evt.Touch, evt.ChooseLanguage, evt.Next, evt.Back, evt.Cancel, evt.StillHere, evt.PinDigit, evt.PinErase,
    evt.PinSubmitted, evt.MunicipalityChosen, evt.CertificateChosen, evt.WhoseChosen, evt.MembersChosen,
    evt.OptionsChosen, evt.TaxYearChosen, evt.CopiesChosen, evt.Confirm, evt.DocumentsTaken,
    evt.ServiceRequested, evt.StaffPinSubmitted, evt.ServiceExit,
)

# What a waiting state expects back from the effect it started; leaving the state any other way makes
# these "late" for the rest of the transaction.
WAITING: dict[State, frozenset[type]] = {
    State.READING: frozenset({evt.CardRead, evt.DeviceFault}),
    State.AUTHENTICATING: frozenset({evt.PinResult, evt.Authenticated, evt.CenterError, evt.DeviceFault}),
    State.ORDERING: frozenset({evt.OrderCreated, evt.CenterError}),
    State.PAYMENT: frozenset({evt.MoneyInserted, evt.PaymentComplete, evt.PaymentFault, evt.Refunded}),
    State.ISSUING: frozenset({evt.Issued, evt.CenterError}),
    State.PRINTING: frozenset({evt.PrintProgress, evt.Printed, evt.PrinterFault, evt.DeviceFault}),
    State.REFUNDING: frozenset({evt.Refunded, evt.PaymentFault}),
}

_IDLE_DEVICE_STATES = frozenset({State.ATTRACT})


def _card_on(env: Env, ctx: Context, ev: evt.CardInserted) -> Outcome:
    return stay(env, ctx, card_present=True)


def _card_off(env: Env, ctx: Context, ev: evt.CardRemoved) -> Outcome:
    return stay(env, ctx, card_present=False)


def _nothing(env: Env, ctx: Context, ev: Event) -> Outcome:
    return stay(env, ctx)


def _warn(env: Env, ctx: Context, ev: evt.Timeout) -> Outcome:
    if ev.kind == "device_check":
        return device_check(env, ctx, ev)
    if ev.kind != "warn" or env.state not in IDLE_STATES or ctx.warning:
        return stay(env, ctx)
    return stay(env, ctx, PlaySound("warning"), warning=True, warned_at=env.now)


# Screens where no resident is being served: the language bar is not shown there, a stray
# ChooseLanguage changes nothing.
_NO_RESIDENT = frozenset({State.ATTRACT, State.OUT_OF_SERVICE, State.SERVICE_LOGIN, State.SERVICE_MENU})


def _switch_language(env: Env, ctx: Context, ev: evt.ChooseLanguage) -> Outcome:
    """The language bar on every resident screen (docs/kiosk-ui.md): switch, stay on the screen.

    ``stay`` keeps ``entered_at``, so a waiting state's watchdog and a message's timeout run on
    unchanged; like any tap, it restarts the inactivity timer (``Flow._commit``).
    """
    if env.state in _NO_RESIDENT:
        return stay(env, ctx)
    if ev.code not in env.settings.languages:
        raise InvalidChoiceError(f"language {ev.code!r} is not offered")
    return stay(env, ctx, language=ev.code)


def _late_center_error(env: Env, ctx: Context, ev: evt.CenterError) -> Outcome:
    # A `complete` that could not reach the center stays open in the journal and is retried by the
    # recovery; the kiosk itself cannot serve the next resident without the center, so it stops.
    return stay(env, ctx, pending_oos=out_of_service_key(ev.code) or ctx.pending_oos)


def _fault(code: str, env: Env, ctx: Context) -> Outcome:
    oos = out_of_service_key(code)
    if oos is None:
        return stay(env, ctx)
    if env.state in _IDLE_DEVICE_STATES:
        return go(env, ctx, State.OUT_OF_SERVICE, message_key=oos)
    if env.state is State.OUT_OF_SERVICE and ctx.held_oos is None:
        # Already out of service: the notice says what is wrong now (e.g. the check after an operator
        # ended a remote hold found the paper out), unless an operator holds the kiosk.
        return stay(env, ctx, message_key=oos)
    return stay(env, ctx, pending_oos=oos)


def _device_fault(env: Env, ctx: Context, ev: evt.DeviceFault) -> Outcome:
    return _fault(ev.code, env, ctx)


def _payment_fault(env: Env, ctx: Context, ev: evt.PaymentFault) -> Outcome:
    return _fault(ev.code, env, ctx)


GLOBAL: dict[type, Handler] = {
    evt.CardInserted: _card_on,
    evt.CardRemoved: _card_off,
    evt.Completed: _nothing,
    evt.DevicesReady: _nothing,  # the start-up check passing while the kiosk is already in service
    evt.StillHere: _nothing,
    evt.ChooseLanguage: _switch_language,
    evt.Timeout: _warn,
    evt.CenterError: _late_center_error,
    evt.DeviceFault: _device_fault,
    evt.PaymentFault: _payment_fault,
    evt.RemoteService: remote_service,
    evt.DevicesPolled: devices_polled,
}


class Flow:
    """The transaction state machine.  Not thread-safe: one owner (the runner's worker) submits.

    :param settings: timeouts, languages and limits (``KioskConfig.flow_settings()``).
    :param clock: monotonic seconds; injected so tests run every timeout in microseconds.
    :param wall_clock: epoch seconds, for what is dated in Japan time (a refund slip, closing time).
    """

    def __init__(
        self, settings: FlowSettings | None = None, clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings or FlowSettings()
        self._clock = clock
        self._wall = wall_clock
        self._state = State.ATTRACT
        now = clock()
        self._ctx = Context(language=self._settings.default_language, entered_at=now, active_at=now)
        self._generation = 0
        self._late: set[type] = set()

    @property
    def state(self) -> State:
        return self._state

    @property
    def context(self) -> Context:
        """The current context (immutable; a new object after every change)."""
        return self._ctx

    @property
    def generation(self) -> int:
        """Counts wiped transactions; the runner tags effects with it to drop stale results."""
        return self._generation

    @property
    def view(self) -> View:
        return build_view(self._state, self._ctx, self._settings, self._clock(), self._wall())

    def submit(self, event: Event, *, generation: int | None = None) -> list[Effect]:
        """Feed one event; returns the effects to run, in order.

        :param generation: the ``generation`` the event's originating effect was issued in (runner).
        :raises IllegalEventError: a device/center event this state never expects (state unchanged).
        :raises InvalidChoiceError: a selection naming something not offered (state unchanged).
        """
        if generation is not None and generation != self._generation:
            log.debug("dropped %s from an earlier transaction", type(event).__name__)
            return []
        if isinstance(event, evt.Tick):
            fired = due(self._state, self._ctx, self._settings.timeouts, event.now)
            return [] if fired is None else self._apply(fired, event.now)
        return self._apply(event, self._clock())

    def _apply(self, event: Event, now: float) -> list[Effect]:
        kind = type(event)
        handler = TABLE.get(self._state, {}).get(kind) or GLOBAL.get(kind)
        if isinstance(event, evt.Timeout) and event.kind == "warn":
            handler = _warn  # the same in every resident screen
        if handler is None:
            if isinstance(event, USER_INPUT):
                log.debug("ignored tap %s in %s", kind.__name__, self._state.name)
                return []
            if kind in self._late:
                log.info("ignored late %s in %s", kind.__name__, self._state.name)
                return []
            raise IllegalEventError(f"{kind.__name__} is not expected in state {self._state.name}")
        out = handler(Env(self._settings, now, self._state, self._wall()), self._ctx, event)
        self._commit(event, out, now)
        return list(out.effects)

    def _commit(self, event: Event, out: Outcome, now: float) -> None:
        ctx = out.ctx
        if isinstance(event, (*USER_INPUT, evt.MoneyInserted)) and out.state is self._state:
            ctx = replace(ctx, active_at=now, warning=False)  # any input restarts the inactivity timer
        waited = WAITING.get(self._state, frozenset())
        if out.state is not self._state and waited and type(event) not in waited:
            self._late |= waited
        if any(isinstance(e, WipeResident) for e in out.effects):
            self._generation += 1
            self._late.clear()
        if out.state is not self._state:
            log.info("flow %s -> %s on %s", self._state.name, out.state.name, type(event).__name__)
        self._state, self._ctx = out.state, ctx
