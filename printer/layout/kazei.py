"""課税・所得証明書 (docs/certificates.md §4): header, then 所得の内訳, 所得控除の内訳, 扶養の状況,
課税標準額,
税額 and 備考, each a captioned two-column table of label / right-aligned amount."""

from __future__ import annotations

import math
from collections.abc import Callable

from printer.document import Document, KazeiBody, Pairs
from printer.layout.canvas import Composer, PageLayout
from printer.layout.frame import LEFT, PAGE_W, RIGHT, TITLE_Y, WIDTH, Block, compose

__all__ = ["layout_kazei"]

ROW = 5.8
CAP_W = 24.0  # caption column on the left of each section
HEAD_ROW = 7.0


def _title(c: Composer, doc: Document, number: int, total: int) -> None:
    c.text(PAGE_W / 2, TITLE_Y, doc.title, "mincho", 16, align="c", role="title", width=WIDTH - 10)


def _header(b: KazeiBody) -> Callable[[Composer, float], float]:
    def draw(c: Composer, y: float) -> float:
        c.text(RIGHT, y - 1.5, "（単位：円）", "gothic", 7.5, align="r")
        h = HEAD_ROW * 2
        c.box(LEFT, y, WIDTH, h)
        c.hline(LEFT, RIGHT, y + HEAD_ROW, 0.15)
        c.vline(LEFT + 20, y, y + h)
        c.text(LEFT + 10, y + 5, "住　所", "gothic", 9, align="c")
        c.text(LEFT + 22, y + 5.1, b.address, "mincho", 11, role="header", width=WIDTH - 24)
        ry = y + HEAD_ROW
        c.text(LEFT + 10, ry + 5, "氏　名", "gothic", 9, align="c")
        c.text(LEFT + 22, ry + 5.2, b.name, "mincho", 12, role="name", width=58)
        for x, label, value, w in ((LEFT + 84, "生年月日", b.birth_date, 40), (RIGHT - 22, "性別", b.sex, 8)):
            c.vline(x, ry, ry + HEAD_ROW)
            c.text(x + 2, ry + 5, label, "gothic", 8)
            c.text(x + (14 if label == "生年月日" else 10), ry + 5.1, value, "mincho", 10.5, width=w)
        return y + h + 3.0

    return draw


def _section(caption: str, pairs: Pairs, *totals: tuple[str, str]) -> Block:
    cells = list(pairs)
    rows = max(1, math.ceil(len(cells) / 2)) + len(totals)
    height = rows * ROW + 2.0

    def draw(c: Composer, y: float) -> None:
        h = height - 2.0
        c.box(LEFT, y, WIDTH, h)
        x0 = LEFT + CAP_W
        c.vline(x0, y, y + h)
        lines = [caption[i : i + 7] for i in range(0, len(caption), 7)]
        for i, line in enumerate(lines):
            c.text(
                LEFT + CAP_W / 2,
                y + h / 2 + 1.2 + (i - (len(lines) - 1) / 2) * 4,
                line,
                "gothic",
                8.5,
                align="c",
            )
        col_w = (RIGHT - x0) / 2
        c.vline(x0 + col_w, y, y + h - ROW * len(totals), 0.15)
        for i, (label, value) in enumerate(cells):
            row, col = divmod(i, 2)
            cx, cy = x0 + col * col_w, y + row * ROW + ROW - 1.6
            c.text(cx + 2, cy, label, "gothic", 8, width=col_w * 0.55)
            c.text(cx + col_w - 2.5, cy, value, "mincho", 10, align="r", role="amount", width=col_w * 0.4)
        for r in range(1, rows - len(totals)):
            c.hline(x0, RIGHT, y + r * ROW, 0.1)
        for i, (label, value) in enumerate(totals):
            ty = y + h - ROW * (len(totals) - i)
            c.hline(x0, RIGHT, ty, 0.25 if i == 0 else 0.1)
            c.text(x0 + 2, ty + ROW - 1.6, label, "gothic", 8.5)
            c.text(RIGHT - 2.5, ty + ROW - 1.6, value, "mincho", 10.5, align="r", role="amount")

    return Block(height, draw)


def _remarks(remarks: tuple[str, ...]) -> Block:
    lines = list(remarks) or [""]
    height = ROW * len(lines) + 2.0

    def draw(c: Composer, y: float) -> None:
        h = height - 2.0
        c.box(LEFT, y, WIDTH, h)
        c.vline(LEFT + CAP_W, y, y + h)
        c.text(LEFT + CAP_W / 2, y + 4.2, "備　考", "gothic", 8.5, align="c")
        for i, r in enumerate(lines):
            if r:
                c.text(LEFT + CAP_W + 2, y + i * ROW + ROW - 1.6, r, "mincho", 9.5, width=WIDTH - CAP_W - 4)

    return Block(height, draw)


def layout_kazei(doc: Document) -> list[PageLayout]:
    """Pages for a 課税・所得証明書.

    :raises LayoutError: if one section cannot fit a page.
    """
    b = doc.body
    assert isinstance(b, KazeiBody)
    blocks = [
        _section(
            f"{b.income_year}所得の内訳",
            b.income,
            ("合計所得金額", b.total_income),
            ("総所得金額等", b.aggregate_income),
        ),
        _section("所得控除の内訳", b.deductions, ("所得控除合計", b.deductions_total)),
        _section("扶養の状況", b.dependents),
        _section("課税標準額", b.taxable),
        _section(f"{b.fiscal_year}税額", b.tax, ("年税額", b.annual_tax)),
        _remarks(b.remarks),
    ]
    return compose(doc, blocks, header=_header(b), title=_title)
