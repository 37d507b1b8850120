"""Typed errors of the ESC/POS codec (all under :class:`printer.errors.PrinterError`)."""

from __future__ import annotations

from printer.errors import PrinterError

__all__ = ["EscPosError", "RasterError", "StatusByteError", "UnencodableTextError"]


class EscPosError(PrinterError):
    """The codec was asked for something ESC/POS cannot express."""

    code = "escpos_error"


class UnencodableTextError(EscPosError, ValueError):
    """Text holds characters that Shift-JIS (cp932) cannot carry, so the printer could not print them."""

    code = "escpos_unencodable_text"

    def __init__(self, text: str, position: int, character: str) -> None:
        super().__init__(
            f"character {character!r} (U+{ord(character):04X}) at position {position} "
            "has no Shift-JIS (cp932) encoding"
        )
        self.position = position
        self.character = character


class RasterError(EscPosError, ValueError):
    """An image cannot be sent as a raster (wrong mode, size beyond the command's limits)."""

    code = "escpos_raster_invalid"


class StatusByteError(EscPosError, ValueError):
    """A status byte does not have the fixed bits its command guarantees (garbage on the link)."""

    code = "escpos_status_invalid"

    def __init__(self, message: str, byte: int) -> None:
        super().__init__(message)
        self.byte = byte
