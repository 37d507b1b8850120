"""Copy-evidence test in software (docs/printing.md §6): is 「複写」 hidden on the original and shown on a
copy?

A patch of the profile's own 地紋 (one latent word with background around it, on exact device dots)
is looked at by a model eye and passed through model photocopiers over a grid of settings:

- **eye**: Gaussian blur σ = 0.2 mm (what the eye integrates at reading distance).  The word is
  *hidden* when, after the blur, the mean tone of word and background differ by < 0.02, their
  residual texture (standard deviation) by < 0.02, the blurred image does not correlate with the
  word's shape (|r| < 0.3), and the seams are flat: the local tone (the blur averaged over one
  pattern cell, ``printer.security.seams``) spreads by at most 0.003 between its 5th and 95th
  percentiles over the plain patch.
- **copier**: optics (Gaussian MTF σ), a small skew (rotation), sampling at the copier's resolution
  (area average), sensor noise, then background removal and binarisation at a tone threshold, as a
  copier's text mode does.  The copy is looked at by the same eye.  The word *shows* when the copy's
  word region is darker than its background by ≥ 0.03 with a Michelson contrast ≥ 0.3, the background
  stays ≥ 95 % white, and the copy correlates with the word's shape (r ≥ 0.5: the word is legible).

A single mid-range copier (``MID_RANGE_COPIER``: 0.08 mm optics, background removal at 38 %) is also
swept over its threshold, and the report gives the margin: how far the threshold may drift before the
word is lost.  Numbers are models, not a real copier: the report says so and docs/printing-layout.md
lists them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from printer.profiles import GroundParams, PrinterProfile
from printer.security.ground import word_patch
from printer.security.seams import EYE_SIGMA_MM, SEAM_SPREAD_MAX, gaussian, seam_spread

__all__ = [
    "DEFAULT_GRID",
    "MID_RANGE_COPIER",
    "TYPICAL_COPIER",
    "CopierMargin",
    "CopierSetting",
    "CopyReport",
    "EyeResult",
    "GridPoint",
    "copier_margin",
    "copytest",
    "gaussian",
    "photocopy",
]

F = npt.NDArray[np.float64]
EYE_DPI = 254  # 0.1 mm grid for the eye model


@dataclass(frozen=True)
class CopierSetting:
    dpi: int
    mtf_sigma_mm: float
    rotation_deg: float
    noise: float
    threshold: float


@dataclass(frozen=True)
class EyeResult:
    delta_mean: float
    delta_texture: float
    correlation: float
    seam_spread: float  # printer.security.seams: local tone spread over the plain patch
    hidden: bool


@dataclass(frozen=True)
class GridPoint:
    setting: CopierSetting
    word_tone: float
    background_tone: float
    contrast: float
    correlation: float
    shows: bool


@dataclass(frozen=True)
class CopierMargin:
    """How far the single mid-range copier's background removal may move before 「複写」 is lost."""

    setting: CopierSetting
    shows: bool
    band: tuple[float, float] | None  # lowest and highest threshold (of a 0.01 sweep) that show it
    margin: float  # distance from the setting's threshold to the band's nearer edge; < 0 if outside


@dataclass(frozen=True)
class CopyReport:
    profile: str
    dpi: int
    params: GroundParams
    original: EyeResult
    points: tuple[GridPoint, ...] = field(repr=False)
    mid_range: CopierMargin | None = None

    @property
    def shows_fraction(self) -> float:
        return sum(p.shows for p in self.points) / len(self.points) if self.points else 0.0

    def to_json(self) -> dict[str, Any]:
        by_dpi: dict[str, float] = {}
        for dpi in sorted({p.setting.dpi for p in self.points}):
            pts = [p for p in self.points if p.setting.dpi == dpi]
            by_dpi[str(dpi)] = round(sum(p.shows for p in pts) / len(pts), 3)
        return {
            "profile": self.profile,
            "dpi": self.dpi,
            "pattern": {
                "pitch_dots": self.params.pitch,
                "cluster_dots": self.params.cluster,
                "coverage": round(self.params.coverage, 4),
                "word": self.params.word,
            },
            "model": {"eye_sigma_mm": EYE_SIGMA_MM, "note": "software model; verify once on a real copier"},
            "original": {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self.original).items()
            },
            "copy": {"shows_fraction": round(self.shows_fraction, 3), "shows_fraction_by_copier_dpi": by_dpi},
            "seam": {"spread": round(self.original.seam_spread, 4), "max": SEAM_SPREAD_MAX},
            "mid_range_copier": None
            if self.mid_range is None
            else {
                **asdict(self.mid_range.setting),
                "shows": self.mid_range.shows,
                "shows_for_thresholds": self.mid_range.band,
                "threshold_margin": round(self.mid_range.margin, 3),
            },
            "copy_evident": self.original.hidden and self.shows_fraction >= 0.5,
            "grid": [
                {
                    **asdict(p.setting),
                    "word_tone": round(p.word_tone, 4),
                    "background_tone": round(p.background_tone, 4),
                    "contrast": round(p.contrast, 3),
                    "correlation": round(p.correlation, 3),
                    "shows": p.shows,
                }
                for p in self.points
            ],
        }


