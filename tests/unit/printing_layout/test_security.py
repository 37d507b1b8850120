"""Security patterns on the device grid: 地紋 invariants, microtext, guilloche, QR, capabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from printer.profiles import PROFILES, get_profile
from printer.samples import load_sample
from printer.security.capabilities import capabilities
from printer.security.ground import GroundParams, ground_pattern, params_for_dpi, pattern_from_mask
from printer.security.guilloche import hypotrochoid
from printer.security.layer import security_layer
from printer.security.microtext import GLYPH_H, microtext, supports_microtext
from printer.security.qr import module_dots, qr_image, qr_matrix

PARAMS = [GroundParams(3, 2), GroundParams(3, 4), GroundParams(4, 3), GroundParams(2, 2)]


@settings(max_examples=60, deadline=None)
@given(
    mask=arrays(np.bool_, st.tuples(st.integers(1, 12), st.integers(1, 12))), params=st.sampled_from(PARAMS)
)
def test_every_cell_holds_the_same_number_of_dots_word_or_not(mask: np.ndarray, params: GroundParams) -> None:
    """The big-dot/little-dot invariant: equal tone everywhere, whatever the word's shape."""
    ink = pattern_from_mask(mask, params)
    c = params.cell
    assert ink.shape == (mask.shape[0] * c, mask.shape[1] * c)
    per_cell = ink.reshape(mask.shape[0], c, mask.shape[1], c).sum(axis=(1, 3))
    assert (per_cell == params.cluster**2).all()


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_ground_dots_lie_on_the_device_grid(dpi: int) -> None:
    p = params_for_dpi(dpi)
    ink, word = ground_pattern(1200, 900, dpi)
    assert ink.dtype == bool and ink.shape == (900, 1200)
    bg = ink & ~word
    # Background: isolated single dots exactly on the pitch grid; no two background dots touch.
    ys, xs = np.nonzero(bg)
    assert ((ys % p.pitch == p.pitch // 2) & (xs % p.pitch == p.pitch // 2)).all()
    assert not (bg[:, 1:] & bg[:, :-1]).any() and not (bg[1:] & bg[:-1]).any()
    # The word area exists and is a minority of the page; the tint is 1/pitch² overall.
    assert 0.05 < word.mean() < 0.6
    assert abs(ink.mean() - p.coverage) < 0.01


def test_ground_word_clusters_are_solid_blocks() -> None:
    p = params_for_dpi(600)
    ink, word = ground_pattern(960, 960, 600)
    c, k, o = p.cell, p.cluster, (p.cell - p.cluster) // 2
    cells = word[::c, ::c][: 960 // c, : 960 // c]
    ys, xs = np.nonzero(cells)
    assert len(ys) > 10
    for y, x in zip(ys[:50], xs[:50], strict=True):
        block = ink[y * c : (y + 1) * c, x * c : (x + 1) * c]
        assert block[o : o + k, o : o + k].all() and block.sum() == k * k


def test_microtext_is_seven_dots_and_only_where_that_is_under_0_3_mm() -> None:
    line = microtext("KONBINIKOFU 139991", 500)
    assert line.shape == (GLYPH_H, 500) and line.any()
    assert supports_microtext(600) and not supports_microtext(300) and not supports_microtext(203)
    assert GLYPH_H * 25.4 / 600 <= 0.30
    # The letters are distinct bitmaps: K and O differ, and the unit repeats along the line.
    unit = microtext("KO", 14)
    assert not np.array_equal(unit[:, 0:5], unit[:, 6:11])


def test_microtext_frames_the_600_dpi_page_only() -> None:
    w, h = 4960, 7016
    with_micro = ~np.asarray(security_layer(w, h, 600, None, None, micro_text="KONBINIKOFU"), dtype=bool)
    without = ~np.asarray(security_layer(w, h, 600, None, None, micro_text=""), dtype=bool)
    assert (with_micro & ~without).sum() > 10000
    prof = get_profile("a4-thermal-300")
    a = np.asarray(
        security_layer(prof.width_dots, prof.page_height_dots, 300, None, None, micro_text="KONBINIKOFU")
    )
    b = np.asarray(security_layer(prof.width_dots, prof.page_height_dots, 300, None, None, micro_text=""))
    assert np.array_equal(a, b)


@pytest.mark.parametrize(("big", "small"), [(13, 5), (8, 3), (12, 4)])
def test_hypotrochoid_closes(big: int, small: int) -> None:
    pts = hypotrochoid(big, small, 2.0)
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    assert math.hypot(x1 - x0, y1 - y0) < 1e-9
    assert max(math.hypot(x, y) for x, y in pts) <= big - small + 2.0 + 1e-9


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_qr_is_alphanumeric_ecc_m_with_integer_modules(dpi: int) -> None:
    seal = load_sample("juminhyo").seal
    matrix = qr_matrix(seal)
    n = matrix.shape[0]
    version = (n - 8 - 17) // 4
    # 256 alphanumeric characters fit version 9 at ECC M (ISO/IEC 18004 Table 7: 259 alphanumeric, only
    # 180 bytes): byte mode would need version 12, i.e. a 33 % wider symbol.
    assert len(seal) == 256 and version == 9
    im = qr_image(seal, dpi)
    m = module_dots(dpi)
    assert im.size == (n * m, n * m) and m * 25.4 / dpi >= 0.34
    (res,) = zxingcpp.read_barcodes(im.convert("L"))
    assert res.text == seal and res.ec_level == "M"


def test_capabilities_table_states_what_each_profile_cannot_carry() -> None:
    caps = {name: capabilities(p) for name, p in PROFILES.items()}
    assert caps["a4-laser-600"].microtext and caps["a4-laser-600"].output == "pdf+raster"
    assert not caps["a4-thermal-300"].microtext and not caps["a4-thermal-203"].microtext
    assert any("microtext" in s for s in caps["a4-thermal-300"].limits)
    assert any("survives copying" in s for s in caps["a4-thermal-203"].limits)
    assert not caps["receipt-80-203"].certificates
    assert [caps[n].qr_module_dots for n in ("a4-thermal-203", "a4-thermal-300", "a4-laser-600")] == [3, 5, 9]
    assert all(c.qr_module_mm >= 0.34 for c in caps.values())
