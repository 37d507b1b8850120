"""Copy-evident ground pattern (地紋 with けん制文字), big-dot / little-dot (docs/printing.md §4).

The page is divided into square cells of ``cluster × pitch`` device dots.  A background cell holds
``cluster²`` isolated single dots on a ``pitch`` grid; a cell inside the latent word holds one
``cluster × cluster`` block.  Both hold exactly the same number of dots, so to the eye (which
integrates over ~0.2 mm) both read as the same flat tint and the word is invisible.  A copier
low-pass filters and thresholds: isolated dots fall below its threshold and vanish, clustered dots
survive, and 「複写」 appears.  Every dot sits on an exact device dot (no resampling), which is the
whole point: a resampled pattern would turn single dots into grey smears.

Equal counts per cell are not enough along the word's outline, where a neighbourhood sees part of a
compact cell and part of a spread one: the background dots there are dithered by one dot
(``printer.security.seams``) so that the local density stays flat across the seam.  The geometry
per printer is data on the profile (``PrinterProfile.security.ground``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from printer.layout.fonts import pil_font
from printer.profiles import GroundParams, PrinterProfile
from printer.security.seams import balance_seams

__all__ = [
    "GroundParams",
    "cell_word_mask",
    "ground_pattern",
    "pattern_from_mask",
    "word_patch",
]

BoolArray = npt.NDArray[np.bool_]

SEAM_ZONE_CELLS = 2  # background cells this close to the word may have their dots moved
PATCH_MARGIN_MM = 4.0  # background around the word in the balanced patch and the copy test's patch


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


def _tile(params: GroundParams, dpi: int) -> BoolArray:
    return _word_tile(params.word, round(params.cell * 25.4 / dpi, 6), params.word_mm, params.angle)


def _tile_origins(cells_x: int, cells_y: int, tile_shape: tuple[int, int]) -> list[tuple[int, int]]:
    """Top-left cells (possibly negative) of the word tiles: staggered rows, clear of each other."""
    th, tw = tile_shape
    step_x, step_y = int(tw * 1.35), int(th * 1.1)
    return [
        (y, x)
        for row, y in enumerate(range(-th // 2, cells_y, step_y))
        for x in range(-tw + (row % 2) * step_x // 2, cells_x, step_x)
    ]


def cell_word_mask(cells_x: int, cells_y: int, params: GroundParams, dpi: int) -> BoolArray:
    """Where the latent word lies, one boolean per pattern cell, the word tiled in staggered rows."""
    tile = _tile(params, dpi)
    th, tw = tile.shape
    mask = np.zeros((cells_y, cells_x), dtype=bool)
    for y, x in _tile_origins(cells_x, cells_y, tile.shape):
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


def _dots(cells: BoolArray, c: int) -> BoolArray:
    return np.repeat(np.repeat(cells, c, axis=0), c, axis=1)


def _seam_zone(cells: BoolArray) -> BoolArray:
    """Background cells within ``SEAM_ZONE_CELLS`` (chessboard distance) of a word cell."""
    z = np.pad(cells, SEAM_ZONE_CELLS)
    n = SEAM_ZONE_CELLS
    h, w = cells.shape
    near = np.zeros_like(cells)
    for dy in range(-n, n + 1):
        for dx in range(-n, n + 1):
            near |= z[n + dy : n + dy + h, n + dx : n + dx + w]
    return near & ~cells


@lru_cache(maxsize=8)
def _patch(params: GroundParams, dpi: int, balanced: bool) -> tuple[BoolArray, BoolArray, int]:
    """(ink, cells, margin): one whole word with ``PATCH_MARGIN_MM`` of background around it, with
    its seams balanced or not.  Cached and read-only: every word on every page is a copy of it."""
    c = params.cell
    tile = _tile(params, dpi)
    m = max(SEAM_ZONE_CELLS + 1, round(PATCH_MARGIN_MM / (c * 25.4 / dpi)))
    cells = np.zeros((tile.shape[0] + 2 * m, tile.shape[1] + 2 * m), dtype=bool)
    cells[m : m + tile.shape[0], m : m + tile.shape[1]] = tile
    ink = pattern_from_mask(cells, params)
    if balanced:
        ink = balance_seams(ink, _dots(_seam_zone(cells), c), dpi, c)
    for a in (ink, cells):
        a.setflags(write=False)
    return ink, cells, m


def ground_pattern(
    width: int,
    height: int,
    profile: PrinterProfile,
    params: GroundParams | None = None,
    *,
    balanced: bool = True,
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) for a ``width × height`` dot area; both arrays are ``height × width``.

    ``params`` overrides the profile's own geometry (the copy test tries alternatives with it).  With
    ``balanced`` the background cells around each word are taken from the seam-balanced patch; every
    word is the same tile on the same cell grid, so one balancing serves the whole page.
    """
    params = params or profile.security.ground
    c = params.cell
    cx, cy = -(-width // c), -(-height // c)
    cells = cell_word_mask(cx, cy, params, profile.dpi)
    ink = pattern_from_mask(cells, params)
    if balanced:
        p_ink, p_cells, m = _patch(params, profile.dpi, True)
        ph, pw = p_cells.shape
        # Only background cells near this word and not part of another word take the patch's dots.
        zone = _seam_zone(p_cells)
        tile_shape = (ph - 2 * m, pw - 2 * m)
        for ty, tx in _tile_origins(cx, cy, tile_shape):
            py, px = ty - m, tx - m
            y0, x0, y1, x1 = max(0, py), max(0, px), min(cy, py + ph), min(cx, px + pw)
            if y1 <= y0 or x1 <= x0:
                continue
            take = zone[y0 - py : y1 - py, x0 - px : x1 - px] & ~cells[y0:y1, x0:x1]
            region = (slice(y0 * c, y1 * c), slice(x0 * c, x1 * c))
            src = p_ink[(y0 - py) * c : (y1 - py) * c, (x0 - px) * c : (x1 - px) * c]
            ink[region] = np.where(_dots(take, c), src, ink[region])
    word = _dots(cells, c)[:height, :width]
    return ink[:height, :width], word


def word_patch(
    profile: PrinterProfile, params: GroundParams | None = None, *, balanced: bool = True
) -> tuple[BoolArray, BoolArray]:
    """(ink, word_mask) of a test patch holding one whole latent word with a background margin.

    ``balanced=False`` gives the pattern as it was before the seams were balanced (the copy test's
    proof that its seam measure sees a seam).
    """
    params = params or profile.security.ground
    ink, cells, _ = _patch(params, profile.dpi, balanced)
    return ink.copy(), _dots(cells, params.cell)