DEFAULT_GRID: tuple[CopierSetting, ...] = tuple(
    CopierSetting(dpi, mtf, rot, 0.03, thr)
    for dpi, mtf, rot, thr in itertools.product(
        (200, 300, 400, 600), (0.04, 0.06, 0.08), (0.0, 0.5, 1.0), (0.25, 0.4)
    )
)


# An office MFP in text/photo mode: 600-dpi scan, moderate optics, 0.5° skew, background removal at 40 %.
TYPICAL_COPIER = CopierSetting(600, 0.06, 0.5, 0.03, 0.4)
# A mid-range copier as one setting: softer optics (0.08 mm) and background removal at 38 %.  The
# report gives how far that threshold may drift either way before the word is lost (the margin).
MID_RANGE_COPIER = CopierSetting(600, 0.08, 0.0, 0.03, 0.38)


def _corr(a: F, b: F) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else 0.0


@dataclass(frozen=True)
class _Regions:
    """Where to measure: word and background cores (away from outlines and the patch edge)."""

    core_w: npt.NDArray[np.bool_]
    core_b: npt.NDArray[np.bool_]
    frame: npt.NDArray[np.bool_]
    template: F  # the word's shape as the eye would see it, for the legibility correlation
    eye_px: float


def _eye_factor(dpi: int) -> int:
    return max(1, dpi // EYE_DPI)


def _eye_grid(a: F, dpi: int) -> F:
    """Block-average by an integer factor towards a ~0.1 mm grid: σ = 0.2 mm blurs far more than the
    block, and an integer factor keeps every block aligned with the pattern (no moiré)."""
    f = _eye_factor(dpi)
    if f == 1:
        return a
    h, w = a.shape[0] // f * f, a.shape[1] // f * f
    return np.asarray(a[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3)), dtype=np.float64)


def _regions(word: npt.NDArray[np.bool_], dpi: int) -> _Regions:
    w = _eye_grid(word.astype(np.float64), dpi)
    px = EYE_SIGMA_MM / (25.4 * _eye_factor(dpi) / dpi)
    near = gaussian(w, 1.5 * px)
    edge = max(1, round(3 * px))
    frame = np.zeros(w.shape, dtype=bool)
    frame[edge:-edge, edge:-edge] = True
    return _Regions(frame & (near > 0.97), frame & (near < 0.03), frame, gaussian(w, 2 * px)[frame], px)


def _look(img: F, dpi: int, reg: _Regions) -> tuple[float, float, float, float]:
    """(word tone, background tone, texture difference, shape correlation) as the eye sees ``img``."""
    e = gaussian(_eye_grid(img, dpi), reg.eye_px)
    if not reg.core_w.any() or not reg.core_b.any():
        return 0.0, 0.0, 0.0, 0.0
    mw, mb = float(e[reg.core_w].mean()), float(e[reg.core_b].mean())
    texture = abs(float(e[reg.core_w].std()) - float(e[reg.core_b].std()))
    return mw, mb, texture, _corr(e[reg.frame], reg.template)


def _transform(a: F, src_dpi: int, dpi: int, rotation: float) -> F:
    im = Image.fromarray(a.astype(np.float32), mode="F")
    if rotation:
        im = im.rotate(rotation, resample=Image.Resampling.BILINEAR, fillcolor=0.0)
    size = (max(8, round(im.width * dpi / src_dpi)), max(8, round(im.height * dpi / src_dpi)))
    return np.asarray(im.resize(size, Image.Resampling.BOX), dtype=np.float64)


