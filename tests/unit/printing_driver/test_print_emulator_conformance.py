"""The emulator's print head against the documented behaviour, without sockets.

Expected values are written by hand from the standards (check digits, code pages) or taken from an
independent implementation (python-barcode's symbology tables, zxing-cpp's decoder).
"""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp
from barcode.charsets import codabar as ref_codabar
from barcode.charsets import code39 as ref_code39
from barcode.charsets import code128 as ref_code128
from barcode.charsets import ean as ref_ean
from PIL import Image

from printer.emulator import symbols
from printer.emulator.model import PageRecord, PrinterModel
from printer.emulator.render import TextState, decode_text
from printer.profiles import get_profile

PROFILE = get_profile("receipt-80-203")


def run(data: bytes) -> PageRecord:
    model = PrinterModel(PROFILE)
    model.receive(data + b"\x1dV\x00")
    (page,) = model.pages
    return page


def ink(page: PageRecord) -> np.ndarray:
    assert page.image is not None
    return ~np.asarray(page.image, dtype=bool)


def rows_with_ink(page: PageRecord) -> np.ndarray:
    return np.flatnonzero(ink(page).any(axis=1))


# --- symbology tables against python-barcode ---------------------------------------------------


def _runs(widths: str) -> str:
    return "".join(("1" if k % 2 == 0 else "0") * int(w) for k, w in enumerate(widths))


def _two_width(elements: str, wide: int) -> str:
    return "".join(("1" if e in "NW" else "0") * (wide if e in "Ww" else 1) for e in elements)


def test_code128_patterns_match_python_barcode() -> None:
    assert [_runs(w) for w in symbols._C128[:106]] == list(ref_code128.CODES)
    assert _runs(symbols._C128[106]) == ref_code128.STOP + "11"  # stop + termination bar


def test_code39_and_codabar_patterns_match_python_barcode() -> None:
    for i, ch in enumerate(ref_code39.REF):
        mask = symbols._CODE39_WIDE[symbols._CODE39_CHARS.index(ch)]
        assert _two_width(symbols._elements(mask, 9), 3) == ref_code39.CODES[i], ch
    for ch, ref in {**ref_codabar.CODES, **ref_codabar.STARTSTOP}.items():
        assert symbols._elements(symbols._CODABAR_WIDE[symbols._CODABAR_CHARS.index(ch)], 7) == ref, ch


def test_ean_tables_match_python_barcode() -> None:
    assert list(symbols._EAN_L) == list(ref_ean.CODES["A"])
    assert list(symbols._EAN_G) == list(ref_ean.CODES["B"])
    assert list(symbols._EAN_R) == list(ref_ean.CODES["C"])


def test_check_digits_and_code128_checksum_by_hand() -> None:
    assert symbols._check_digit("490123456789") == "4"
    assert symbols._check_digit("03600029145") == "2"
    # {B A B: start B (104), 'A' = 33, 'B' = 34; checksum (104 + 1·33 + 2·34) mod 103 = 102
    assert symbols._code128_values(b"{BAB") == [104, 33, 34, 102]
    # {C 12 34: start C (105), 12, 34; (105 + 12 + 68) mod 103 = 82
    assert symbols._code128_values(b"{C1234") == [105, 12, 34, 82]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x1dk\x02" + b"4901234567890\x00", "check digit"),  # EAN-13 with a wrong check digit
        (b"\x1dk\x05" + b"123\x00", "even number"),  # ITF, odd digit count
        (b"\x1dkI\x05{Xabc", "{A, {B or {C"),  # CODE128 without a code set
        (b"\x1dkH\x03ABC", "not emulated"),  # CODE93
    ],
)
def test_barcodes_a_printer_refuses_are_recorded(data: bytes, reason: str) -> None:
    page = run(b"x\n" + data)
    (skip,) = page.skipped
    assert reason in skip["reason"]
    assert skip["hex"] == data.hex()


@pytest.mark.parametrize(
    ("data", "hri"),
    [
        (b"\x1dk\x00" + b"01234567890\x00", "012345678905"),  # UPC-A: the added check digit is printed
        (b"\x1dkC\x0c" + b"490123456789", "4901234567894"),  # EAN-13, type B
        (b"\x1dkI\x0a{BAB{C1234", "AB1234"),  # CODE128: code-set escapes are not printed
    ],
)
def test_hri_prints_what_the_bars_carry(data: bytes, hri: str) -> None:
    page = run(b"\x1dH\x02" + data)
    assert page.text == [hri]
    assert page.skipped == []


