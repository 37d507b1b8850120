"""One 1-bit security layer per page: 地紋, guilloche border and rosettes, microtext, seal QR.

Everything is generated at the profile's resolution on its dot grid and OR-ed with the content
(raster) or embedded as one exact-resolution stencil image (PDF).  The page-invariant part is
cached per profile: a household's pages differ only in their content.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from printer.errors import PrinterError
from printer.profiles import PrinterProfile
from printer.security.ground import ground_pattern
from printer.security.guilloche import border, rosette
from printer.security.microtext import GLYPH_H, microtext
from printer.security.qr import qr_image

__all__ = ["BAND_MM", "INNER_MM", "QrDoesNotFitError", "security_layer", "static_layer"]

BAND_MM = (6.5, 10.5)  # the guilloche band lies between these distances from the paper edge
INNER_MM = 11.0  # the 地紋 covers the page inside this margin
ROSETTE = (30.0, 22.0, 8.0)  # x, y, radius (mm): beside the title, where every layout leaves room


class QrDoesNotFitError(PrinterError, ValueError):
    """The seal QR at this resolution is larger than the box the layout reserved."""

    code = "layout_qr_too_large"


@lru_cache(maxsize=4)
def static_layer(
    width: int,
    height: int,
    profile: PrinterProfile,
    clear: tuple[int, int, int, int] | None,
    micro_text: str,
) -> npt.NDArray[np.bool_]:
    """The page-invariant ink (True = ink): ground pattern, border band, rosette, microtext."""
    ink = np.zeros((height, width), dtype=bool)
    _d = profile.mm_to_dots
    m = _d(INNER_MM)
    g, _ = ground_pattern(width - 2 * m, height - 2 * m, profile)
    ink[m : height - m, m : width - m] = g
    if clear is not None:
        x0, y0, x1, y1 = clear
        ink[y0:y1, x0:x1] = False
    im = Image.new("1", (width, height), 1)
    d = ImageDraw.Draw(im)
    b0, b1 = _d(BAND_MM[0]), _d(BAND_MM[1])
    mid = (b0 + b1) / 2
    border(d, (mid, mid, width - mid, height - mid), b1 - b0, profile)
    rx, ry, rr = ROSETTE
    rosette(d, _d(rx), _d(ry), _d(rr), profile.security.guilloche_line_dots)
    ink |= ~np.asarray(im, dtype=bool)
    if profile.security.microtext:
        # Two microtext rules frame the 地紋 just inside the band (docs/printing.md §4: ≤0.3 mm, capitals).
        top, bottom = b1 + 2, height - b1 - 2 - GLYPH_H
        line = microtext(micro_text, width - 2 * (b1 + 2))
        ink[top : top + GLYPH_H, b1 + 2 : width - b1 - 2] |= line
        ink[bottom : bottom + GLYPH_H, b1 + 2 : width - b1 - 2] |= line
        col = np.rot90(microtext(micro_text, height - 2 * (b1 + 2)), k=-1)
        ink[b1 + 2 : height - b1 - 2, b1 + 2 : b1 + 2 + GLYPH_H] |= col
        ink[b1 + 2 : height - b1 - 2, width - b1 - 2 - GLYPH_H : width - b1 - 2] |= col
    # Shared by every page through the cache: read-only, so no document can leave ink on another.
    ink.setflags(write=False)
    return ink


def security_layer(
    width: int,
    height: int,
    profile: PrinterProfile,
    qr_box_mm: tuple[float, float, float] | None,
    seal: str | None,
    *,
    micro_text: str = "KONBINIKOFU",
) -> Image.Image:
    """The full security layer as a mode-"1" image (black = ink) of ``width × height`` dots.

    :raises QrDoesNotFitError: if the QR is larger than ``qr_box_mm``.
    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    if qr_box_mm is None or seal is None:
        return Image.fromarray(~static_layer(width, height, profile, None, micro_text))
    x, y, side_mm = qr_box_mm
    qr = ~np.asarray(qr_image(seal, profile.security), dtype=bool)
    side = profile.mm_to_dots(side_mm)
    if qr.shape[0] > side:
        raise QrDoesNotFitError(f"QR of {qr.shape[0]} dots exceeds the {side}-dot box at {profile.dpi} dpi")
    # The 地紋 is cleared under the QR and its quiet zone only (the quiet zone must be blank paper).
    x0, y0 = profile.mm_to_dots(x), profile.mm_to_dots(y) + side - qr.shape[0]
    clear = (x0, y0, x0 + qr.shape[1], y0 + qr.shape[0])
    ink = static_layer(width, height, profile, clear, micro_text).copy()
    ink[y0 : y0 + qr.shape[0], x0 : x0 + qr.shape[1]] |= qr
    return Image.fromarray(~ink)
