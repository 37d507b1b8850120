"""The scripted resident: what a person does on each screen, as data (no Kivy here).

A scenario's ``Resident`` says which certificate to ask for and which PINs to type; ``hooks`` are the
interventions keyed by the state they fire in (take the card away, empty the printer's paper, cut
the power).  :func:`next_action` maps the screen on show to one action for the kiosk process to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.flow import State, View

__all__ = ["Action", "Resident", "next_action"]


@dataclass(frozen=True)
class Resident:
    """What the scripted person wants."""

    certificate: str = "juminhyo"
    relation: str = "residence"  # 住民登録地 or 本籍地 (koseki)
    whose: str = "self"
    pins: tuple[str, ...] = ()  # typed in order; the card's own PIN when empty
    copies: int = 1
    language: str = "ja"
    keypad: bool = False  # operates with the keypad only (JIS X 8341 style), listening to the voice


@dataclass(frozen=True)
class Action:
    """``kind``: touch, press (``arg`` = message key), lang, choose (``arg`` = choice key), pin,
    pay, card (``arg`` = insert/remove), wait (nothing to do: the kiosk is working)."""

    kind: str
    arg: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def next_action(view: View, resident: Resident, pins_typed: int, card_pin: str) -> Action:
    """What the resident does on ``view``'s screen."""
    s = view.state
    simple = {
        State.ATTRACT: Action("touch"),
        State.NOTICE: Action("press", "button.next"),
        State.PLACE_CARD: Action("card", "insert"),
        State.ITEMS: Action("press", "button.next"),
        State.CONFIRM: Action("press", "button.pay"),
        State.PAYMENT: Action("pay"),
        State.TAKE_CARD: Action("card", "remove"),
        State.TAKE_DOCUMENTS: Action("press", "button.done"),
    }
    if s in simple:
        return simple[s]
    if s is State.COPIES:
        return Action("copies", resident.copies)
    if s is State.LANGUAGE:
        return Action("lang", resident.language)
    if s is State.PIN:
        pin = resident.pins[pins_typed] if pins_typed < len(resident.pins) else card_pin
        return Action("pin", pin)
    if s is State.MUNICIPALITY:
        hits = [c for c in view.choices if c.relation == resident.relation and c.available]
        return Action("choose", (hits or list(view.choices))[0].key)
    if s is State.CERTIFICATE:
        return Action("choose", resident.certificate)
    if s is State.WHOSE:
        keys = [c.key for c in view.choices if c.available]
        return Action("choose", resident.whose if resident.whose in keys else keys[0])
    if s is State.MEMBERS:
        return Action("choose", view.choices[0].key, {"then": "button.next"})
    if s is State.TAX_YEAR:
        return Action("choose", view.choices[0].key if view.choices else None)
    return Action("wait")