def test_barcode_too_wide_for_the_paper_is_skipped_not_clipped() -> None:
    data = b"\x1dw\x06\x1dkI\x12{B" + b"ABCDEFGHIJKLMNOP"
    page = run(b"x\n" + data)
    assert "exceeds" in page.skipped[0]["reason"]


# --- code tables --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "raw", "text"),
    [
        (0, b"\x82\x9c\xab", "é£½"),  # PC437
        (1, b"\xb1\xb2\xdf", "ｱｲﾟ"),  # Katakana (JIS X 0201)
        (2, b"\xd5\x9b", "ıø"),  # PC850
        (16, b"\x80\x9c", "€œ"),  # WPC1252
        (17, b"\x80", "А"),  # PC866 (Cyrillic A)
        (19, b"\xd5", "€"),  # PC858: PC850 with the euro at D5
    ],
)
def test_code_tables(table: int, raw: bytes, text: str) -> None:
    assert decode_text(raw, TextState(code_table=table)) == text
    assert run(b"\x1bt" + bytes([table]) + raw + b"\n").text == [text]


def test_a_table_we_do_not_carry_prints_replacement_characters_not_nothing() -> None:
    assert decode_text(b"A\x80", TextState(code_table=40)) == "A\ufffd"


# --- column images and line spacing -------------------------------------------------------------


@pytest.mark.parametrize(("m", "height", "width"), [(0, 24, 4), (1, 24, 2), (32, 24, 4), (33, 24, 2)])
def test_esc_star_densities(m: int, height: int, width: int) -> None:
    per = 3 if m >= 32 else 1
    page = run(bytes([0x1B, 0x2A, m, 2, 0]) + b"\xff" * (2 * per) + b"\n")
    bits = ink(page)
    rows, cols = np.flatnonzero(bits.any(axis=1)), np.flatnonzero(bits.any(axis=0))
    assert (rows.size, cols.size) == (height, width)


@pytest.mark.parametrize(("spacing", "gap"), [(16, 0), (24, 0), (30, 6)])
def test_esc_star_strips_follow_esc_3(spacing: int, gap: int) -> None:
    strip = bytes([0x1B, 0x2A, 33, 4, 0]) + b"\xff" * 12 + b"\n"
    page = run(b"\x1b3" + bytes([spacing]) + strip * 3)
    rows = rows_with_ink(page)
    assert rows.size == 72
    assert rows[-1] - rows[0] + 1 == 72 + 2 * gap


def test_esc_2_restores_one_sixth_inch_for_8_dot_strips() -> None:
    strip = bytes([0x1B, 0x2A, 1, 4, 0]) + b"\xff" * 4 + b"\n"
    page = run(b"\x1b2" + strip * 2)
    rows = rows_with_ink(page)
    # 8-dot strips print 24 dots tall; 1/6 inch at 203 dpi is 34 dots: 10 white rows between them
    assert rows[-1] - rows[0] + 1 == 24 + 34


# --- GS ( L -------------------------------------------------------------------------------------


def _store(a: int, bx: int, by: int, c: int, width: int, height: int, data: bytes) -> bytes:
    size = width.to_bytes(2, "little") + height.to_bytes(2, "little")
    body = bytes([0x30, 0x70, a, bx, by, c]) + size + data
    return b"\x1d(L" + len(body).to_bytes(2, "little") + body


PRINT = b"\x1d(L\x02\x000\x32"


def test_graphics_fn_112_scales_by_bx_by_and_fn_50_prints() -> None:
    page = run(_store(48, 2, 1, 49, 8, 2, b"\xf0\x0f") + PRINT)
    bits = ink(page)
    assert bits[:2, :16].tolist() == [[True] * 8 + [False] * 8, [False] * 8 + [True] * 8]
    assert page.skipped == []


@pytest.mark.parametrize(
    ("store", "reason"),
    [
        (_store(52, 1, 1, 49, 8, 1, b"\xff"), "not monochrome"),  # multiple tone
        (_store(48, 1, 1, 50, 8, 1, b"\xff"), "colour 2"),
        (_store(48, 1, 1, 49, 16, 1, b"\xff"), "carries 1 bytes"),
    ],
)
def test_graphics_a_one_colour_head_cannot_print_are_recorded(store: bytes, reason: str) -> None:
    page = run(b"x\n" + store + PRINT)
    assert reason in page.skipped[0]["reason"]
    assert page.skipped[1]["reason"] == "GS ( L fn 50 with no graphics stored"


def test_graphics_capacity_and_density_functions() -> None:
    model = PrinterModel(PROFILE)
    reply = model.receive(b"\x1d(L\x02\x000\x30")  # fn 48: transmit NV graphics capacity
    assert reply[:2] == b"\x37\x30" and reply[-1:] == b"\x00" and reply[2:-1].isdigit()
    model.receive(b"\x1d(L\x04\x0001\x32\x32x\n\x1dV\x00")  # fn 49: reference density 180 dpi
    assert model.pages[-1].skipped == []


