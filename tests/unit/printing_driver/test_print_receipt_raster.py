"""The receipt's block in the resident's language: fonts that cover it, GS v 0 as python-escpos sends it,
widths per profile, typed errors, and Japanese alone when the resident chose Japanese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from escpos.printer import Dummy
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageFont

from kiosk.adapters.printing import receipt_data
from kiosk.adapters.receipt_text import receipt_translation
from kiosk.devices import ReceiptHeader
from kiosk.flow.effects import PrintReceipt
from kiosk.flow.messages import MESSAGES
from kiosk.ui.i18n import Translator
from printer.escpos import commands as c
from printer.escpos.encoder import encode
from printer.profiles import PROFILES
from printer.receipt import build_receipt
from printer.receipt_raster import (
    FONT_FACES,
    ReceiptTranslation,
    TranslationError,
    render_translation,
    translation_commands,
)

HEADER = ReceiptHeader(store_name="見本市中央一丁目店", store_code="012345", terminal_id="K0001")
AT = dt.datetime(2026, 11, 26, 5, 5, tzinfo=dt.UTC)  # 14:05 in Japan
# Fonts named here by the test, from the faces' own name tables (not from printer.receipt_raster).
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
EXPECTED_FACE = {"zh": "Noto Sans CJK SC", "ko": "Noto Sans CJK KR", "vi": "DejaVu Sans", "pt": "DejaVu Sans",
                 "en": "DejaVu Sans"}


def _face(name: str) -> TTFont:
    if name.startswith("Noto"):
        return next(f for f in TTCollection(NOTO).fonts if f["name"].getDebugName(4) == name)
    return TTFont(DEJAVU)


def _receipt(lang: str, **kw: object) -> PrintReceipt:
    values: dict[str, object] = {"certificate_name": "住民票の写し", "municipality": "東京都見本市",
                                 "language": lang}
    values.update(kw)
    return PrintReceipt("O--QzycZ7TFjCE6DpwLlc3RMtV", "juminhyo", 2, 600, 1000, 400, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", sorted(EXPECTED_FACE))
def test_every_receipt_text_of_every_language_has_its_glyphs_in_the_font(lang: str) -> None:
    cmap = _face(EXPECTED_FACE[lang]).getBestCmap()
    tr = Translator()
    keys = [k for k in MESSAGES if k.startswith(("receipt.", "certificate."))]
    assert len(keys) >= 20
    text = "".join(tr.text(k, lang) for k in keys) + "0123456789,.:-×"
    assert tr.has("receipt.title", lang)
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    assert missing == []


@pytest.mark.parametrize("lang", sorted(EXPECTED_FACE))
def test_each_language_is_drawn_in_the_face_that_covers_it(lang: str) -> None:
    path, index = FONT_FACES[lang]
    assert ImageFont.truetype(str(path), 24, index=index).getname()[0] == EXPECTED_FACE[lang]
    tr = receipt_translation(_receipt(lang), AT)
    assert tr is not None and tr.language == lang
    assert render_translation(tr, 576).width == 576


def test_japanese_residents_get_japanese_only() -> None:
    data = receipt_data(_receipt("ja"), HEADER, AT)
    assert data.translation is None
    assert not any(isinstance(cmd, c.RasterImage) for cmd in build_receipt(data))


def test_vietnamese_rows_mirror_the_japanese_ones() -> None:
    tr = receipt_translation(_receipt("vi", refunded=600), AT)
    assert tr is not None
    assert tr.title == "Biên lai"
    assert tr.rows[0] == ("Ngày giờ: 2026-11-26 14:05", "")
    assert tr.rows[1] == ("Bản sao phiếu cư trú (juminhyo) ×2", "600 yên")
    assert ("Đã nhận", "1.000 yên") in tr.rows and ("Đã hoàn tiền", "600 yên") in tr.rows
    assert tr.rows[-1][0].startswith("Xin đừng quên")


def test_a_refund_failed_slip_carries_owed_amount_and_reference_in_the_language() -> None:
    tr = receipt_translation(_receipt("ko", refund_owed=1000, reference="7VCD-R602"), AT)
    assert tr is not None
    assert tr.title == "미환불 확인증"
    assert ("미환불", "1,000엔") in tr.rows
    assert ("접수 번호: 7VCD-R602", "") in tr.rows


def test_a_glyph_the_font_lacks_is_a_typed_error_and_the_receipt_prints_japanese_only(
        caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(TranslationError, match="no glyph"):
        ReceiptTranslation("vi", "Biên lai", (("영수증", ""),))  # Hangul: DejaVu has none
    with pytest.raises(TranslationError, match="no receipt font"):
        ReceiptTranslation("xx", "t", (("r", ""),))
    with pytest.raises(TranslationError, match="printable"):
        ReceiptTranslation("en", "t", (("a\x1bb", ""),))
    assert receipt_translation(_receipt("xx"), AT) is None


def _gs_v0(stream: bytes) -> list[tuple[int, int, bytes]]:
    """(width bytes, rows, data) of every GS v 0 in ``stream``, read from the bytes by this test."""
    out, i = [], 0
    while (m := re.compile(rb"\x1dv0[\x00-\x03]").search(stream, i)) is not None:
        h = m.end()
        xb, rows = stream[h] | stream[h + 1] << 8, stream[h + 2] | stream[h + 3] << 8
        out.append((xb, rows, stream[h + 4 : h + 4 + xb * rows]))
        i = h + 4 + xb * rows
    return out


def test_the_raster_is_the_gs_v0_python_escpos_sends_for_the_same_image() -> None:
    tr = receipt_translation(_receipt("vi"), AT)
    assert tr is not None
    image = render_translation(tr, 576)
    ours = _gs_v0(encode(translation_commands(tr, 576, 256)))
    ref = Dummy(profile="RP-F10-80mm")
    ref.image(image, impl="bitImageRaster", fragment_height=256, center=False)
    theirs = _gs_v0(ref.output)
    assert [(xb, rows) for xb, rows, _ in ours] == [(xb, rows) for xb, rows, _ in theirs]
    assert b"".join(d for *_, d in ours) == b"".join(d for *_, d in theirs)
    assert sum(rows for _, rows, _ in ours) == image.height


@pytest.mark.parametrize("name", sorted(n for n, p in PROFILES.items() if p.kind == "escpos"))
def test_raster_width_is_the_printable_width_of_each_escpos_profile(name: str) -> None:
    prof = PROFILES[name]
    data = receipt_data(_receipt("zh"), HEADER, AT)
    cmds = build_receipt(data, prof)
    rasters = [cmd for cmd in cmds if isinstance(cmd, c.RasterImage)]
    assert rasters
    assert {r.width_bytes * 8 for r in rasters} == {prof.width_dots}
    if prof.paper == "roll80":  # a receipt printer: 72 mm of dots on 80 mm paper, margins both sides
        printed_mm = prof.width_dots * 25.4 / prof.dpi
        assert prof.width_dots == 576 and 71.5 < printed_mm < 72.5 and prof.paper_width_mm == 80.0
    # The text half: the longest Japanese line is no wider than the raster half.
    texts = [cmd.data for cmd in cmds if isinstance(cmd, c.Text)]
    assert max(len(t) for t in texts) * 12 <= prof.width_dots


def test_the_block_ink_sits_inside_the_paper_and_has_one_band_of_text_per_row() -> None:
    rows = (("Total", "600 yen"), ("Paid", "1,000 yen"), ("Change", "400 yen"))
    tr = ReceiptTranslation("en", "Receipt", rows)
    img = render_translation(tr, 576)
    assert isinstance(img, Image.Image) and img.mode == "1"
    ink_rows = [any(img.getpixel((x, y)) == 0 for x in range(576)) for y in range(img.height)]
    runs = sum(1 for y in range(img.height) if ink_rows[y] and (y == 0 or not ink_rows[y - 1]))
    assert runs == 4  # title + three rows, each its own band of ink
    right_ink = [x for x in range(560, 576) for y in range(img.height) if img.getpixel((x, y)) == 0]
    assert right_ink  # amounts are flush right
