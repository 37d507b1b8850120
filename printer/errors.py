"""Typed errors of the printer package."""

from __future__ import annotations

__all__ = ["PrinterError"]


class PrinterError(Exception):
    """Root of everything the printer package raises."""

    code = "printer_error"
