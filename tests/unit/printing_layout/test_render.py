"""Rendered 1-bit pages per profile: size, content, the seal QR, and raster snapshots."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from printer.document import DocumentError
from printer.layout.frame import QR_BOX, TITLE_Y, LayoutError
from printer.layout.raster import draw_layout
from printer.layout.render import layout_document, micro_text_for, render_pages
from printer.profiles import PROFILES, get_profile
from printer.samples import SAMPLES, load_sample
from printer.security.layer import QrDoesNotFitError, security_layer
from printer.security.qr import qr_image
from printing_layout._helpers import A4_PROFILES, rendered

SNAPSHOTS = Path(__file__).with_name("snapshots.json")
PAGE_COUNTS = {"juminhyo": 2, "kisaijiko": 1, "inkan": 1, "kazei": 1, "koseki": 1, "fuhyo": 1}


def _ink(im: Image.Image) -> np.ndarray:
    return ~np.asarray(im.convert("1"), dtype=bool)


def _crop_mm(im: Image.Image, dpi: int, x0: float, y0: float, x1: float, y1: float) -> Image.Image:
    k = dpi / 25.4
    return im.crop((round(x0 * k), round(y0 * k), round(x1 * k), round(y1 * k)))


@pytest.mark.parametrize("profile", A4_PROFILES)
@pytest.mark.parametrize("name", SAMPLES)
def test_pages_are_one_bit_and_exactly_the_profile_width(name: str, profile: str) -> None:
    prof = get_profile(profile)
    pages = rendered(name, profile)
    assert len(pages) == PAGE_COUNTS[name]
    for i, page in enumerate(pages, start=1):
        assert page.image.mode == "1"
        assert page.image.size == (prof.width_dots, prof.page_height_dots)
        assert (page.number, page.total, page.dpi) == (i, len(pages), prof.dpi)
        ink = _ink(page.image)
        issued = load_sample(name)
        layout = layout_document(issued.document)[i - 1]
        content = _ink(draw_layout(layout, prof.width_dots, prof.page_height_dots, prof.dpi))
        layer = _ink(
            security_layer(
                *page.image.size, prof, QR_BOX, issued.seal, micro_text=micro_text_for(issued.document)
            )
        )
        assert not (content & ~ink).any()  # all content is printed ...
        assert not (ink & ~(content | layer)).any()  # ... and nothing but content and security ink
        # The 地紋 is knocked out right next to the strokes (a 1-dot ring around all content).
        ring = np.zeros_like(content)
        ring[:, 1:] |= content[:, :-1]
        ring[:, :-1] |= content[:, 1:]
        ring &= ~content
        assert not (ink & ring).any()
        k = prof.dpi / 25.4
        title = content[round((TITLE_Y - 8) * k) : round((TITLE_Y + 1) * k), round(40 * k) : round(196 * k)]
        cols = np.nonzero(title.any(axis=0))[0]
        assert title.mean() > 0.005 and cols.max() - cols.min() > 25 * k  # the title band carries text
        assert content[round(40 * k) : round(220 * k)].mean() > 0.004  # the body carries text
        assert 0.08 < ink.mean() < 0.30  # ground tint + content; neither blank nor black


@pytest.mark.parametrize("profile", A4_PROFILES)
@pytest.mark.parametrize("name", ["juminhyo", "inkan"])
def test_qr_on_every_page_decodes_to_the_seal(name: str, profile: str) -> None:
    prof = get_profile(profile)
    seal = load_sample(name).seal
    x, y, s = QR_BOX
    for page in rendered(name, profile):
        crop = _crop_mm(page.image, prof.dpi, x - 1, y - 1, x + s + 1, y + s + 1).convert("L")
        results = zxingcpp.read_barcodes(crop)
        assert [r.text for r in results] == [seal]
        assert results[0].format == zxingcpp.BarcodeFormat.QRCode
        assert results[0].content_type == zxingcpp.ContentType.Text


@pytest.mark.parametrize("profile", A4_PROFILES)
def test_qr_modules_are_whole_dots_with_a_blank_quiet_zone(profile: str) -> None:
    prof = get_profile(profile)
    m = prof.security.qr_module_dots
    assert m * 25.4 / prof.dpi >= 0.34 and (m - 1) * 25.4 / prof.dpi < 0.34
    page = rendered("inkan", profile)[0]
    side = qr_image(load_sample("inkan").seal, prof.security).width
    x, y, s = QR_BOX
    k = prof.dpi / 25.4
    x0, y0 = round(x * k), round(y * k) + round(s * k) - side  # bottom-left of the reserved box
    ink = _ink(page.image)
    top, left = y0 + 4 * m, x0 + 4 * m
    # The finder pattern's top-left corner: a run of exactly 7 modules of m dots each.
    run = ink[top, left:]
    assert run[: 7 * m].all() and not run[7 * m]
    # Quiet zone: 4 modules of blank paper on the left and top of the symbol (地紋 cleared there).
    assert not ink[top - 4 * m : top, left - 4 * m : left + 7 * m].any()
    assert not ink[top : top + 7 * m, left - 4 * m : left].any()
    assert ink[top : top + 7 * m, left].all()


def test_receipt_roll_cannot_carry_a_certificate() -> None:
    issued = load_sample("inkan")
    with pytest.raises(LayoutError, match="A4"):
        render_pages(issued.document, issued.seal, PROFILES["receipt-80-203"])


def test_bad_seal_is_refused_before_rendering() -> None:
    issued = load_sample("inkan")
    with pytest.raises(DocumentError):
        render_pages(issued.document, "KJ1:lowercase", get_profile("a4-thermal-203"))


def _digest(im: Image.Image) -> str:
    return hashlib.sha256(im.tobytes()).hexdigest()[:16]


def test_raster_snapshots() -> None:
    """Every page of every sample on every A4 profile, hashed bit for bit.

    A change here means the printed output changed: look at the PNGs (python -m printer render) and
    regenerate with UPDATE_SNAPSHOTS=1 if the change is intended.
    """
    got = {
        f"{n}/{p}/{page.number}": _digest(page.image)
        for n in SAMPLES
        for p in A4_PROFILES
        for page in rendered(n, p)
    }
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOTS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(SNAPSHOTS.read_text(encoding="utf-8"))
    assert got == want


def test_rendering_is_deterministic() -> None:
    issued = load_sample("fuhyo")
    a = render_pages(issued.document, issued.seal, get_profile("a4-thermal-300"))
    b = render_pages(issued.document, issued.seal, get_profile("a4-thermal-300"))
    assert [_digest(p.image) for p in a] == [_digest(p.image) for p in b]


def test_a_seal_too_long_for_the_qr_box_is_a_typed_error() -> None:
    """The box holds version 12 at 300 dpi (5-dot modules): about 400 alphanumeric characters.  A longer
    (still well-formed) seal must be refused with a typed error, never printed scaled down."""
    issued = load_sample("inkan")
    prof = get_profile("a4-thermal-300")
    render_pages(issued.document, "KJ1:" + "A" * 390, prof)  # fits
    with pytest.raises(QrDoesNotFitError) as ei:
        render_pages(issued.document, "KJ1:" + "A" * 1000, prof)
    assert ei.value.code == "layout_qr_too_large"
