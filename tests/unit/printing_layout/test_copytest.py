"""The software copy test (docs/printing.md §6): hidden on the original, 「複写」 on a copy."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from printer.copytest import DEFAULT_GRID, TYPICAL_COPIER, CopyReport, copytest, gaussian, photocopy
from printer.profiles import GroundParams, get_profile
from printing_layout._helpers import rendered


@cache
def report(profile: str) -> CopyReport:
    return copytest(get_profile(profile))


@pytest.mark.parametrize("profile", ["a4-thermal-300", "a4-laser-600"])
def test_word_is_hidden_on_the_original(profile: str) -> None:
    o = report(profile).original
    assert o.hidden
    assert o.delta_mean < 0.02 and o.delta_texture < 0.02 and abs(o.correlation) < 0.3


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