# --- QR -----------------------------------------------------------------------------------------


def _qr(fn: int, params: bytes) -> bytes:
    body = bytes([49, fn]) + params
    return b"\x1d(k" + len(body).to_bytes(2, "little") + body


def test_qr_store_size_ec_print_decodes() -> None:
    content = "住民票 交付 K0001".encode()
    # model 2, module 5 dots, error correction H, store, print
    setup = _qr(65, b"\x32\x00") + _qr(67, b"\x05") + _qr(69, b"\x33")
    page = run(setup + _qr(80, b"0" + content) + _qr(81, b"0"))
    assert page.image is not None
    framed = Image.new("L", (page.image.width + 80, page.image.height + 80), 255)
    framed.paste(page.image.convert("L"), (40, 40))
    (found,) = zxingcpp.read_barcodes(framed)
    assert found.bytes == content and found.ec_level == "H"
    width = np.flatnonzero(ink(page).any(axis=0)).size
    assert width % 5 == 0 and (width // 5 - 17) % 4 == 0


def test_qr_model_1_and_print_without_data_are_recorded() -> None:
    page = run(b"x\n" + _qr(81, b"0") + _qr(65, b"\x31\x00") + _qr(80, b"0abc") + _qr(81, b"0"))
    assert [s["reason"] for s in page.skipped] == [
        "QR print without stored data", "QR model 1 is not emulated (model 2 only)",
    ]


# --- skipped commands ---------------------------------------------------------------------------


def test_a_run_of_garbage_is_one_entry_with_its_bytes_and_text_still_prints() -> None:
    model = PrinterModel(PROFILE)
    model.receive(b"\x00\x01\x02\x03ok\n\x1b\x7b\x01\x1dV\x00")
    (page,) = model.pages
    assert page.text == ["ok"]
    assert page.skipped == [
        {"cmd": "Unknown", "reason": "byte starts no known command", "len": 4, "hex": "00010203"},
        {"cmd": "FixedCommand", "reason": "not emulated", "len": 3, "hex": "1b7b01"},
    ]
    assert model.counters["skipped"] == 5
    assert page.summary()["skipped"] == 2


def test_horizontal_tab_moves_to_the_next_eight_character_stop() -> None:
    page = run(b"AB\tC\n")
    assert page.text == ["AB\tC"]
    cols = np.flatnonzero(ink(page).any(axis=0))
    assert 96 <= cols[-1] < 108  # C is drawn in the cell at 8 × 12 dots


def test_gs_l_and_gs_w_set_the_print_area_for_text_and_justification() -> None:
    page = run(b"\x1dL\x40\x00A\n\x1dW\x00\x01\x1ba\x02B\n")
    bits = ink(page)
    rows = np.flatnonzero(bits.any(axis=1))
    first = bits[: rows[0] + 24]
    cols = np.flatnonzero(first.any(axis=0))
    assert 64 <= cols[0] < 64 + 12  # A starts at the 64-dot left margin
    second = bits[rows[0] + 24 :]
    cols = np.flatnonzero(second.any(axis=0))
    assert cols[0] >= 64 + 256 - 12 and cols[-1] < 64 + 256  # B right-aligned in a 256-dot area


def test_a_full_line_prints_and_the_rest_wraps() -> None:
    # 48 font-A characters fill 576 dots; the 49th starts the next line. Double width: 24.
    assert run(b"0123456789" * 5 + b"\n").text == ["0123456789" * 4 + "01234567", "89"]
    assert run(b"\x1d!\x10" + b"A" * 30 + b"\n").text == ["A" * 24, "A" * 6]
    # Kanji are 24 dots: 24 to a line (FS C 1 selects Shift-JIS)
    kanji = b"\x1cC\x01" + "漢字".encode("cp932") * 13 + b"\n"
    assert run(kanji).text == ["漢字" * 12, "漢字"]


def test_gs_8_l_store_and_print() -> None:
    # GS 8 L p1 p2 p3 p4 m fn …: the same functions with a 32-bit length
    body = bytes([0x30, 0x70, 0x30, 1, 1, 0x31, 8, 0, 1, 0, 0xAA])
    store = b"\x1d8L" + len(body).to_bytes(4, "little") + body
    show = b"\x1d8L\x02\x00\x00\x00\x30\x32"
    page = run(store + show)
    assert ink(page)[0, :8].tolist() == [True, False] * 4
    assert page.skipped == []
