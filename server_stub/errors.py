"""Typed errors of the center stub."""

from __future__ import annotations

__all__ = ["CenterError"]


class CenterError(Exception):
    """Root of everything the center stub raises."""

    code = "center_error"
