"""Copy-evident ground pattern (地紋 with けん制文字), big-dot / little-dot (printing.md §4).

The page is divided into square cells of ``cluster × pitch`` device dots.  A background cell holds
``cluster²`` isolated single dots on a ``pitch`` grid; a cell inside the latent word holds one
``cluster × cluster`` block.  Both hold exactly the same number of dots, so to the eye (which
integrates over ~0.2 mm) both read as the same flat tint and the word is invisible.  A copier
low-pass filters and thresholds: isolated dots fall below its threshold and vanish, clustered dots
survive, and 「複写」 appears.  Every dot sits on an exact device dot (no resampling), which is the
whole point: a resampled pattern would turn single dots into grey smears.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from printer.layout.fonts import pil_font

__all__ = [
    "GroundParams",
    "cell_word_mask",
    "ground_pattern",
    "params_for_dpi",
    "pattern_from_mask",
    "word_patch",
]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class GroundParams:
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


def params_for_dpi(dpi: int) -> GroundParams:
    """Pattern geometry per resolution, chosen with ``printer.copytest`` (docs/printing-layout.md).

    600 dpi: 42 µm single dots on a 3-dot (127 µm) pitch, 11 % tint; the word in 4×4-dot clusters
    (169 µm) on a 0.51 mm cell, fine enough that the eye's 0.2 mm blur leaves no texture.
    300 and 203 dpi: 3-dot pitch (11 %) with 2×2 clusters.  At 300 dpi that is copy-evident for
    most copier settings; at 203 dpi the single dot (125 µm) is already as large as what a copier
    resolves, so the background survives copying and the pattern is a tint, not a security feature.
    """
    if dpi >= 600:
        return GroundParams(pitch=3, cluster=4)
    return GroundParams(pitch=3, cluster=2)


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
    width: int, height: int, dpi: int, params: GroundParams | None = None
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) for a ``width × height`` dot area; both arrays are ``height × width``."""
    params = params or params_for_dpi(dpi)
    c = params.cell
    cx, cy = -(-width // c), -(-height // c)
    cells = cell_word_mask(cx, cy, params, dpi)
    ink = pattern_from_mask(cells, params)[:height, :width]
    word = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)[:height, :width]
    return ink, word


def word_patch(
    dpi: int, params: GroundParams | None = None, margin_mm: float = 4.0
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) of a test patch holding one whole latent word with a background margin."""
    params = params or params_for_dpi(dpi)
    c = params.cell
    tile = _word_tile(params.word, round(c * 25.4 / dpi, 6), params.word_mm, params.angle)
    m = max(1, round(margin_mm / (c * 25.4 / dpi)))
    cells = np.zeros((tile.shape[0] + 2 * m, tile.shape[1] + 2 * m), dtype=bool)
    cells[m : m + tile.shape[0], m : m + tile.shape[1]] = tile
    ink = pattern_from_mask(cells, params)
    word = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)
    return ink, word
