"""Typed errors of the kiosk."""

from __future__ import annotations

__all__ = ["KioskError"]


class KioskError(Exception):
    """Root of everything the kiosk raises."""

    code = "kiosk_error"
