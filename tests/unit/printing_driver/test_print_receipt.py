"""The receipt: no personal data by construction, exact lines, Kanji mode commands."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from printer.escpos import commands as c
from printer.escpos.encoder import encode
from printer.receipt import (
    ReceiptData,
    ReceiptError,
    ReceiptItem,
    build_receipt,
    receipt_lines,
    sample_receipt,
)


def test_receipt_data_has_no_field_for_personal_data() -> None:
    names = {f.name for cls in (ReceiptData, ReceiptItem) for f in dataclasses.fields(cls)}
    assert names == {
        "store_name", "store_code", "terminal_id", "issued_at", "municipality", "items", "transaction_number",
        "certificate", "copies", "fee_per_copy",
    }
    with pytest.raises(TypeError):
        ReceiptData(name="見本太郎", **dataclasses.asdict(sample_receipt()))  # type: ignore[call-arg]


def test_lines_fit_48_columns_and_totals_add_up() -> None:
    data = sample_receipt([ReceiptItem("住民票の写し", 2, 300), ReceiptItem("課税証明書", 1, 1200)])
    title, body = receipt_lines(data)
    assert title == "ご利用明細書"
    assert all(len(line.encode("cp932")) <= 48 for line in body)
    assert body[5] == "日時　　：2026年11月26日(木) 14:05"
    total = next(line for line in body if line.startswith("合計"))
    assert total.endswith("3通   1,800円") and len(total.encode("cp932")) == 48


def test_commands_start_in_kanji_mode_and_end_with_a_cut() -> None:
    cmds = build_receipt(sample_receipt())
    assert cmds[:4] == [c.Initialize(), c.SelectCharset(8), c.KanjiCode(1), c.KanjiModeOn()]
    assert isinstance(cmds[-1], c.Cut) and cmds[-1].mode == 65
    assert "東京都見本市".encode("cp932") in encode(cmds)


@pytest.mark.parametrize(
    "change",
    [
        {"store_name": ""},
        {"store_name": "店" * 41},
        {"terminal_id": "K\u2603"},  # not in cp932
        {"items": ()},
    ],
)
def test_bad_input_is_a_typed_error(change: dict[str, object]) -> None:
    base = sample_receipt()
    fields = {**{f.name: getattr(base, f.name) for f in dataclasses.fields(ReceiptData)}, **change}
    with pytest.raises(ReceiptError):
        ReceiptData(**fields)  # type: ignore[arg-type]


def test_bad_item_is_a_typed_error() -> None:
    with pytest.raises(ReceiptError):
        ReceiptItem("住民票の写し", 0, 300)
    with pytest.raises(ReceiptError):
        ReceiptItem("住民票の写し", 1, -1)


def test_issued_at_is_printed_as_given() -> None:
    data = dataclasses.replace(sample_receipt(), issued_at=datetime(2027, 1, 3, 9, 7))
    assert receipt_lines(data)[1][5] == "日時　　：2027年1月3日(日) 09:07"
