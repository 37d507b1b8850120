"""Where the resident is in the steps, and what the kiosk says on each screen (pure, no Kivy, no audio).

The UI draws the step indicator from ``step_of(state)`` and speaks ``prompt(view)``; both are decided
here so that every screen, in every language, gets the same guidance (issue 14).  A prompt is a tuple
of message keys, filled from the view like the screen's own texts: the words are the on-screen words,
so the spoken prompt can never disagree with the text.  Nothing here reads a PIN digit: the view only holds
how many were typed.
"""

from __future__ import annotations

from kiosk.flow.states import State
from kiosk.flow.view import View

__all__ = ["STEPS", "STEP_KEYS", "prompt", "repeats", "step_of", "update"]

# カード → 暗証番号 → 証明書 → 確認・お支払い → 印刷
STEP_KEYS: tuple[str, ...] = ("step.card", "step.pin", "step.certificate", "step.confirm", "step.print")
STEPS: dict[State, int] = {
    State.PLACE_CARD: 0, State.READING: 0,
    State.PIN: 1, State.PIN_LOCKED: 1, State.AUTHENTICATING: 1,
    State.MUNICIPALITY: 2, State.CERTIFICATE: 2, State.WHOSE: 2, State.MEMBERS: 2, State.ITEMS: 2,
    State.TAX_YEAR: 2, State.COPIES: 2, State.ORDERING: 2,
    State.CONFIRM: 3, State.PAYMENT: 3, State.ISSUING: 3,
    State.PRINTING: 4, State.REFUNDING: 4, State.TAKE_CARD: 4, State.TAKE_DOCUMENTS: 4,
}

# Screens that keep asking until the resident acts ("don't leave your card behind", domain §1.10).
_REPEATING = frozenset({State.TAKE_CARD, State.TAKE_DOCUMENTS})
# Screens with nobody to speak to (staff) or that speak through the attract slides' own title.
_SILENT = frozenset({State.SERVICE_LOGIN, State.SERVICE_MENU})
# Extra sentences after the title, per screen (message keys of kiosk.flow.messages / kiosk.ui.strings).
_AFTER_TITLE: dict[State, tuple[str, ...]] = {
    State.NOTICE: ("screen.notice.body",),
    State.PLACE_CARD: ("place_card.note",),
    State.TAKE_CARD: ("take_card.alert",),
}


def step_of(state: State) -> int | None:
    """Index into ``STEP_KEYS`` of the step ``state`` belongs to; None off the transaction's steps."""
    return STEPS.get(state)


def repeats(state: State) -> bool:
    """True on screens whose prompt is repeated until the resident acts."""
    return state in _REPEATING


def _printing(view: View) -> tuple[str, ...]:
    """PRINTING says what it is doing once, when the screen appears (no page count is known yet), and
    not again for every page: a sentence per page would talk over itself for a resident who only has
    to wait.  The progress, page and time left, is said when asked for (もう一度聞く, ``#``), from the
    view of that moment; a stopped job says why."""
    if view.message_key:  # printing.aborting
        return (view.message_key,)
    if view.page_now == 0:
        return ("screen.printing", "printing.stay")
    left = (view.print_left_key,) if view.print_left_key else ()
    return ("printing.page", *left, "printing.stay")


def prompt(view: View) -> tuple[str, ...]:
    """The message keys the kiosk says when ``view`` appears (and again on request), in order."""
    state = view.state
    if state in _SILENT:
        return ()
    out: list[str] = []
    if state is State.PRINTING:
        out.extend(_printing(view))
    elif state is State.ERROR or state is State.OUT_OF_SERVICE:
        out.append(view.message_key or f"screen.{state.value}")
    elif state is State.TAKE_DOCUMENTS:  # its title says what is in the tray (certificates or a refund)
        out.append(view.message_key or "screen.take_documents")
        if view.change:
            out.append("screen.take_documents.change")
    else:
        out.append(f"screen.{state.value}")
        if state is State.PIN_LOCKED and view.message_key:
            out.append(view.message_key)
        out.extend(_AFTER_TITLE.get(state, ()))
        if state is State.PIN and view.message_key:
            out.append(view.message_key)
            if view.tries_left is not None:
                out.append("screen.pin.tries")
        if state is State.CONFIRM and view.fee is not None:
            out.append("screen.confirm.fee")
    if view.money_key:
        out.append(view.money_key)
    return tuple(out)


def update(old: View, new: View) -> tuple[str, ...]:
    """What to say when a screen changes without being a new screen (same state, language and
    message): on PAYMENT, the amount still due after each coin or note (「あと100円」), so a resident
    who cannot see the screen knows how much more to insert; nothing otherwise (a printed page, a
    tick of a countdown, a typed PIN digit say nothing)."""
    if new.state is State.PAYMENT and new.inserted != old.inserted and new.due > 0:
        return ("screen.payment.due",)
    return ()