def _copier_grid(
    ink: F, word: npt.NDArray[np.bool_], dpi: int, grid: tuple[CopierSetting, ...], rng: np.random.Generator
) -> tuple[GridPoint, ...]:
    """Each distinct optics blur, skew and resolution is computed once and shared by the grid points."""
    optics: dict[float, F] = {}
    scans: dict[tuple[float, float, int], F] = {}
    regions: dict[tuple[float, int], _Regions] = {}
    out = []
    for s in grid:
        if s.mtf_sigma_mm not in optics:
            optics[s.mtf_sigma_mm] = gaussian(ink, s.mtf_sigma_mm / (25.4 / dpi))
        key = (s.mtf_sigma_mm, s.rotation_deg, s.dpi)
        if key not in scans:
            scans[key] = _transform(optics[s.mtf_sigma_mm], dpi, s.dpi, s.rotation_deg)
        if (s.rotation_deg, s.dpi) not in regions:
            mask = _transform(word.astype(np.float64), dpi, s.dpi, s.rotation_deg) >= 0.5
            regions[(s.rotation_deg, s.dpi)] = _regions(mask, s.dpi)
        scan = scans[key] + rng.normal(0.0, s.noise, scans[key].shape)
        copy = (scan >= s.threshold).astype(np.float64)  # background removal + binarisation
        mw, mb, _, r = _look(copy, s.dpi, regions[(s.rotation_deg, s.dpi)])
        diff = mw - mb
        contrast = diff / (mw + mb) if mw + mb > 0 else 0.0
        shows = diff >= 0.03 and contrast >= 0.3 and mb <= 0.05 and r >= 0.5
        out.append(GridPoint(s, mw, mb, contrast, r, shows))
    return tuple(out)


def photocopy(page: Image.Image, src_dpi: int, s: CopierSetting, seed: int = 0) -> Image.Image:
    """A model photocopy of a whole 1-bit page (black = 0) at the copier's resolution, for viewing."""
    ink = ~np.asarray(page.convert("1"), dtype=bool)
    optics = gaussian(ink.astype(np.float64), s.mtf_sigma_mm / (25.4 / src_dpi))
    scan = _transform(optics, src_dpi, s.dpi, s.rotation_deg)
    scan = scan + np.random.default_rng(seed).normal(0.0, s.noise, scan.shape)
    return Image.fromarray(scan < s.threshold)


def copier_margin(
    ink: F, word: npt.NDArray[np.bool_], dpi: int, setting: CopierSetting, seed: int = 0
) -> CopierMargin:
    """The band of thresholds (0.05-0.95, to 0.01) at which the word shows with ``setting``'s optics,
    skew and noise, and ``setting``'s place in it: a sweep in steps of 0.05, then each edge of the
    band refined in steps of 0.01."""

    def showing(thresholds: list[float]) -> list[float]:
        grid = tuple(replace(setting, threshold=t) for t in thresholds)
        pts = _copier_grid(ink, word, dpi, grid, np.random.default_rng(seed))
        return [p.setting.threshold for p in pts if p.shows]

    coarse = showing([round(0.05 * i, 2) for i in range(1, 20)])
    at = bool(showing([setting.threshold]))
    if not coarse:
        return CopierMargin(setting, at, None, -setting.threshold)
    lo_c, hi_c = min(coarse), max(coarse)
    lo = min([*showing([round(lo_c - 0.01 * i, 2) for i in range(1, 5)]), lo_c])
    hi = max([*showing([round(hi_c + 0.01 * i, 2) for i in range(1, 5)]), hi_c])
    t = setting.threshold
    margin = min(t - lo, hi - t) if lo <= t <= hi else -min(abs(t - lo), abs(t - hi))
    return CopierMargin(setting, at, (lo, hi), round(margin, 3))


def copytest(
    profile: PrinterProfile,
    grid: tuple[CopierSetting, ...] = DEFAULT_GRID,
    seed: int = 0,
    params: GroundParams | None = None,
    *,
    mid_range: CopierSetting | None = MID_RANGE_COPIER,
) -> CopyReport:
    """Run the eye and the copier grid over the profile's 地紋 (deterministic for a given seed).

    The original is *hidden* when the eye criteria hold and the seams are flat (``seam_spread`` ≤
    ``SEAM_SPREAD_MAX``).  ``mid_range`` (None to skip) adds the single-copier threshold margin.
    """
    params = params or profile.security.ground
    ink_b, word = word_patch(profile, params)
    ink = ink_b.astype(np.float64)
    mw, mb, texture, r = _look(ink, profile.dpi, _regions(word, profile.dpi))
    delta = abs(mw - mb)
    seam = seam_spread(ink_b, profile.dpi, params.cell)
    hidden = delta < 0.02 and texture < 0.02 and abs(r) < 0.3 and seam <= SEAM_SPREAD_MAX
    original = EyeResult(delta, texture, r, seam, hidden)
    points = _copier_grid(ink, word, profile.dpi, grid, np.random.default_rng(seed))
    margin = None if mid_range is None else copier_margin(ink, word, profile.dpi, mid_range, seed)
    return CopyReport(profile.name, profile.dpi, params, original, points, margin)
