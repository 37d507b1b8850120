"""Where the latent word's lattice meets the background lattice: the seam, measured and balanced.

Every 地紋 cell holds the same number of dots, so the mean tone of word and background agree.  What
does not agree is how the ink is spread inside a cell: a word cell's ink sits in one compact block, a
background cell's is spread over the whole cell.  Far from the word's outline this difference is a
regular texture (judged by the copy test's texture criterion).  *At* the outline it is not: a
neighbourhood that straddles a word cell and a background cell sees part of one and part of the other,
so a light line runs just outside every stroke and a dark one just inside.  Through the eye's blur
those lines draw the outline of 「複写」 on the original.

``local_tone`` is what the eye sees once the pattern's own texture is set aside: the eye's blur
(Gaussian σ = 0.2 mm) followed by a mean over exactly one pattern cell, which flattens any texture
with the cell's period and keeps every change of density.  A clean pattern is flat under it; the
seams are not.  ``seam_spread`` is its 5th-95th percentile spread over a plain area of the pattern.

``balance_seams`` fixes the density along the seams by dithering: background dots near the word move
by at most one device dot (staying isolated, so a copier still drops them) wherever that brings the
local tone closer to the mean.  It is a greedy descent on the exact squared error of ``local_tone``,
deterministic, and keeps the number of dots (the tint) unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["EYE_SIGMA_MM", "SEAM_SPREAD_MAX", "balance_seams", "gaussian", "local_tone", "seam_spread"]

F = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EYE_SIGMA_MM = 0.2
# A seam spread at or below this is flat to the eye model: the balanced patterns reach 0.0023 or
# less; the unbalanced ones measure 0.0038 (300 dpi) and 0.0047 (600 dpi) (docs/printing-layout.md).
SEAM_SPREAD_MAX = 0.003


def _convolve(img: F, taps: F) -> F:
    """Separable convolution with a symmetric odd-length kernel, reflecting edges (a shifted sum)."""
    r = len(taps) // 2
    out = img
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="reflect")
        n = out.shape[axis]
        acc = np.zeros(out.shape, dtype=np.float64)
        for i, w in enumerate(taps):
            acc += w * (padded[i : i + n] if axis == 0 else padded[:, i : i + n])
        out = acc
    return out


def gaussian(img: F, sigma_px: float) -> F:
    """Separable Gaussian blur with reflecting edges (numpy only: a shifted sum per kernel tap)."""
    if sigma_px < 0.25:
        return img
    r = max(1, math.ceil(3 * sigma_px))
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma_px) ** 2)
    return _convolve(img, k / k.sum())


def _period_mean_taps(cell: int) -> F:
    """A symmetric mean over exactly one period: [½, 1, …, 1, ½]/cell for an even cell (so that it
    stays centred), a plain box for an odd one.  Either way any cell-periodic texture comes out flat."""
    if cell % 2:
        return np.full(cell, 1.0 / cell)
    taps = np.ones(cell + 1)
    taps[0] = taps[-1] = 0.5
    return taps / cell


def local_tone(ink: npt.NDArray[np.generic], dpi: int, cell: int) -> F:
    """The eye's view of the tone with the pattern's own cell texture averaged out (same shape)."""
    eye = gaussian(ink.astype(np.float64), EYE_SIGMA_MM * dpi / 25.4)
    return _convolve(eye, _period_mean_taps(cell))


def seam_spread(ink: npt.NDArray[np.generic], dpi: int, cell: int, edge_mm: float = 1.0) -> float:
    """5th-95th percentile spread of ``local_tone`` over ``ink`` less ``edge_mm`` at each border.

    ``ink`` must be a plain area of the pattern (no content): the measure reads every change of
    density as a seam.
    """
    e = round(edge_mm * dpi / 25.4)
    t = local_tone(ink, dpi, cell)[e:-e, e:-e]
    return float(np.percentile(t, 95) - np.percentile(t, 5))


def balance_seams(
    ink: BoolArray, movable: BoolArray, dpi: int, cell: int, *, sweeps: int = 8
) -> BoolArray:
    """``ink`` with the dots marked ``movable`` shifted by ≤ 1 dot so that ``local_tone`` is flatter.

    A move is taken only if it lowers the squared error of the local tone (computed exactly through
    the kernel of the operator applied twice) and the dot keeps an empty 8-neighbourhood, so it stays
    an isolated single dot.  Sweeps run in raster order until none moves or ``sweeps`` is reached.
    """
    out = ink.copy()
    h, w = out.shape
    sigma = EYE_SIGMA_MM * dpi / 25.4
    r = math.ceil(3 * sigma) + cell
    impulse = np.zeros((4 * r + 1, 4 * r + 1))
    impulse[2 * r, 2 * r] = 1.0
    kk = local_tone(local_tone(impulse, dpi, cell), dpi, cell)[r : 3 * r + 1, r : 3 * r + 1]
    k0 = kk[r, r]
    # Gradient of the error, padded by r so that a move near the border updates without clipping.
    grad = np.pad(local_tone(local_tone(out, dpi, cell) - out.mean(), dpi, cell), r)
    ys, xs = np.nonzero(out & movable)
    home = list(zip(ys.tolist(), xs.tolist(), strict=True))
    pos = list(home)
    steps = ((0, 1), (0, -1), (1, 0), (-1, 0))
    for _ in range(sweeps):
        moved = 0
        for i, (hy, hx) in enumerate(home):
            y, x = pos[i]
            best, gain = None, 0.0
            for dy, dx in steps:
                ny, nx = y + dy, x + dx
                if abs(ny - hy) > 1 or abs(nx - hx) > 1 or not (1 <= ny < h - 1 and 1 <= nx < w - 1):
                    continue
                # Exact change of the squared error for moving one dot from (y, x) to (ny, nx).
                delta = 2 * (grad[ny + r, nx + r] - grad[y + r, x + r]) + 2 * (k0 - kk[r + dy, r + dx])
                if delta < gain:
                    out[y, x] = False
                    isolated = not out[ny - 1 : ny + 2, nx - 1 : nx + 2].any()
                    out[y, x] = True
                    if isolated:
                        best, gain = (ny, nx), delta
            if best is not None:
                ny, nx = best
                out[y, x], out[ny, nx] = False, True
                pos[i] = best
                grad[ny : ny + 2 * r + 1, nx : nx + 2 * r + 1] += kk
                grad[y : y + 2 * r + 1, x : x + 2 * r + 1] -= kk
                moved += 1
        if not moved:
            break
    return out
