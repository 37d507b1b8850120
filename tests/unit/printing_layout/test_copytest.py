"""The software copy test (docs/printing.md §6): hidden on the original, 「複写」 on a copy."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from printer.copytest import (
    DEFAULT_GRID,
    MID_RANGE_COPIER,
    TYPICAL_COPIER,
    CopyReport,
    copytest,
    gaussian,
    photocopy,
)
from printer.profiles import GroundParams, get_profile
from printer.security.ground import ground_pattern, word_patch
from printer.security.seams import SEAM_SPREAD_MAX, seam_spread
from printing_layout._helpers import rendered


@cache
def report(profile: str) -> CopyReport:
    return copytest(get_profile(profile))


@pytest.mark.parametrize("profile", ["a4-thermal-300", "a4-laser-600"])
def test_word_is_hidden_on_the_original(profile: str) -> None:
    o = report(profile).original
    assert o.hidden
    assert o.delta_mean < 0.02 and o.delta_texture < 0.02 and abs(o.correlation) < 0.3
    assert o.seam_spread <= SEAM_SPREAD_MAX == 0.003


COPY_EVIDENT = ["a4-thermal-300", "a4-laser-600"]


@pytest.mark.parametrize("profile", COPY_EVIDENT)
def test_seam_measure_fails_the_unbalanced_pattern(profile: str) -> None:
    """The pattern as it was before balancing (issue 17): the seams along the word's strokes."""
    prof = get_profile(profile)
    raw, _ = word_patch(prof, balanced=False)
    assert seam_spread(raw, prof.dpi, prof.security.ground.cell) > SEAM_SPREAD_MAX + 0.0005


@pytest.mark.parametrize("profile", COPY_EVIDENT)
def test_seam_measure_reads_a_clean_lattice_as_flat(profile: str) -> None:
    prof = get_profile(profile)
    clean = np.zeros((600, 700), dtype=bool)
    clean[1::3, 1::3] = True  # the background lattice alone, built here, not by the code under test
    assert seam_spread(clean, prof.dpi, prof.security.ground.cell) < 0.0002


@pytest.mark.parametrize("profile", COPY_EVIDENT)
def test_balanced_seams_are_flat_on_the_page_ground_too(profile: str) -> None:
    """The page stamps the balanced patch around every word: a 70 mm square of page ground passes."""
    prof = get_profile(profile)
    side = prof.mm_to_dots(70)
    ink, word = ground_pattern(side, side, prof)
    assert 0.05 < word.mean() < 0.5  # words, some cut at the square's edges
    balanced = seam_spread(ink, prof.dpi, prof.security.ground.cell)
    raw, _ = ground_pattern(side, side, prof, balanced=False)
    # Words cover only part of a page, so the percentiles are less extreme than on the word patch;
    # the balanced ground must still pass and be clearly flatter than the unbalanced one.
    assert balanced <= SEAM_SPREAD_MAX
    assert balanced < 0.75 * seam_spread(raw, prof.dpi, prof.security.ground.cell)


@pytest.mark.parametrize("profile", COPY_EVIDENT)
def test_mid_range_copier_brings_the_word_out_with_margin(profile: str) -> None:
    m = report(profile).mid_range
    assert m is not None and m.setting == MID_RANGE_COPIER and m.shows
    assert m.band is not None and m.band[0] <= 0.38 <= m.band[1]
    assert m.margin >= 0.05
    j = report(profile).to_json()["mid_range_copier"]
    assert j["threshold_margin"] == m.margin and j["shows"] is True


@pytest.mark.parametrize(("profile", "least"), [("a4-thermal-300", 0.55), ("a4-laser-600", 0.9)])
def test_word_shows_on_copies(profile: str, least: float) -> None:
    r = report(profile)
    assert len(r.points) == len(DEFAULT_GRID) == 72
    assert r.shows_fraction >= least
    typical = next(p for p in r.points if p.setting == TYPICAL_COPIER)
    assert typical.shows and typical.background_tone <= 0.05 and typical.correlation >= 0.5
    assert r.to_json()["copy_evident"] is True


def test_600_dpi_survives_every_copier_resolution_from_300_up() -> None:
    by_dpi = report("a4-laser-600").to_json()["copy"]["shows_fraction_by_copier_dpi"]
    assert all(by_dpi[d] == 1.0 for d in ("300", "400", "600"))


def test_203_dpi_is_reported_as_not_copy_evident() -> None:
    """Honest negative: 125 µm single dots survive a copier, and 2×2 clusters show to the eye."""
    j = report("a4-thermal-203").to_json()
    assert j["copy_evident"] is False
    assert j["copy"]["shows_fraction"] < 0.3


def test_control_without_clusters_never_shows() -> None:
    """A pattern whose word uses the same single dots as the background must never reveal it: the
    copier model finds words only where the big-dot/little-dot contrast exists."""
    flat = GroundParams(pitch=3, cluster=1)
    r = copytest(get_profile("a4-thermal-300"), grid=DEFAULT_GRID[::6], params=flat)
    assert r.original.hidden
    assert r.shows_fraction == 0.0


def test_control_visible_word_is_not_hidden() -> None:
    """Clusters on a coarse grid (1.0 mm cells at 300 dpi) form a texture the eye model must see."""
    coarse = GroundParams(pitch=4, cluster=3)
    assert not copytest(get_profile("a4-thermal-300"), grid=(), params=coarse).original.hidden


def test_gaussian_preserves_mean_and_blurs() -> None:
    rng = np.random.default_rng(1)
    img = (rng.random((64, 80)) < 0.1).astype(np.float64)
    out = gaussian(img, 2.0)
    assert out.shape == img.shape
    assert abs(out.mean() - img.mean()) < 0.01
    assert out.std() < img.std() / 3


def test_photocopy_of_a_page_reveals_the_word() -> None:
    page = rendered("inkan", "a4-laser-600")[0].image
    copy = photocopy(page, 600, TYPICAL_COPIER)
    assert copy.size == page.size  # a 600-dpi copier keeps the geometry
    ink_page = ~np.asarray(page, dtype=bool)
    ink_copy = ~np.asarray(copy, dtype=bool)
    # The copier drops most of the tint (single dots) but keeps the text and the word clusters.
    assert ink_copy.mean() < ink_page.mean() * 0.8
    assert get_profile("a4-laser-600").security.ground.cluster == 4
