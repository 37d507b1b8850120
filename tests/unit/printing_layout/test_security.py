"""Security patterns on the device grid: 地紋 invariants, microtext, guilloche, QR, capabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from printer.profiles import PROFILES, GroundParams, get_profile
from printer.samples import load_sample
from printer.security.capabilities import capabilities
from printer.security.ground import ground_pattern, pattern_from_mask
from printer.security.guilloche import hypotrochoid
from printer.security.layer import security_layer
from printer.security.microtext import GLYPH_H, microtext
from printer.security.qr import qr_image, qr_matrix

BY_DPI = {203: "a4-thermal-203", 300: "a4-thermal-300", 600: "a4-laser-600"}

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
    prof = get_profile(BY_DPI[dpi])
    p = prof.security.ground
    raw, word = ground_pattern(1200, 900, prof, balanced=False)
    ink, word_b = ground_pattern(1200, 900, prof)
    assert ink.dtype == bool and ink.shape == (900, 1200) and np.array_equal(word, word_b)
    # Unbalanced background: isolated single dots exactly on the pitch grid.
    ys, xs = np.nonzero(raw & ~word)
    assert ((ys % p.pitch == p.pitch // 2) & (xs % p.pitch == p.pitch // 2)).all()
    # Balanced: the clusters are untouched, the dot count is the same, some background dots near the
    # word moved, and every background dot is still isolated (nothing in its 8-neighbourhood).
    assert np.array_equal(ink & word, raw & word) and ink.sum() == raw.sum()
    bg = ink & ~word
    moved = bg & ~raw
    assert moved.any()
    padded = np.pad(ink, 1)
    neighbours = sum(
        padded[1 + dy : 1 + dy + 900, 1 + dx : 1 + dx + 1200]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if (dy, dx) != (0, 0)
    )
    assert not (bg & (neighbours > 0)).any()
    # A moved dot is at most one dot (in x and y) from a lattice site.
    ys, xs = np.nonzero(moved)
    off_y, off_x = (ys - p.pitch // 2) % p.pitch, (xs - p.pitch // 2) % p.pitch
    assert np.isin(off_y, (0, 1, p.pitch - 1)).all() and np.isin(off_x, (0, 1, p.pitch - 1)).all()
    # The word area exists and is a minority of the page; the tint is 1/pitch² overall.
    assert 0.05 < word.mean() < 0.6
    assert abs(ink.mean() - p.coverage) < 0.01


def test_ground_word_clusters_are_solid_blocks() -> None:
    prof = get_profile("a4-laser-600")
    p = prof.security.ground
    ink, word = ground_pattern(960, 960, prof)
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
    assert GLYPH_H * 25.4 / 600 <= 0.30
    # The letters are distinct bitmaps: K and O differ, and the unit repeats along the line.
    unit = microtext("KO", 14)
    assert not np.array_equal(unit[:, 0:5], unit[:, 6:11])


def test_microtext_frames_the_600_dpi_page_only() -> None:
    w, h = 4960, 7016
    p600 = get_profile("a4-laser-600")
    with_micro = ~np.asarray(security_layer(w, h, p600, None, None, micro_text="KONBINIKOFU"), dtype=bool)
    without = ~np.asarray(security_layer(w, h, p600, None, None, micro_text=""), dtype=bool)
    assert (with_micro & ~without).sum() > 10000
    prof = get_profile("a4-thermal-300")
    a = np.asarray(
        security_layer(prof.width_dots, prof.page_height_dots, prof, None, None, micro_text="KONBINIKOFU")
    )
    b = np.asarray(security_layer(prof.width_dots, prof.page_height_dots, prof, None, None, micro_text=""))
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
    sec = get_profile(BY_DPI[dpi]).security
    im = qr_image(seal, sec)
    m = sec.qr_module_dots
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


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_security_params_meet_their_physical_limits(name: str) -> None:
    """The per-profile geometry is data; each value is checked here against the limit it exists for
    (docs/printing.md §4-§5), with the arithmetic written out rather than asked of the code."""
    prof = PROFILES[name]
    sec, dot = prof.security, 25.4 / prof.dpi
    # QR: the least whole number of dots reaching 0.34 mm.
    assert sec.qr_module_dots * dot >= 0.34 and (sec.qr_module_dots - 1) * dot < 0.34
    # Guilloche line: about 0.08 mm, the nearest whole number of dots and never below one.
    assert sec.guilloche_line_dots >= 1 and abs(sec.guilloche_line_dots * dot - 0.08) <= dot / 2 + 1e-9
    # Microtext exactly where a 7-dot glyph is at most 0.3 mm tall.
    assert sec.microtext == (7 * dot <= 0.30)
    # The 地紋 background is an 11 % tint of single dots (pitch 3) at every resolution.
    assert sec.ground.pitch == 3 and sec.ground.cluster >= 2


def test_security_params_table() -> None:
    """The values docs/printing-layout.md tabulates (a change must update the docs too)."""
    got = {
        n: (s.ground.pitch, s.ground.cluster, s.microtext, s.qr_module_dots, s.guilloche_line_dots)
        for n, s in ((n, p.security) for n, p in PROFILES.items())
    }
    assert got == {
        "receipt-80-203": (3, 2, False, 3, 1),
        "a4-thermal-203": (3, 2, False, 3, 1),
        "a4-thermal-300": (3, 2, False, 5, 1),
        "a4-laser-600": (3, 4, True, 9, 2),
    }
