"""Printer profiles as data (names are a contract of DESIGN.md).

A profile says what the device is (an ESC/POS raster printer or a page printer fed PDF), its
resolution, the printable width in device dots and the paper, so that layout and security printing
are generated for the device's own dot grid instead of being resampled, and so that the driver
knows its band limits.  No ``if model ==`` anywhere else: code asks the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from printer.errors import PrinterError

__all__ = ["PROFILES", "PrinterProfile", "UnknownProfileError", "get_profile"]

MM_PER_INCH = 25.4


class UnknownProfileError(PrinterError, KeyError):
    """No printer profile of that name."""

    code = "printer_profile_unknown"


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    kind: Literal["escpos", "page"]
    dpi: int
    paper: Literal["roll80", "a4"]
    width_dots: int  # printable width in device dots
    paper_width_mm: float
    page_height_mm: float | None  # None for a continuous roll
    # ESC/POS raster: GS v 0 carries at most 4095 rows (yH <= 15); bands are kept well below it so a
    # DLE EOT poll between bands comes often enough to stop within a fraction of a page.
    band_rows: int = 256
    receive_buffer: int = 4096
    description: str = ""

    @property
    def dot_mm(self) -> float:
        return MM_PER_INCH / self.dpi

    @property
    def width_bytes(self) -> int:
        return (self.width_dots + 7) // 8

    @property
    def page_height_dots(self) -> int | None:
        if self.page_height_mm is None:
            return None
        return round(self.page_height_mm / MM_PER_INCH * self.dpi)

    def mm_to_dots(self, mm: float) -> int:
        return round(mm / MM_PER_INCH * self.dpi)


PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        PrinterProfile(
            "receipt-80-203", "escpos", 203, "roll80", 576, 80.0, None,
            description="80 mm thermal receipt printer, 72 mm printable (576 dots at 203 dpi)",
        ),
        PrinterProfile(
            "a4-thermal-203", "escpos", 203, "a4", 1680, 210.0, 297.0,
            description="A4 thermal kiosk printer in ESC/POS emulation, 203 dpi (about 210 mm printable)",
        ),
        PrinterProfile(
            "a4-thermal-300", "escpos", 300, "a4", 2480, 210.0, 297.0,
            description="A4 thermal kiosk printer in ESC/POS emulation, 300 dpi",
        ),
        PrinterProfile(
            "a4-laser-600", "page", 600, "a4", 4960, 210.0, 297.0,
            description="A4 laser page printer fed PDF (CUPS or a file), 600 dpi",
        ),
    )
}


def get_profile(name: str) -> PrinterProfile:
    """The profile of that name.

    :raises UnknownProfileError: naming the known profiles.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(
            f"unknown printer profile {name!r}; known: {', '.join(sorted(PROFILES))}"
        ) from None
