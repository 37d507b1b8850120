"""Printer profiles as data (names are a contract of docs/architecture.md).

A profile says what the device is (an ESC/POS raster printer or a page printer fed PDF), its
resolution, the printable width in device dots and the paper, so that layout and security printing
are generated for the device's own dot grid instead of being resampled, and so that the driver
knows its band limits.  No ``if model ==`` anywhere else: code asks the profile.

The security-printing geometry (地紋 dot sizes and pitches, microtext, QR module, guilloche line and
period) is data here too, in ``PrinterProfile.security``: the functions in ``printer.security`` read
it and never branch on the resolution.  docs/printing-layout.md tabulates it per profile, and the unit
tests check each value against the physical limit it must meet (0.3 mm microtext, 0.34 mm modules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from printer.errors import PrinterError

__all__ = [
    "PROFILES",
    "GroundParams",
    "PrinterProfile",
    "SecurityParams",
    "UnknownProfileError",
    "get_profile",
]

MM_PER_INCH = 25.4


class UnknownProfileError(PrinterError, KeyError):
    """No printer profile of that name."""

    code = "printer_profile_unknown"


@dataclass(frozen=True)
class GroundParams:
    """Geometry of the copy-evident 地紋 (printer.security.ground), in device dots."""

    pitch: int  # background dot pitch in device dots (coverage 1/pitch²)
    cluster: int  # side of a word cluster in dots; a cell is cluster*pitch dots square
    word: str = "複写"
    word_mm: float = 20.0  # character size (em) of the latent word
    angle: float = 20.0  # degrees; words are tiled at an angle as on real 地紋

    @property
    def cell(self) -> int:
        return self.pitch * self.cluster

    @property
    def coverage(self) -> float:
        return 1.0 / (self.pitch * self.pitch)


@dataclass(frozen=True)
class SecurityParams:
    """Everything about security printing that depends on the device's dot size, as plain data."""

    ground: GroundParams
    microtext: bool  # a 7-dot glyph is ≤ 0.3 mm tall (docs/printing.md §4), else no microtext is printed
    qr_module_dots: int  # least whole number of dots ≥ 0.34 mm per QR module
    guilloche_line_dots: int  # ≥ 0.08 mm
    guilloche_period_mm: float = 8.8  # wavelength of the border band's trochoid


# 203 and 300 dpi share the 地紋 geometry; only the dot-counted QR module and line width differ.
_SEC_203 = SecurityParams(GroundParams(pitch=3, cluster=2), False, qr_module_dots=3, guilloche_line_dots=1)
_SEC_300 = SecurityParams(GroundParams(pitch=3, cluster=2), False, qr_module_dots=5, guilloche_line_dots=1)
_SEC_600 = SecurityParams(GroundParams(pitch=3, cluster=4), True, qr_module_dots=9, guilloche_line_dots=2)


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    kind: Literal["escpos", "page"]
    dpi: int
    paper: Literal["roll80", "a4"]
    width_dots: int  # printable width in device dots
    paper_width_mm: float
    page_height_mm: float | None  # None for a continuous roll
    security: SecurityParams
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
            "receipt-80-203", "escpos", 203, "roll80", 576, 80.0, None, _SEC_203,
            description="80 mm thermal receipt printer, 72 mm printable (576 dots at 203 dpi)",
        ),
        PrinterProfile(
            "a4-thermal-203", "escpos", 203, "a4", 1680, 210.0, 297.0, _SEC_203,
            description="A4 thermal kiosk printer in ESC/POS emulation, 203 dpi (about 210 mm printable)",
        ),
        PrinterProfile(
            "a4-thermal-300", "escpos", 300, "a4", 2480, 210.0, 297.0, _SEC_300,
            description="A4 thermal kiosk printer in ESC/POS emulation, 300 dpi",
        ),
        PrinterProfile(
            "a4-laser-600", "page", 600, "a4", 4960, 210.0, 297.0, _SEC_600,
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
