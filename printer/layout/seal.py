"""The 公印 drawn as a seal: ink only, over the end of the issuer line, the name legible under it.

A square 角印 as municipalities use: a heavy outer frame, a fine inner rule, and the office title
(「見本市長之印」) set in columns read right to left, each character stretched to fill its cell the way
seal engravers fill the face.  No seal-script face is installed, so the characters are IPAex mincho
thickened by a stroke, which reads as an engraved seal at 21 mm.

It is ink only: nothing white is painted, so the 地紋 and the text under the seal stay.  It is black
because the standard form prints the 公印 black and says so (「この印は黒色です」, j1050).  Where black
seal ink would run into the mayor's name, the seal's ink is left out in a thin gap around the name's
strokes (as a real red seal lets the black name show through), so the last character stays legible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from printer.layout.fonts import Face, pil_font

__all__ = ["NameUnderSeal", "seal_grid", "seal_ink", "seal_renderer"]

BoolArray = npt.NDArray[np.bool_]

FRAME_MM = 1.0  # the outer frame
RULE_MM = 0.25  # the inner rule
RULE_GAP_MM = 0.5  # between the frame and the inner rule
FACE_PAD_MM = 0.6  # between the inner rule and the characters
STROKE_MM = 0.12  # added to every glyph stroke: an engraved face is heavier than book mincho
NAME_GAP_MM = 0.35  # no seal ink this close to the name's strokes


@dataclass(frozen=True)
class NameUnderSeal:
    """The issuer's name as the page sets it, in mm relative to the seal's top-left corner."""

    text: str
    face: Face
    size_pt: float
    right_x: float  # right end of the baseline (the name is right-aligned)
    baseline_y: float


def seal_grid(n: int) -> tuple[int, int]:
    """(rows, columns) for ``n`` characters: as square as possible, never more rows than columns
    (「見本市長之印」 → 2 rows × 3 columns, read right to left)."""
    rows = max(1, math.floor(math.sqrt(n)))
    return rows, math.ceil(n / rows)


def _glyph(ch: str, w: int, h: int, stroke: int) -> BoolArray:
    """``ch`` stretched to fill a ``w × h`` dot cell (ink = True)."""
    size = max(w, h) * 2
    font = pil_font("mincho", size)
    im = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(im).text((size // 2, size // 2), ch, font=font, fill=255, stroke_width=0)
    bbox = im.getbbox()
    if bbox is None:
        return np.zeros((h, w), dtype=bool)
    face = im.crop(bbox)
    # Stretch to the cell first, then thicken by the stroke in device dots, so every character gets
    # the same stroke weight whatever its own proportions.
    inner = (max(1, w - 2 * stroke), max(1, h - 2 * stroke))
    cell = np.asarray(face.resize(inner, Image.Resampling.BILINEAR))
    ink = np.pad(cell >= 128, stroke)
    return _dilate(ink, stroke)


def _dilate(ink: BoolArray, r: int) -> BoolArray:
    """Square dilation by ``r`` dots (separable shifts)."""
    out = ink.copy()
    for i in range(1, r + 1):
        out[:, i:] |= ink[:, :-i]
        out[:, :-i] |= ink[:, i:]
    rows = out.copy()
    for i in range(1, r + 1):
        out[i:] |= rows[:-i]
        out[:-i] |= rows[i:]
    return out


@lru_cache(maxsize=8)
def seal_ink(title: str, w: int, h: int, dpi: float) -> BoolArray:
    """The seal alone as ink (True) on a ``w × h`` dot grid at ``dpi``; read-only (cached)."""

    def d(mm: float) -> int:
        return max(1, round(mm * dpi / 25.4))

    ink = np.zeros((h, w), dtype=bool)
    f = d(FRAME_MM)
    ink[:f], ink[-f:], ink[:, :f], ink[:, -f:] = True, True, True, True
    a, r = f + d(RULE_GAP_MM), d(RULE_MM)
    ink[a : a + r, a : w - a], ink[h - a - r : h - a, a : w - a] = True, True
    ink[a : h - a, a : a + r], ink[a : h - a, w - a - r : w - a] = True, True
    m = a + r + d(FACE_PAD_MM)
    chars = [ch for ch in title if not ch.isspace()]
    if chars:
        rows, cols = seal_grid(len(chars))
        cw, ch_ = (w - 2 * m) / cols, (h - 2 * m) / rows
        gap = d(0.3)
        for i, c in enumerate(chars):
            col, row = divmod(i, rows)
            x0 = round(w - m - (col + 1) * cw)  # columns run right to left
            y0 = round(m + row * ch_)
            gw, gh = round(cw) - gap, round(ch_) - gap
            gy, gx = y0 + gap // 2, x0 + gap // 2
            ink[gy : gy + gh, gx : gx + gw] |= _glyph(c, gw, gh, d(STROKE_MM))
    ink.setflags(write=False)
    return ink


def seal_renderer(
    title: str, size_mm: float, name: NameUnderSeal | None
) -> Callable[[int, int], Image.Image]:
    """A ``Bitmap`` renderer: the seal at the target dot size (mode "1", black = ink), with its ink
    left out within ``NAME_GAP_MM`` of ``name``'s strokes."""

    def render(w: int, h: int) -> Image.Image:
        dpi = w * 25.4 / size_mm
        ink = seal_ink(title, w, h, round(dpi, 3)).copy()
        if name is not None:
            k = dpi / 25.4
            g = max(1, round(NAME_GAP_MM * k))
            # Drawn with a margin of g dots so that strokes just outside the seal still push its ink back.
            mask = Image.new("1", (w + 2 * g, h + 2 * g), 0)
            draw = ImageDraw.Draw(mask)
            draw.fontmode = "1"
            font = pil_font(name.face, name.size_pt / 72 * dpi)
            at = (name.right_x * k + g, name.baseline_y * k + g)
            draw.text(at, name.text, font=font, fill=1, anchor="rs")
            ink &= ~_dilate(np.asarray(mask, dtype=bool), g)[g : g + h, g : g + w]
        return Image.fromarray(~ink)

    return render
