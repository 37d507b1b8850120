"""Typed errors of the IPP codec (under :class:`printer.errors.PrinterError`)."""

from __future__ import annotations

from printer.errors import PrinterError

__all__ = ["IppDecodeError", "IppError"]


class IppError(PrinterError):
    """Root of the IPP codec's errors."""

    code = "ipp_error"


class IppDecodeError(IppError, ValueError):
    """Bytes that are not an IPP message (garbage, truncated, a length that runs past the end)."""

    code = "ipp_decode"

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at byte {offset}")
        self.offset = offset
