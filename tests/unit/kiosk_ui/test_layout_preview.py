"""The confirm screen's layout preview (kiosk.preview): the printer's real layout of a synthetic
template, every personal field a grey bar, cached per (certificate, items, size), made ahead."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk.preview import ITEMS, PreviewError, cached_preview, ensure_previews, preview_path, preview_size
from kiosk.preview.__main__ import main
from kiosk.preview.render import _template, render_preview
from kiosk.ui.layouts import SIZES
from printer.layout.canvas import Text
from printer.layout.fonts import string_width_mm
from printer.layout.render import layout_document
from printer.samples import sample_path

BIG = (840, 1188)  # 4 px per mm: boxes large enough to measure


def _sample_person() -> dict[str, str]:
    content = json.loads(sample_path("juminhyo").read_text(encoding="utf-8"))["content"]
    return {"name": content["body"]["persons"][0]["name"], "address": content["body"]["address"],
            "birth": content["body"]["persons"][0]["birth_date"]}


def _box(t: Text, px_per_mm: float) -> tuple[int, int, int, int]:
    """The pixel box of a laid-out text on a preview drawn at ``px_per_mm`` from the page's corner."""
    size_mm = t.size * 25.4 / 72
    width = string_width_mm(t.text, t.face, t.size)
    x0 = t.x - {"l": 0.0, "r": width, "c": width / 2}[t.align]
    return (round(x0 * px_per_mm), round((t.y - size_mm * 0.7) * px_per_mm),
            round((x0 + width) * px_per_mm), round(t.y * px_per_mm))


def test_names_addresses_and_dates_are_grey_bars_and_the_title_stays() -> None:
    person = _sample_person()
    items = ("householder_relationship", "honseki", "my_number")
    page = layout_document(_template("juminhyo", items))[0]
    im = np.asarray(render_preview("juminhyo", items, BIG).convert("L"), dtype=float)
    scale = BIG[0] / 210
    personal = [t for t in page.texts() if any(v in t.text or t.text.strip("　") in v
                                               for v in person.values() if t.text.strip("　"))]
    assert len(personal) >= 3  # the name, the address, the birth date at least
    for t in personal:
        a, b, c, e = _box(t, scale)
        region = im[b + 2:e - 2, a + 2:c - 2]
        # A bar: one flat grey, no glyph strokes (a glyph would put black and white pixels in it).
        assert region.size and 120 < region.mean() < 180 and region.std() < 12, t.text
    title = next(t for t in page.texts() if t.role == "title")
    a, b, c, e = _box(title, scale)
    assert im[b:e, a:c].min() < 110 and im[b:e, a:c].max() > 240  # glyphs: dark strokes on white


def test_no_digit_and_no_name_of_the_template_is_drawn_as_text() -> None:
    from kiosk.preview.render import _values, masked

    for certificate, keys in ITEMS.items():
        doc = _template(certificate, keys)
        values = _values(doc)
        for page in layout_document(doc)[:1]:
            for t in page.texts():
                if any(ch.isdigit() for ch in t.text) or any(v in t.text for v in values):
                    assert masked(t.text, values), (certificate, t.text)


def test_items_change_the_layout() -> None:
    none = np.asarray(render_preview("juminhyo", (), (420, 594)).convert("L"))
    full = np.asarray(render_preview("juminhyo", ITEMS["juminhyo"], (420, 594)).convert("L"))
    assert (none != full).sum() > 500  # the 本籍 and 個人番号 rows appear
    ignored = np.asarray(render_preview("juminhyo", ("not_an_item",), (420, 594)).convert("L"))
    assert (ignored == none).all()


def test_cache_per_certificate_items_and_size(tmp_path: Path) -> None:
    size = preview_size(SIZES["1280x800"])
    assert cached_preview(tmp_path, "juminhyo", (), size) is None  # not made: the screen shows no picture
    first = ensure_previews(tmp_path, size)
    combos = sum(2 ** len(keys) for keys in ITEMS.values())
    assert (first.rendered, first.cached) == (combos, 0) and combos == 17
    again = ensure_previews(tmp_path, size)
    assert (again.rendered, again.cached) == (0, combos)
    path = cached_preview(tmp_path, "juminhyo", ("item_unknown", "honseki"), size)
    assert path == preview_path(tmp_path, "juminhyo", ("honseki",), size)
    with Image.open(path) as im:
        assert im.size == size
    other_items = preview_path(tmp_path, "juminhyo", ("honseki",), size)
    assert preview_path(tmp_path, "juminhyo", (), size) != other_items
    other_size = preview_path(tmp_path, "inkan", (), (size[0] + 1, size[1]))
    assert preview_path(tmp_path, "inkan", (), size) != other_size
    stale = tmp_path / "juminhyo-none-1x1-0000000000.png"
    stale.write_bytes(b"old layout")
    assert ensure_previews(tmp_path, size).pruned == 1 and not stale.exists()


def test_unknown_certificate() -> None:
    with pytest.raises(PreviewError):
        render_preview("passport", (), (200, 283))
    assert cached_preview(Path("/nonexistent"), "passport", (), (200, 283)) is None


@pytest.mark.parametrize("size", list(SIZES))
def test_every_screen_size_has_an_a4_preview(size: str) -> None:
    w, h = preview_size(SIZES[size])
    assert abs(w / h - 210 / 297) < 0.01
    assert 200 <= h <= SIZES[size][1] // 2


def test_command_line_makes_the_previews_of_the_configs_size(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "kiosk/examples/kiosk.toml", "--out", str(tmp_path)]) == 0
    assert "17 made" in capsys.readouterr().out
    assert len(list(tmp_path.glob(f"*-{'x'.join(map(str, preview_size((1280, 1024))))}-*.png"))) == 17
