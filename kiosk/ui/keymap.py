"""Key code → keypad action, JIS X 8341 style (pure: no Kivy, so it is tested without a window)."""

from __future__ import annotations

__all__ = ["key_action"]

# SDL key codes as Kivy reports them.
_ARROWS = {273: "prev", 276: "prev", 274: "next", 275: "next"}
_NUMPAD_DIGITS = {256 + d: str(d) for d in range(10)}  # keypad 0..9
_ENTER = {13, 271}  # Return, keypad Enter
_STAR = {42, 268}  # '*', keypad multiply
_HASH = {35}
_NAV_DIGITS = {"2": "prev", "8": "next", "4": "prev", "6": "next", "5": "choose"}


def key_action(key: int, codepoint: str | None, *, pin: bool) -> tuple[str, str | None] | None:
    """What a key does: ``("prev"|"next"|"choose"|"back"|"repeat", None)`` or ``("digit", d)``;
    None for a key that does nothing (an unknown key is ignored, never an error)."""
    if key in _ARROWS:
        return _ARROWS[key], None
    if key in _ENTER:
        return "choose", None
    if key in _STAR or codepoint == "*":
        return "back", None
    if key in _HASH or codepoint == "#":
        return "repeat", None
    digit = _NUMPAD_DIGITS.get(key)
    if digit is None and codepoint is not None and len(codepoint) == 1 and codepoint in "0123456789":
        digit = codepoint
    if digit is None and 48 <= key <= 57:  # the top-row digits without a codepoint
        digit = chr(key)
    if digit is None:
        return None
    if pin:
        return "digit", digit
    action = _NAV_DIGITS.get(digit)
    return (action, None) if action else None
