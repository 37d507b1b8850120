"""The receipt: no personal data by construction, exact lines, Kanji mode commands."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as s

from printer.escpos import commands as c
from printer.escpos.encoder import encode
from printer.receipt import (
    ReceiptData,
    ReceiptError,
    ReceiptItem,
    ReceiptTranslation,
    build_receipt,
    receipt_lines,
    sample_receipt,
)


def test_receipt_data_has_no_field_for_personal_data() -> None:
    classes = (ReceiptData, ReceiptItem, ReceiptTranslation)
    names = {f.name for cls in classes for f in dataclasses.fields(cls)}
    assert names == {
        "store_name", "store_code", "terminal_id", "issued_at", "municipality", "items", "transaction_number",
        "paid", "change", "refunded", "refund_owed", "reference", "certificate", "copies", "fee_per_copy",
        "fee_total", "translation", "language", "title", "rows",
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


def _cols(line: str) -> int:
    return len(line.encode("cp932"))  # Shift-JIS double-byte = two half-width columns on the paper


CENTER_ORDER_ID = "O-uquff8h_yRTebcD_la5Qo2hN"  # the center's real order id format: 26 characters


def test_the_time_printed_is_japan_time_for_a_utc_instant() -> None:
    # 2026-12-31 15:30 UTC is already New Year's Day, 00:30, in Japan (UTC+9, no summer time).
    data = dataclasses.replace(sample_receipt(), issued_at=datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
    assert receipt_lines(data)[1][5] == "日時　　：2027年1月1日(金) 00:30"
    other_zone = datetime(2026, 12, 31, 10, 30, tzinfo=timezone(timedelta(hours=-5)))
    same_instant = dataclasses.replace(data, issued_at=other_zone)
    assert receipt_lines(same_instant)[1][5] == "日時　　：2027年1月1日(金) 00:30"


def test_cash_lines_are_right_aligned_rows_and_refund_only_when_refunded() -> None:
    data = dataclasses.replace(sample_receipt(), paid=1000, change=100)
    body = receipt_lines(data)[1]
    paid = next(line for line in body if line.startswith("お預かり"))
    change = next(line for line in body if line.startswith("おつり"))
    assert paid.endswith(" 1,000円") and change.endswith(" 100円")
    assert _cols(paid) == _cols(change) == 48
    assert not any(line.startswith("返金") for line in body)
    refunded = receipt_lines(dataclasses.replace(data, refunded=900))[1]
    assert any(line.startswith("返金") and line.endswith(" 900円") and _cols(line) == 48 for line in refunded)
    # Without cash lines (the service menu's sample), none are printed.
    assert not any(line.startswith(("お預かり", "おつり")) for line in receipt_lines(sample_receipt())[1])


def test_the_centers_order_id_is_printed_in_full_within_the_paper() -> None:
    data = dataclasses.replace(sample_receipt(), transaction_number=CENTER_ORDER_ID)
    body = receipt_lines(data)[1]
    assert f"取引番号：{CENTER_ORDER_ID}" in body and all(_cols(line) <= 48 for line in body)
    # On narrower paper (58 mm, 32 columns) it continues under itself instead of running off.
    narrow = receipt_lines(data, columns=32)[1]
    start = next(i for i, line in enumerate(narrow) if line.startswith("取引番号："))
    first, second = narrow[start], narrow[start + 1]
    assert _cols(first) == 32 and second.startswith(" " * 10)
    assert first.removeprefix("取引番号：") + second.strip() == CENTER_ORDER_ID
    longest = dataclasses.replace(data, transaction_number="X" * 32)
    lines = receipt_lines(longest, columns=32)[1]
    start = lines.index("取引番号：" + "X" * 22)
    assert lines[start + 1] == " " * 10 + "X" * 10


def test_a_fee_total_overrides_copies_times_fee() -> None:
    item = ReceiptItem("住民票の写し", 3, 333, fee_total=1000)
    body = receipt_lines(sample_receipt([item]))[1]
    assert next(line for line in body if line.startswith("合計")).endswith("3通   1,000円")


_SJIS_TEXT = s.text(s.sampled_from("住民票の写し見本市ＡＢ０１ー・（）ab-_"), min_size=1, max_size=20)


@given(
    store=s.text(s.sampled_from("見本マート駅前店ＡＢ 0123"), min_size=1, max_size=40).filter(str.strip),
    town=_SJIS_TEXT, cert=_SJIS_TEXT, copies=s.integers(1, 99), fee=s.integers(0, 100_000),
    number=s.text(s.sampled_from("ABCxyz0189-_"), min_size=1, max_size=32),
    paid=s.integers(0, 10_000_000), refunded=s.integers(0, 10_000_000),
    when=s.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=s.just(UTC)),
)
# Found by CI: a 20-character full-width municipality ran the 交付元 line to 50 columns.
@example(store="見本マート駅前店" * 5, town="_" + "し" * 19, cert="住民票の写し", copies=1, fee=200,
         number="O-uquff8h_yRTebcD_la5Qo2hN", paid=200, refunded=0, when=datetime(2026, 11, 27, tzinfo=UTC))
def test_every_receipt_line_fits_48_half_width_columns(
    store: str, town: str, cert: str, copies: int, fee: int, number: str, paid: int, refunded: int,
    when: datetime,
) -> None:
    data = ReceiptData(store, "0123456789ABCDEF", "K" * 16, when, town,
                       (ReceiptItem(cert, copies, fee),) * 10, number,
                       paid=paid, change=paid, refunded=refunded)
    title, body = receipt_lines(data)
    assert _cols(title) * 2 <= 48  # printed double width
    assert all(_cols(line) <= 48 for line in body), [line for line in body if _cols(line) > 48]


def test_a_refund_slip_says_what_is_owed_the_reference_and_to_show_it_to_staff() -> None:
    data = dataclasses.replace(sample_receipt(), paid=500, change=0, refund_owed=500, reference="S10R-N15C")
    title, body = receipt_lines(data)
    assert title == "返金未済の控え"
    assert "受付番号：S10R-N15C" in body
    assert any(line.startswith("未返金") and line.endswith("500円") for line in body)
    assert body[-2:] == ["返金できませんでした。", "この控えを店員にお見せください。"]
    assert "日時　　：2026年11月26日(木) 14:05" in body  # the time the screen showed
    build_receipt(data)  # every line encodes and fits


def test_an_ordinary_receipt_has_no_refund_slip_lines() -> None:
    title, body = receipt_lines(sample_receipt())
    assert title == "ご利用明細書" and not any("未返金" in line or "受付番号" in line for line in body)
