"""Raster backend: a ``PageLayout`` drawn as a 1-bit Pillow image on the device's dot grid.

Pillow draws text through FreeType without anti-aliasing on a mode-"1" image, so glyphs are snapped to
device dots directly (no grey to dither, no resampling).  Ink is 0 (black) as in a PBM; ESC/POS raster
inverts it when packing bytes (1 = print).
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw

from printer.layout.canvas import Bitmap, Box, PageLayout, Rule, Text
from printer.layout.fonts import pil_font

__all__ = ["draw_layout", "or_ink"]

_ANCHOR = {"l": "ls", "r": "rs", "c": "ms"}


def _dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def or_ink(page: Image.Image, ink: Image.Image, x: int = 0, y: int = 0) -> None:
    """Overprint ``ink`` (mode "1", black = ink) onto ``page`` at (x, y): black wins, like toner."""
    box = (x, y, x + ink.width, y + ink.height)
    page.paste(ImageChops.logical_and(page.crop(box), ink), box)


def _rule(d: ImageDraw.ImageDraw, box: tuple[float, float, float, float], dpi: int) -> None:
    x0, y0, x1, y1 = box
    a, b = _dots(x0, dpi), _dots(y0, dpi)
    c, e = max(a + 1, _dots(x1, dpi)), max(b + 1, _dots(y1, dpi))
    d.rectangle((a, b, c - 1, e - 1), fill=0)


def draw_layout(page: PageLayout, width_dots: int, height_dots: int, dpi: int) -> Image.Image:
    """Draw every item of ``page`` on a fresh white 1-bit image of the given size."""
    im = Image.new("1", (width_dots, height_dots), 1)
    d = ImageDraw.Draw(im)
    d.fontmode = "1"  # no anti-aliasing: glyph edges on exact device dots
    for it in page.items:
        if isinstance(it, Text):
            font = pil_font(it.face, it.size / 72 * dpi)
            d.text(
                (it.x * dpi / 25.4, it.y * dpi / 25.4), it.text, font=font, fill=0, anchor=_ANCHOR[it.align]
            )
        elif isinstance(it, Rule):
            _rule(d, (it.x0, it.y0, it.x1, it.y1), dpi)
        elif isinstance(it, Box):
            s = it.stroke
            x, y, w, h = it.x, it.y, it.w, it.h
            for edge in (
                (x, y, x + w, y + s),
                (x, y + h - s, x + w, y + h),
                (x, y, x + s, y + h),
                (x + w - s, y, x + w, y + h),
            ):
                _rule(d, edge, dpi)
        elif isinstance(it, Bitmap):
            w, h = max(1, _dots(it.w, dpi)), max(1, _dots(it.h, dpi))
            or_ink(im, it.render(w, h), _dots(it.x, dpi), _dots(it.y, dpi))
    return im
