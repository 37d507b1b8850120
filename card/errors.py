"""Typed errors of the card package.

Local misuse (``CardUsageError``) is kept apart from what the card or the reader did
(``CardError`` subclasses); every error has a stable ``code`` for screens and logs.
"""

from __future__ import annotations

__all__ = ["CardError", "CardUsageError", "ProfileError"]


class CardError(Exception):
    """Root of everything the card package raises."""

    code = "card_error"


class CardUsageError(CardError, ValueError):
    """The caller asked for something the card interface cannot do (a bug on our side)."""

    code = "card_usage"


class ProfileError(CardError, ValueError):
    """A card profile file is missing a key or has a value of the wrong shape."""

    code = "card_profile"
