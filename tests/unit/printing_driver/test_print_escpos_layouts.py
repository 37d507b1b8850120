"""Every command our encoder sends, byte for byte against Epson's documented layout.

The expected bytes are written by hand from the ESC/POS command reference (name, hex, parameters),
not produced by the encoder, so an encoder and emulator that agree on a wrong layout fail here.
"""

from __future__ import annotations

import pytest
from PIL import Image

from printer.escpos import commands as c
from printer.escpos.encoder import (
    Band,
    cut,
    encode,
    fence,
    graphics_commands,
    job_prologue,
    justify,
    kanji_setup,
    pack_image,
    raster_commands,
    size,
    status_requests,
    text,
)

CASES = [
    # (command, documented bytes)
    (c.Initialize(), "1b 40"),  # ESC @
    (c.LineFeed(), "0a"),  # LF
    (c.PrintAndFeed(24), "1b 4a 18"),  # ESC J n
    (c.PrintAndFeedLines(3), "1b 64 03"),  # ESC d n
    (c.SetMotionUnits(0, 203), "1d 50 00 cb"),  # GS P x y
    (c.SetLineSpacing(24), "1b 33 18"),  # ESC 3 n
    (c.DefaultLineSpacing(), "1b 32"),  # ESC 2
    (c.Justify(1), "1b 61 01"),  # ESC a n
    (c.CharacterSize(0x11), "1d 21 11"),  # GS ! n
    (c.SelectCharset(8), "1b 52 08"),  # ESC R n
    (c.SelectCodeTable(1), "1b 74 01"),  # ESC t n
    (c.KanjiCode(1), "1c 43 01"),  # FS C n
    (c.KanjiModeOn(), "1c 26"),  # FS &
    (c.KanjiModeOff(), "1c 2e"),  # FS .
    (c.RasterImage(0, 2, 1, b"\xff\x00"), "1d 76 30 00 02 00 01 00 ff 00"),  # GS v 0 m xL xH yL yH d
    (c.ColumnImage(33, 1, b"\x80\x00\x01"), "1b 2a 21 01 00 80 00 01"),  # ESC * m nL nH d
    (c.Graphics(50, b""), "1d 28 4c 02 00 30 32"),  # GS ( L fn 50: print the buffer
    (c.Cut(0), "1d 56 00"),  # GS V m (function A)
    (c.Cut(65, 3), "1d 56 41 03"),  # GS V m n (function B: feed n, cut)
    (c.RealtimeStatus(4), "10 04 04"),  # DLE EOT n
    (c.RealtimeRequest(2), "10 05 02"),  # DLE ENQ n
    (c.RealtimeClearBuffers(), "10 14 08 01 03 14 01 06 02 08"),  # DLE DC4 fn=8 d1..d7
    (c.AsbEnable(0x0F), "1d 61 0f"),  # GS a n
    (c.TransmitStatus(1), "1d 72 01"),  # GS r n
    (c.Barcode(2, b"4901234567894"), "1d 6b 02" + b"4901234567894".hex() + "00"),  # GS k m d NUL
    (c.Barcode(73, b"{B12"), "1d 6b 49 04 7b 42 31 32"),  # GS k m n d
]


@pytest.mark.parametrize(("cmd", "documented"), CASES, ids=[type(x).__name__ for x, _ in CASES])
def test_command_bytes_follow_the_documented_layout(cmd: c.Command, documented: str) -> None:
    assert cmd.encode() == bytes.fromhex(documented)


def test_graphics_store_function_112_has_the_tone_byte() -> None:
    """GS ( L pL pH m=48 fn=112 a=48 bx=1 by=1 c=49 xL xH yL yH d… then fn 50 prints."""
    img = Image.new("1", (9, 2), 1)
    img.putpixel((0, 0), 0)
    img.putpixel((8, 1), 0)
    store, show = graphics_commands(pack_image(img, 9), Band(0, 2))
    # 9 dots wide = 2 bytes a row; p = 10 header bytes + 4 data bytes = 14
    assert store.encode() == bytes.fromhex("1d 28 4c 0e 00 30 70 30 01 01 31 09 00 02 00 80 00 00 80")
    assert show.encode() == bytes.fromhex("1d 28 4c 02 00 30 32")


def test_raster_band_layout() -> None:
    img = Image.new("1", (16, 1), 1)
    img.putpixel((15, 0), 0)
    (cmd,) = raster_commands(pack_image(img, 16), Band(0, 1))
    assert cmd.encode() == bytes.fromhex("1d 76 30 00 02 00 01 00 00 01")


def test_high_level_builders_send_the_documented_sequences() -> None:
    # DLE DC4 8 (clear buffers), ESC @, GS P 0 203 (one-dot vertical unit at 203 dpi)
    assert encode(job_prologue(203)) == bytes.fromhex("10 14 08 01 03 14 01 06 02 08 1b 40 1d 50 00 cb")
    # 300 dpi does not fit GS P's byte: two-dot units, GS P 0 150
    assert encode(job_prologue(300))[-4:] == bytes.fromhex("1d 50 00 96")
    # ESC R 8 (Japan), FS C 1 (Shift-JIS), FS & (Kanji on)
    assert encode(kanji_setup()) == bytes.fromhex("1b 52 08 1c 43 01 1c 26")
    assert cut().encode() == bytes.fromhex("1d 56 00")
    assert cut(partial=True).encode() == bytes.fromhex("1d 56 01")
    assert cut(feed=5).encode() == bytes.fromhex("1d 56 41 05")
    assert cut(feed=5, partial=True).encode() == bytes.fromhex("1d 56 42 05")
    assert size(2, 3).encode() == bytes.fromhex("1d 21 12")  # width-1 high nibble, height-1 low
    assert justify("right").encode() == bytes.fromhex("1b 61 02")
    assert encode(status_requests()) == bytes.fromhex("10 04 01 10 04 02 10 04 03 10 04 04")
    assert fence().encode() == bytes.fromhex("1d 72 01")
    # Japan character set: ¥ is 0x5C; Kanji are Shift-JIS pairs (日 = 93 FA, 本 = 96 7B)
    assert text("¥日本").encode() == bytes.fromhex("5c 93 fa 96 7b")
