"""The receipt (ご利用明細書) for the 80 mm ESC/POS printer (profile ``receipt-80-203``).

It says where, when and what: store, terminal, date and time, issuing municipality, certificates,
copies, fees, transaction number.  It carries **no personal data**: :class:`ReceiptData` has no field
for a name, address, birth date or any number of the resident, so none can reach the paper.
Text is printed in Kanji mode (FS C 1 Shift-JIS, FS &, ESC R 8) on a 12 × 24 / 24 × 24 grid:
48 half-width columns on 576 dots.  No line is wider than the paper: a long transaction number (the
center's order id) continues on the next line.  The date and time are Japan time (Asia/Tokyo), as on
every receipt a Japanese store hands out, whatever zone the kiosk's clock runs in.

When the resident used another language, the same wording follows the Japanese lines in that language
(``translation``), drawn as GS v 0 raster by :mod:`printer.receipt_raster`: the clerk reads the
Japanese half, the resident their own, and neither has to hunt for it line by line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.jst import JST
from printer.errors import PrinterError
from printer.escpos.commands import Command, Initialize, LineFeed
from printer.escpos.encoder import cut, justify, kanji_setup, size, text, text_line
from printer.escpos.errors import UnencodableTextError
from printer.job import JobOptions, PrintReport, print_commands
from printer.profiles import PrinterProfile, get_profile
from printer.receipt_raster import ReceiptTranslation, translation_commands
from printer.transport.base import PrinterTransport

__all__ = [
    "JST",
    "ReceiptData",
    "ReceiptError",
    "ReceiptItem",
    "ReceiptTranslation",
    "build_receipt",
    "print_receipt",
    "receipt_lines",
]

_WEEKDAYS = "月火水木金土日"
_MAX_TEXT = 40
HALF_WIDTH_DOTS = 12


class ReceiptError(PrinterError, ValueError):
    """Receipt input that cannot be printed as given."""

    code = "receipt_invalid"


def _check_text(value: str, what: str, limit: int = _MAX_TEXT) -> None:
    if not value or len(value) > limit:
        raise ReceiptError(f"{what} must be 1..{limit} characters")
    try:
        text(value)
    except UnencodableTextError as e:
        raise ReceiptError(f"{what}: {e}") from e


@dataclass(frozen=True)
class ReceiptItem:
    """One certificate line: its name as sold (e.g. 「住民票の写し」), copies and fee per copy in yen.

    ``fee_total`` overrides ``copies × fee_per_copy`` when the center charged a total that is not a
    plain multiple (the kiosk prints what it was charged, not what it would compute).
    """

    certificate: str
    copies: int
    fee_per_copy: int
    fee_total: int | None = None

    def __post_init__(self) -> None:
        _check_text(self.certificate, "certificate", 20)
        if not 1 <= self.copies <= 99:
            raise ReceiptError("copies must be 1..99")
        if not 0 <= self.fee_per_copy <= 100_000:
            raise ReceiptError("fee_per_copy must be 0..100000 yen")
        if self.fee_total is not None and not 0 <= self.fee_total <= self.copies * 100_000:
            raise ReceiptError("fee_total must be 0..copies × 100000 yen")

    @property
    def fee(self) -> int:
        return self.copies * self.fee_per_copy if self.fee_total is None else self.fee_total


@dataclass(frozen=True)
class ReceiptData:
    """Everything a receipt shows.  Deliberately no field for anything about the resident.

    ``issued_at``: an aware datetime is printed in Japan time; a naive one is taken as Japan time.
    ``paid`` / ``change`` / ``refunded``: the cash lines (お預かり, おつり, 返金), printed when given.
    """

    store_name: str
    store_code: str
    terminal_id: str
    issued_at: datetime
    municipality: str
    items: tuple[ReceiptItem, ...]
    transaction_number: str
    paid: int | None = None
    change: int | None = None
    refunded: int = 0
    # A refund the cash device could not pay: the slip says the amount owed and the short reference
    # staff read out (kiosk.flow.reference), and asks the resident to show it to the staff.
    refund_owed: int = 0
    reference: str = ""
    # The same wording in the resident's language (None for Japanese): fixed phrases and amounts only.
    translation: ReceiptTranslation | None = None

    def __post_init__(self) -> None:
        _check_text(self.store_name, "store_name")
        _check_text(self.store_code, "store_code", 16)
        _check_text(self.terminal_id, "terminal_id", 16)
        _check_text(self.municipality, "municipality", 20)
        _check_text(self.transaction_number, "transaction_number", 32)
        if not self.items or len(self.items) > 10:
            raise ReceiptError("a receipt lists 1..10 items")
        if self.reference:
            _check_text(self.reference, "reference", 16)
        for what, amount in (("paid", self.paid), ("change", self.change), ("refunded", self.refunded),
                             ("refund_owed", self.refund_owed)):
            if amount is not None and not 0 <= amount <= 10_000_000:
                raise ReceiptError(f"{what} must be 0..10000000 yen")

    @property
    def total_copies(self) -> int:
        return sum(i.copies for i in self.items)

    @property
    def total_fee(self) -> int:
        return sum(i.fee for i in self.items)


def _cols(s: str) -> int:
    """Printed width in half-width columns: Shift-JIS double-byte characters take two."""
    return len(text(s).data)


def _row(left: str, mid: str, right: str, columns: int) -> list[str]:
    """``left`` then ``mid`` right-aligned at column -10 and ``right`` at the end; a ``left`` too long
    to share the line (a 20-character certificate name) gets a line of its own above the numbers."""
    right_part = " " * max(1, 10 - _cols(right)) + right
    mid_width = columns - _cols(left) - _cols(right_part)
    if mid_width - _cols(mid) < 1:
        return [left, *_row("", mid, right, columns)]
    return [left + " " * (mid_width - _cols(mid)) + mid + right_part]


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _pair(left: str, right: str, columns: int) -> str:
    """``left`` and ``right`` flush with the right edge (the amount rows)."""
    return left + " " * max(1, columns - _cols(left) - _cols(right)) + right


def _labelled(label: str, value: str, columns: int) -> list[str]:
    """``label`` + ``value``, the value continued under itself when the line would pass the edge.

    The transaction number is printed in full (staff read it back to the center), never cut off.
    """
    room = columns - _cols(label)
    if _cols(value) <= room:
        return [label + value]
    indent = " " * _cols(label)
    if room < 8:  # too narrow to indent: the label on its own line, the value under it
        return [label, *_chunks(value, columns)]
    first, *rest = _chunks(value, room)
    return [label + first, *(indent + c for c in rest)]


def _chunks(value: str, width: int) -> list[str]:
    """``value`` cut into pieces of at most ``width`` columns (no character split)."""
    out: list[str] = []
    while value:
        end = len(value)
        while end > 1 and _cols(value[:end]) > width:
            end -= 1
        out.append(value[:end])
        value = value[end:]
    return out


def _local(t: datetime) -> datetime:
    return t.replace(tzinfo=JST) if t.tzinfo is None else t.astimezone(JST)


def receipt_lines(data: ReceiptData, columns: int = 48) -> tuple[str, list[str]]:
    """The title and the body lines exactly as printed (tests read them back from the emulator)."""
    t = _local(data.issued_at)
    rule = "-" * columns
    body = [
        "コンビニ交付サービス",
        rule,
        *_labelled("店舗　　：", data.store_name, columns),
        f"店舗番号：{data.store_code}",
        f"端末番号：{data.terminal_id}",
        f"日時　　：{t.year}年{t.month}月{t.day}日({_WEEKDAYS[t.weekday()]}) {t.hour:02d}:{t.minute:02d}",
        *_labelled("交付元　：", data.municipality, columns),
        rule,
        *(line for i in data.items for line in _row(i.certificate, f"{i.copies}通", _yen(i.fee), columns)),
        rule,
        *_row("合計", f"{data.total_copies}通", _yen(data.total_fee), columns),
        *_cash_lines(data, columns),
        *_labelled("取引番号：", data.transaction_number, columns),
        rule,
        "証明書とマイナンバーカードの",
        "お取り忘れにご注意ください。",
    ]
    if data.refund_owed:
        owed = [_pair("未返金", _yen(data.refund_owed), columns),
                *([f"受付番号：{data.reference}"] if data.reference else [])]
        # In place of the "don't forget" footer: what is owed and what to do with this slip.
        body = [*body[:-3], *owed, rule, "返金できませんでした。", "この控えを店員にお見せください。"]
    # A rule between the Japanese half and the resident's language, drawn below it as raster.
    tail = [rule] if data.translation is not None else []
    return ("返金未済の控え" if data.refund_owed else "ご利用明細書"), [*body, *tail]


def _cash_lines(data: ReceiptData, columns: int) -> list[str]:
    rows = [("お預かり", data.paid), ("おつり", data.change), ("返金", data.refunded or None)]
    return [_pair(label, _yen(amount), columns) for label, amount in rows if amount is not None]


def build_receipt(data: ReceiptData, profile: PrinterProfile | None = None) -> list[Command]:
    """ESC/POS commands for the receipt, ending with a feed and a full cut.

    :raises ReceiptError: when the profile is not an ESC/POS roll printer.
    """
    prof = profile or get_profile("receipt-80-203")
    if prof.kind != "escpos":
        raise ReceiptError(f"profile {prof.name} cannot print receipts")
    title, body = receipt_lines(data, prof.width_dots // HALF_WIDTH_DOTS)
    cmds: list[Command] = [Initialize(), *kanji_setup(), justify("center"), size(2, 2)]
    cmds += [*text_line(title), size(1, 1), *text_line(body[0]), justify("left")]
    for line in body[1:]:
        cmds += text_line(line)
    if data.translation is not None:
        # Under the rule that ends the body; ESC a still says left, so the block starts at the margin.
        cmds += translation_commands(data.translation, prof.width_dots, prof.band_rows)
    # GS V 65 n feeds to the cutter and n units (7.5 mm) more, so the last line clears the blade.
    cmds += [LineFeed(), cut(feed=prof.mm_to_dots(7.5))]
    return cmds


def print_receipt(
    data: ReceiptData,
    transport: PrinterTransport,
    profile: PrinterProfile | None = None,
    *,
    options: JobOptions | None = None,
) -> PrintReport:
    """Print the receipt with the job's status checks and abort guarantees.

    :raises printer.transport.errors.PrintJobError: as :func:`printer.job.print_pages`.
    """
    prof = profile or get_profile("receipt-80-203")
    return print_commands(build_receipt(data, prof), prof, transport, options=options)


def sample_receipt(items: Sequence[ReceiptItem] | None = None) -> ReceiptData:
    """Synthetic receipt data (tests, service-menu test print)."""
    return ReceiptData(
        store_name="見本市中央一丁目店",
        store_code="012345",
        terminal_id="K0001",
        issued_at=datetime(2026, 11, 26, 14, 5),
        municipality="東京都見本市",
        items=tuple(items or (ReceiptItem("住民票の写し", 1, 300), ReceiptItem("印鑑登録証明書", 2, 300))),
        transaction_number="20261126-K0001-000123",
    )
