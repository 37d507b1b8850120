"""Transitions from the attract loop to an authenticated session, plus the staff service entry.

attract → language → notice → place card → reading → PIN → authenticating → municipality
(docs/architecture.md "One transaction" steps 1-4; docs/domain.md §1.1-1.4).

A smartphone keeps its user-authentication certificate behind the PIN (card.contract).  The card
device refuses the read with ``card_pin_required`` (the adapter knows from the token label, or the token
itself answers 6982), so the flow asks the PIN first and reads the certificate after it:
reading → PIN → authenticating [VerifyPin → ReadCard → Authenticate].  A phone taken away at any point
is ``CardRemoved``, exactly as a card.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.flow._common import Env, Handler, end, error, finish, go, stay
from kiosk.flow.closing import too_late
from kiosk.flow.codes import reason_key
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import Authenticate, ReadCard, VerifyPin
from kiosk.flow.errors import InvalidChoiceError
from kiosk.flow.events import (
    Authenticated,
    Back,
    Cancel,
    CardInserted,
    CardRead,
    CardRemoved,
    CenterError,
    ChooseLanguage,
    DeviceFault,
    DevicesReady,
    Next,
    PinDigit,
    PinErase,
    PinResult,
    PinSubmitted,
    ServiceExit,
    ServiceRequested,
    StaffPinSubmitted,
    Timeout,
    Touch,
)
from kiosk.flow.states import State

__all__ = ["CARD_TABLE"]


def _start(env: Env, ctx: Context, ev: Touch) -> Outcome:
    langs = env.settings.languages
    if len(langs) == 1:
        if too_late(env.wall, env.settings):
            return _closing(env, replace(ctx, language=langs[0]))
        return go(env, ctx, State.NOTICE, language=langs[0])
    return go(env, ctx, State.LANGUAGE, language=env.settings.default_language)


def _oos_language(env: Env, ctx: Context, ev: ChooseLanguage) -> Outcome:
    """The out-of-service notice in the reader's language (the language is the kiosk's, not personal)."""
    if ev.code not in env.settings.languages:
        raise InvalidChoiceError(f"language {ev.code!r} is not offered")
    return stay(env, ctx, language=ev.code)


def _language(env: Env, ctx: Context, ev: ChooseLanguage) -> Outcome:
    if ev.code not in env.settings.languages:
        raise InvalidChoiceError(f"language {ev.code!r} is not offered")
    if too_late(env.wall, env.settings):  # said in the language just chosen, before the card is read
        return _closing(env, replace(ctx, language=ev.code))
    return go(env, ctx, State.NOTICE, language=ev.code)


def _cancel(env: Env, ctx: Context, ev: object) -> Outcome:
    return end(env, ctx, "cancelled")


def _timeout_before_card(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    # Nobody has shown a card yet: nothing to explain, just go back to the attract loop.
    if ev.kind != "idle":
        return stay(env, ctx)
    return end(env, ctx, "cancelled")


def _closing(env: Env, ctx: Context) -> Outcome:
    """Too close to closing time for a transaction to finish: say so before the card is read."""
    return go(env, ctx, State.ERROR, message_key="error.closing_soon", ending="cancelled")


def _notice_next(env: Env, ctx: Context, ev: Next) -> Outcome:
    if too_late(env.wall, env.settings):
        return _closing(env, ctx)
    if ctx.card_present:  # placed early, on the attract screen
        return go(env, ctx, State.READING, ReadCard())
    return go(env, ctx, State.PLACE_CARD)


def _back_to(state: State) -> Handler:
    def handler(env: Env, ctx: Context, ev: Back) -> Outcome:
        if state is State.ATTRACT:
            return end(env, ctx, "cancelled")
        return go(env, ctx, state)

    return handler


def _card_placed(env: Env, ctx: Context, ev: CardInserted) -> Outcome:
    if too_late(env.wall, env.settings):
        return _closing(env, replace(ctx, card_present=True))
    return go(env, ctx, State.READING, ReadCard(), card_present=True)


def _card_removed(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    return error(env, replace(ctx, card_present=False), "card_removed")


def _card_read(env: Env, ctx: Context, ev: CardRead) -> Outcome:
    if ev.tries_left <= 0:
        return go(env, ctx, State.PIN_LOCKED, message_key="error.pin_blocked", ending="failed")
    return go(env, ctx, State.PIN, certificate=ev.certificate, tries_left=ev.tries_left, pin="")


def _card_fault(env: Env, ctx: Context, ev: DeviceFault) -> Outcome:
    return error(env, ctx, ev.code)


def _reading_fault(env: Env, ctx: Context, ev: DeviceFault) -> Outcome:
    if ev.device == "card" and ev.code == "card_pin_required":
        # A phone: the PIN comes first; the certificate is read once it is verified (_pin_result).
        return go(env, ctx, State.PIN, certificate=None, pin="")
    return _card_fault(env, ctx, ev)


def _read_after_pin(env: Env, ctx: Context, ev: CardRead) -> Outcome:
    return stay(env, ctx, Authenticate(ev.certificate), certificate=ev.certificate)


def _watchdog(code: str) -> Handler:
    def handler(env: Env, ctx: Context, ev: Timeout) -> Outcome:
        if ev.kind != "watchdog":
            return stay(env, ctx)
        return error(env, ctx, code)

    return handler


def _idle_error(env: Env, ctx: Context, ev: Timeout) -> Outcome:
    if ev.kind != "idle":
        return stay(env, ctx)
    return error(env, ctx, "timeout", pin="")


def _pin_digit(env: Env, ctx: Context, ev: PinDigit) -> Outcome:
    if len(ev.digit) != 1 or ev.digit not in "0123456789":
        raise InvalidChoiceError("a PIN digit must be one of 0-9")
    if len(ctx.pin) >= env.settings.pin_length:
        return stay(env, ctx)
    return stay(env, ctx, pin=ctx.pin + ev.digit, message_key=None)


def _pin_erase(env: Env, ctx: Context, ev: PinErase) -> Outcome:
    return stay(env, ctx, pin="" if ev.all else ctx.pin[:-1])


def _pin_submit(env: Env, ctx: Context, ev: PinSubmitted) -> Outcome:
    pin = ctx.pin if ev.pin is None else ev.pin
    if len(pin) != env.settings.pin_length or not pin.isdecimal() or not pin.isascii():
        # Not an error of the card: the resident pressed 確定 too early.  Nothing is sent to the card
        # (a wrong-length VERIFY would cost one of the three tries).
        return stay(env, ctx, pin="", message_key="pin.incomplete")
    return go(env, ctx, State.AUTHENTICATING, VerifyPin(pin), pin="")


def _pin_result(env: Env, ctx: Context, ev: PinResult) -> Outcome:
    if ev.ok:
        if ctx.certificate is None:  # a phone: its certificate is readable now that the PIN is verified
            return stay(env, ctx, ReadCard(), tries_left=ev.tries_left)
        return stay(env, ctx, Authenticate(ctx.certificate), tries_left=ev.tries_left)
    if ev.tries_left <= 0:
        return go(env, ctx, State.PIN_LOCKED, message_key="error.pin_blocked", tries_left=0, ending="failed")
    return go(env, ctx, State.PIN, tries_left=ev.tries_left, message_key="pin.wrong")


def _authenticated(env: Env, ctx: Context, ev: Authenticated) -> Outcome:
    # The certificate has done its job; drop it now rather than at the end.
    ctx = replace(ctx, certificate=None)
    if not any(m.available for m in ev.municipalities):
        # Nothing can be issued to this resident today (support measure, moved out, maintenance...):
        # say why at once instead of showing a screen of greyed-out buttons (docs/domain.md §1).
        reasons = {m.reason for m in ev.municipalities}
        key = reason_key(reasons.pop()) if len(reasons) == 1 else None
        return go(env, ctx, State.ERROR, message_key=key or "reason.nothing_available", ending="failed")
    if len(ev.municipalities) == 1:
        # One municipality: nothing to choose, straight to its certificates (issue 18).
        return go(env, ctx, State.CERTIFICATE, session_id=ev.session_id, municipalities=ev.municipalities,
                  municipality=ev.municipalities[0], history=())
    return go(env, ctx, State.MUNICIPALITY, session_id=ev.session_id, municipalities=ev.municipalities,
              history=())


def _center_error(env: Env, ctx: Context, ev: CenterError) -> Outcome:
    return error(env, ctx, ev.code, reason=ev.reason)


def _message_done(env: Env, ctx: Context, ev: object) -> Outcome:
    if isinstance(ev, Timeout) and ev.kind != "message":
        return stay(env, ctx)
    if ctx.staff_needed:
        return stay(env, ctx)  # money is owed: only staff, through the service menu, clear this screen
    return end(env, ctx, ctx.ending or "failed")


def _locked_card_taken(env: Env, ctx: Context, ev: CardRemoved) -> Outcome:
    return end(env, replace(ctx, card_present=False), ctx.ending or "failed")


def _staff_called(env: Env, ctx: Context, ev: ServiceRequested) -> Outcome:
    """The staff gesture on a screen that waits for staff (a refund that failed)."""
    if not ctx.staff_needed:
        return stay(env, ctx)
    return go(env, ctx, State.SERVICE_LOGIN, back_to=env.state, back_key=ctx.message_key)


# --- staff service menu (docs/architecture.md "Store maintenance staff") ------------------------------------


def _service_login(env: Env, ctx: Context, ev: ServiceRequested) -> Outcome:
    oos = ctx.message_key if env.state is State.OUT_OF_SERVICE else None
    return go(env, ctx, State.SERVICE_LOGIN, pending_oos=oos)


def _staff_pin(env: Env, ctx: Context, ev: StaffPinSubmitted) -> Outcome:
    if ev.ok:
        return go(env, ctx, State.SERVICE_MENU)
    return stay(env, ctx, message_key="service.pin_wrong")


def _service_leave(env: Env, ctx: Context, ev: object) -> Outcome:
    if isinstance(ev, Timeout) and ev.kind != "idle":
        return stay(env, ctx)
    if ctx.back_to is not None and not isinstance(ev, ServiceExit):
        # Login abandoned (or the menu left alone): the resident's screen comes back, still waiting.
        return go(env, ctx, ctx.back_to, message_key=ctx.back_key)
    if isinstance(ev, ServiceExit):
        # The staff at the kiosk decide over an operator's remote hold: "in service" ends it too.
        ctx = replace(ctx, pending_oos=None if ev.in_service else "oos.staff",
                      held_oos=None if ev.in_service else ctx.held_oos)
    return finish(env, ctx)


def _ready(env: Env, ctx: Context, ev: DevicesReady) -> Outcome:
    if ctx.held_oos is not None:  # devices are fine, but an operator holds the kiosk out of service
        return go(env, ctx, State.OUT_OF_SERVICE, message_key=ctx.held_oos)
    return go(env, ctx, State.ATTRACT, pending_oos=None, language=env.settings.default_language)


CARD_TABLE: dict[State, dict[type, Handler]] = {
    State.ATTRACT: {Touch: _start, ChooseLanguage: _language, ServiceRequested: _service_login},
    State.LANGUAGE: {ChooseLanguage: _language, Cancel: _cancel, Back: _back_to(State.ATTRACT),
                     Timeout: _timeout_before_card},
    State.NOTICE: {Next: _notice_next, Cancel: _cancel, Back: _back_to(State.LANGUAGE),
                   Timeout: _timeout_before_card},
    State.PLACE_CARD: {CardInserted: _card_placed, Cancel: _cancel, Back: _back_to(State.NOTICE),
                       Timeout: _timeout_before_card},
    State.READING: {CardRead: _card_read, DeviceFault: _reading_fault, CardRemoved: _card_removed,
                    Cancel: _cancel, Timeout: _watchdog("card_timeout")},
    State.PIN: {PinDigit: _pin_digit, PinErase: _pin_erase, PinSubmitted: _pin_submit,
                CardRemoved: _card_removed, Cancel: _cancel, Timeout: _idle_error},
    # Stays until the resident acts (issue 18): the 「カードを取り出す」 button, or taking the card.
    State.PIN_LOCKED: {Next: _message_done, CardRemoved: _locked_card_taken},
    State.AUTHENTICATING: {PinResult: _pin_result, CardRead: _read_after_pin, Authenticated: _authenticated,
                           CenterError: _center_error,
                           DeviceFault: _card_fault, CardRemoved: _card_removed, Cancel: _cancel,
                           Timeout: _watchdog("center_unreachable")},
    State.ERROR: {Next: _message_done, Touch: _message_done, Timeout: _message_done,
                  ServiceRequested: _staff_called},
    State.OUT_OF_SERVICE: {DevicesReady: _ready, ServiceRequested: _service_login,
                           ChooseLanguage: _oos_language},
    State.SERVICE_LOGIN: {StaffPinSubmitted: _staff_pin, Cancel: _service_leave, Back: _service_leave,
                          Timeout: _service_leave},
    State.SERVICE_MENU: {ServiceExit: _service_leave, Timeout: _service_leave},
}
