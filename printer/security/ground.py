"""Copy-evident ground pattern (地紋 with けん制文字), big-dot / little-dot (docs/printing.md §4).

The page is divided into square cells of ``cluster × pitch`` device dots.  A background cell holds
``cluster²`` isolated single dots on a ``pitch`` grid; a cell inside the latent word holds one
``cluster × cluster`` block.  Both hold exactly the same number of dots, so to the eye (which
integrates over ~0.2 mm) both read as the same flat tint and the word is invisible.  A copier
low-pass filters and thresholds: isolated dots fall below its threshold and vanish, clustered dots
survive, and 「複写」 appears.  Every dot sits on an exact device dot (no resampling), which is the
whole point: a resampled pattern would turn single dots into grey smears.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from printer.layout.fonts import pil_font
from printer.profiles import GroundParams, PrinterProfile

__all__ = [
    "GroundParams",
    "cell_word_mask",
    "ground_pattern",
    "pattern_from_mask",
    "word_patch",
]

BoolArray = npt.NDArray[np.bool_]


@lru_cache(maxsize=8)
def _word_tile(word: str, cell_mm: float, word_mm: float, angle: float) -> BoolArray:
    """The latent word rendered at cell resolution (one pixel per pattern cell), rotated."""
    px = max(8.0, word_mm / cell_mm)
    font = pil_font("gothic", px)
    w = int(font.getlength(word)) + 4
    im = Image.new("L", (w, int(px * 1.3) + 4), 0)
    # At coarse cell grids (203/300 dpi) a 1-cell stroke keeps thin strokes from dropping out.
    ImageDraw.Draw(im).text(
        (2, 2), word, font=font, fill=255, stroke_width=1 if px < 30 else 0, stroke_fill=255
    )
    im = im.rotate(angle, resample=Image.Resampling.NEAREST, expand=True)
    return np.asarray(im) > 127


def cell_word_mask(cells_x: int, cells_y: int, params: GroundParams, dpi: int) -> BoolArray:
    """Where the latent word lies, one boolean per pattern cell, the word tiled in staggered rows."""
    cell_mm = params.cell * 25.4 / dpi
    tile = _word_tile(params.word, round(cell_mm, 6), params.word_mm, params.angle)
    th, tw = tile.shape
    step_x, step_y = int(tw * 1.35), int(th * 1.1)
    mask = np.zeros((cells_y, cells_x), dtype=bool)
    for row, y in enumerate(range(-th // 2, cells_y, step_y)):
        for x in range(-tw + (row % 2) * step_x // 2, cells_x, step_x):
            y0, x0 = max(0, y), max(0, x)
            y1, x1 = min(cells_y, y + th), min(cells_x, x + tw)
            if y1 > y0 and x1 > x0:
                mask[y0:y1, x0:x1] |= tile[y0 - y : y1 - y, x0 - x : x1 - x]
    return mask


def pattern_from_mask(mask: BoolArray, params: GroundParams) -> BoolArray:
    """Ink (True) for a cell-level word mask: clusters inside the word, single dots outside."""
    p, k, c = params.pitch, params.cluster, params.cell
    bg = np.zeros((c, c), dtype=bool)
    bg[p // 2 :: p, p // 2 :: p] = True
    word = np.zeros((c, c), dtype=bool)
    o = (c - k) // 2
    word[o : o + k, o : o + k] = True
    assert bg.sum() == word.sum()  # the invariant the whole method rests on: same dots per cell
    big = np.repeat(np.repeat(mask, c, axis=0), c, axis=1)
    return np.where(big, np.tile(word, mask.shape), np.tile(bg, mask.shape))


def ground_pattern(
    width: int, height: int, profile: PrinterProfile, params: GroundParams | None = None
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) for a ``width × height`` dot area; both arrays are ``height × width``.

    ``params`` overrides the profile's own geometry (the copy test tries alternatives with it).
    """
    params = params or profile.security.ground
    dpi = profile.dpi
    c = params.cell
    cx, cy = -(-width // c), -(-height // c)
    cells = cell_word_mask(cx, cy, params, dpi)
    ink = pattern_from_mask(cells, params)[:height, :width]
    word = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)[:height, :width]
    return ink, word


def word_patch(
    profile: PrinterProfile, params: GroundParams | None = None, margin_mm: float = 4.0
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) of a test patch holding one whole latent word with a background margin."""
    params = params or profile.security.ground
    dpi = profile.dpi
    c = params.cell
    tile = _word_tile(params.word, round(c * 25.4 / dpi, 6), params.word_mm, params.angle)
    m = max(1, round(margin_mm / (c * 25.4 / dpi)))
    cells = np.zeros((tile.shape[0] + 2 * m, tile.shape[1] + 2 * m), dtype=bool)
    cells[m : m + tile.shape[0], m : m + tile.shape[1]] = tile
    ink = pattern_from_mask(cells, params)
    word = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)
    return ink, word
