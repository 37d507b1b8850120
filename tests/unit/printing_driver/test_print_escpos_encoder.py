"""Byte-exact ESC/POS encoding (docs/printing.md §1)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from printer.escpos import commands as c
from printer.escpos.encoder import (
    Band,
    Feed,
    cut,
    encode,
    feed_commands,
    feed_unit_dots,
    fence,
    graphics_commands,
    job_prologue,
    kanji_setup,
    pack_image,
    plan_page,
    raster_commands,
    size,
    status_requests,
    text,
    text_line,
)
from printer.escpos.errors import RasterError, UnencodableTextError


def test_fixed_commands_are_byte_exact() -> None:
    assert c.Initialize().encode() == b"\x1b\x40"
    assert encode(kanji_setup()) == bytes.fromhex("1b5208 1c4301 1c26")
    assert encode(status_requests()) == bytes.fromhex("100401 100402 100403 100404")
    assert c.AsbEnable(0x0F).encode() == bytes.fromhex("1d610f")
    assert fence().encode() == bytes.fromhex("1d7201")
    assert cut().encode() == bytes.fromhex("1d5600")
    assert cut(partial=True).encode() == bytes.fromhex("1d5601")
    assert cut(feed=40).encode() == bytes.fromhex("1d564128")
    assert c.RealtimeClearBuffers().encode() == bytes.fromhex("1014080103140106 0208")
    assert size(2, 2).encode() == bytes.fromhex("1d2111")
    assert c.KanjiModeOff().encode() == b"\x1c."


def test_job_prologue_clears_then_initialises_with_dot_motion_units() -> None:
    assert encode(job_prologue(203)) == bytes.fromhex("10140801031401060208 1b40 1d5000cb")
    # GS P takes at most 255: at 300 dpi the unit is 2 dots (1/150 inch).
    assert feed_unit_dots(300) == 2
    assert encode(job_prologue(300))[-4:] == bytes.fromhex("1d500096")


def test_kanji_text_is_shift_jis_with_japan_yen() -> None:
    assert text("住民票").data == "住民票".encode("cp932") == bytes.fromhex("8f5a96af955b")
    assert text("¥300").data == b"\x5c300"
    assert encode(text_line("A")) == b"A\n"


@pytest.mark.parametrize(("s", "pos"), [("𠮷野家", 0), ("abc\n", 3), ("住所€", 2)])
def test_unencodable_text_is_a_typed_error_naming_the_position(s: str, pos: int) -> None:
    with pytest.raises(UnencodableTextError) as info:
        text(s)
    assert info.value.position == pos
    assert info.value.code == "escpos_unencodable_text"


def _image(width: int, height: int) -> Image.Image:
    img = Image.new("1", (width, height), 1)
    ImageDraw.Draw(img).point([(0, 0), (9, 1)], fill=0)
    return img


def test_raster_band_header_and_msb_first_black_is_one() -> None:
    packed = pack_image(_image(16, 2), 16)
    (cmd,) = raster_commands(packed, Band(0, 2))
    assert cmd.encode() == bytes.fromhex("1d7630 00 0200 0200 8000 0040")


def test_gs_v0_refuses_more_than_4095_rows() -> None:
    packed = pack_image(Image.new("1", (8, 4096), 1), 8)
    with pytest.raises(RasterError):
        raster_commands(packed, Band(0, 4096))


def test_graphics_short_form_length_counts_bytes_after_ph() -> None:
    packed = pack_image(_image(16, 2), 16)
    store, show = graphics_commands(packed, Band(0, 2))
    data = store.encode()
    # Epson fn 112: p = m fn a bx by c xL xH yL yH + 4 data bytes = 14; a = 48 (monochrome tone)
    assert data == bytes.fromhex("1d284c 0e00 30 70 30 01 01 31 1000 0200 8000 0040")
    assert show.encode() == bytes.fromhex("1d284c 0200 3032")


def test_graphics_switches_to_gs8l_above_65535_parameter_bytes() -> None:
    packed = pack_image(Image.new("1", (2480, 256), 1), 2480)  # 310 × 256 = 79360 data bytes
    store, _ = graphics_commands(packed, Band(0, 256))
    raw = store.encode()
    assert raw[:3] == b"\x1d8L"
    assert int.from_bytes(raw[3:7], "little") == len(raw) - 7 == 79360 + 10
    assert raw[7:17] == bytes.fromhex("30 70 30 01 01 31 b009 0001")  # m fn a bx by c x=2480 y=256
    small = pack_image(Image.new("1", (576, 100), 1), 576)
    assert graphics_commands(small, Band(0, 100))[0].encode()[:3] == b"\x1d(L"


def test_pack_image_rejects_wrong_mode_and_width() -> None:
    with pytest.raises(RasterError):
        pack_image(Image.new("L", (576, 10), 255), 576)
    with pytest.raises(RasterError):
        pack_image(Image.new("1", (575, 10), 1), 576)


def test_feed_commands_split_at_255_units() -> None:
    assert feed_commands(600) == [c.PrintAndFeed(255), c.PrintAndFeed(255), c.PrintAndFeed(90)]
    assert feed_commands(100, 2) == [c.PrintAndFeed(50)]


def test_plan_page_feeds_blank_stretches_and_keeps_height() -> None:
    img = Image.new("1", (64, 1000), 1)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 100, 63, 109), fill=0)
    draw.rectangle((0, 700, 63, 709), fill=0)
    plan = plan_page(pack_image(img, 64), 256)
    assert plan == [Feed(100), Band(100, 110), Feed(590), Band(700, 710), Feed(290)]
    # With 2-dot motion units an odd blank run leaves one white row inside the next band.
    plan2 = plan_page(pack_image(img, 64), 256, feed_unit=2)
    heights = sum(s.rows if isinstance(s, Feed) else s.stop - s.start for s in plan2)
    assert heights == 1000
    assert all(s.rows % 2 == 0 for s in plan2 if isinstance(s, Feed))


def test_plan_page_splits_ink_into_bands_of_at_most_band_rows() -> None:
    img = Image.new("1", (64, 600), 0)
    plan = plan_page(pack_image(img, 64), 256)
    assert plan == [Band(0, 256), Band(256, 512), Band(512, 600)]
