"""The receipt in the resident's language, printed on the emulator over real TCP and read back as a
person would: the Japanese lines as text, the language block as dots compared glyph for glyph with the
expected wording drawn here, independently, in a font this test picks by its name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from fixtures.emulator import running_emulator
from fontTools.ttLib import TTCollection
from PIL import Image, ImageDraw, ImageFont

from kiosk.adapters.printing import receipt_data
from kiosk.devices import ReceiptHeader
from kiosk.flow.effects import PrintReceipt
from printer.emulator import Emulator
from printer.receipt import print_receipt, receipt_lines
from printer.transport.tcp import TcpTransport

pytestmark = pytest.mark.timeout(180)

Bits = npt.NDArray[np.bool_]
HEADER = ReceiptHeader(store_name="見本市中央一丁目店", store_code="012345", terminal_id="K0001")
AT = dt.datetime(2026, 11, 26, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=9)))
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FACE = {"zh": "Noto Sans CJK SC", "ko": "Noto Sans CJK KR", "vi": None, "pt": None, "en": None}
# What each resident must be able to read, written out by hand: (left-aligned lines).
EXPECTED: dict[str, list[str]] = {
    "vi": ["Ngày giờ: 2026-11-26 14:05", "Bản sao phiếu cư trú (juminhyo) ×2", "Tổng cộng", "Đã nhận",
           "Tiền thừa", "Số giao dịch: O--QzycZ7TFjCE6DpwLlc3RMtV"],
    "zh": ["日期时间: 2026-11-26 14:05", "住民票副本 ×2", "合计", "已收款", "找零",
           "请勿忘记取走证明书和个人编号卡。"],
    "ko": ["일시: 2026-11-26 14:05", "주민표 사본 ×2", "합계", "받은 금액", "거스름돈",
           "증명서와 마이넘버카드를 잊지 말고 챙겨 가십시오."],
    "pt": ["Data e hora: 2026-11-26 14:05", "Total", "Valor recebido", "Troco"],
    "en": ["Date and time: 2026-11-26 14:05", "Total", "Paid", "Change"],
}
SLIP_VI = ["Chưa hoàn tiền", "Mã tham chiếu: 7VCD-R602"]


def _font(lang: str) -> ImageFont.FreeTypeFont:
    name = FACE[lang]
    if name is None:
        return ImageFont.truetype(DEJAVU, 24)
    index = next(i for i, f in enumerate(TTCollection(NOTO).fonts) if f["name"].getDebugName(4) == name)
    return ImageFont.truetype(NOTO, 24, index=index)


def _template(lang: str, line: str) -> Bits:
    """``line`` drawn at the left edge, 24-dot type, thresholded as a thermal head would print it."""
    img = Image.new("L", (576, 40), 255)
    ImageDraw.Draw(img).text((0, 28), line, font=_font(lang), fill=0, anchor="ls")
    bits = np.asarray(img) < 128
    rows, cols = np.flatnonzero(bits.any(axis=1)), np.flatnonzero(bits.any(axis=0))
    return bits[rows[0] : rows[-1] + 1, : cols[-1] + 1]


def _find(page: Bits, tmpl: Bits, below: int) -> int | None:
    """Row where ``tmpl`` is printed at the left edge below row ``below`` (≤ 2 % of its dots differ)."""
    h, w = tmpl.shape
    budget = max(4, int(tmpl.sum() * 0.02))
    for y in range(below, page.shape[0] - h + 1):
        if int(np.count_nonzero(page[y : y + h, :w] != tmpl)) <= budget:
            return y
    return None


def _receipt(lang: str, **kw: object) -> PrintReceipt:
    return PrintReceipt("O--QzycZ7TFjCE6DpwLlc3RMtV", "juminhyo", 2, 600, 1000, 400,
                        certificate_name="住民票の写し", municipality="東京都見本市", language=lang,
                        **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("receipt-languages"), "receipt-80-203") as emu:
        yield emu


def _print(emu: Emulator, receipt: PrintReceipt, name: str) -> tuple[Bits, list[str], int]:
    data = receipt_data(receipt, HEADER, AT)
    before = len(emu.printed())
    assert emu.tcp_address is not None
    with TcpTransport(*emu.tcp_address) as t:
        print_receipt(data, t)
    record = emu.wait_pages(before + 1)[-1]
    assert record.image is not None
    record.image.save(emu.out_dir / f"receipt-{name}.png")  # for a person to look at
    title, body = receipt_lines(data)
    assert record.text == [title, *body]  # the Japanese half is unchanged text
    page = ~np.asarray(record.image.convert("1"), dtype=bool)
    return page, record.text, record.image.height


def test_a_japanese_resident_gets_the_japanese_receipt_alone(emulator: Emulator) -> None:
    page, _, _ = _print(emulator, _receipt("ja"), "ja")
    ja_only = page.shape[0]
    en_page, _, _ = _print(emulator, _receipt("en"), "en-height")
    # The English block adds a title and nine rows of 34 dots (plus the rule line): well over 300 rows.
    assert en_page.shape[0] - ja_only > 300
    for lang in EXPECTED:
        assert _find(page, _template(lang, EXPECTED[lang][0]), 0) is None


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_the_language_lines_are_printed_under_the_japanese_and_readable(emulator: Emulator,
                                                                          lang: str) -> None:
    page, _, _ = _print(emulator, _receipt(lang), lang)
    ja_only, _, _ = _print(emulator, _receipt("ja"), f"{lang}-ja")
    below = ja_only.shape[0] - 80  # the Japanese half ends with the cut feed; the block follows the rule
    y = below
    for line in EXPECTED[lang]:
        found = _find(page, _template(lang, line), y)
        assert found is not None, f"{lang}: {line!r} is not printed (or not legibly) below row {y}"
        y = found + 1  # each line under the previous one


def test_a_vietnamese_refund_failed_slip_says_owed_and_reference_in_vietnamese(emulator: Emulator) -> None:
    page, text, _ = _print(emulator, _receipt("vi", refund_owed=1000, reference="7VCD-R602"), "slip-vi")
    assert "受付番号：7VCD-R602" in text and text[0] == "返金未済の控え"
    y = 0
    for line in SLIP_VI:
        found = _find(page, _template("vi", line), y)
        assert found is not None, line
        y = found + 1


def test_pngs_are_kept_for_a_person(emulator: Emulator) -> None:
    _print(emulator, _receipt("vi"), "look-vi")
    assert Path(emulator.out_dir, "receipt-look-vi.png").stat().st_size > 1000
