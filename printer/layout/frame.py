"""The frame every certificate shares, and pagination (docs/certificates.md §7).

A4 portrait, millimetres from the top-left corner.  Every page: title, the repeated header (住所 …),
the issue number with ``n/m`` (発行番号, standard spec j1040) and the seal QR box.  Last page only: the
認証文 (j1000), the date in 和暦, the issuer line with the 公印 overlapping its end (j1050) and the
「以下余白」 end mark after the content.  Content is a list of blocks placed top to bottom; a page takes
at most ``max_persons`` person blocks (世帯連記式: ≤4 persons per sheet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from printer.document import Document
from printer.layout.canvas import Composer, LayoutError, PageLayout, wrap
from printer.layout.seal import NameUnderSeal, seal_renderer

__all__ = ["Block", "LayoutError", "compose"]

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 15.0, 195.0
WIDTH = RIGHT - LEFT
TITLE_Y = 27.0
CONTENT_TOP = 35.0
FOOTER_TOP = 232.0  # content ends above; the certification block lives below on the last page
CERT_Y = 239.0
DATE_Y = 247.0
MAYOR_Y = 263.0
MAYOR_END_X = 176.0
SEAL_MM = 21.0  # the 公印 is printed black and at most 25 mm (j1050); drawn by printer.layout.seal
QR_BOX = (LEFT - 1.0, 250.0, 31.0)  # x, y, side: the seal QR with its 4-module quiet zone
ISSUE_Y = 281.0
END_MARK_H = 6.0


@dataclass(frozen=True)
class Block:
    """A horizontal strip of content: ``draw(c, y_top)`` draws it ``height`` mm tall."""

    height: float
    draw: Callable[[Composer, float], None]
    person: bool = False  # counts toward the persons-per-page limit


HeaderFn = Callable[[Composer, float], float]  # draws the repeated header at y, returns its bottom
TitleFn = Callable[[Composer, Document, int, int], None]


def default_title(c: Composer, doc: Document, number: int, total: int) -> None:
    c.text(PAGE_W / 2, TITLE_Y, doc.title, "mincho", 18, align="c", role="title", width=WIDTH - 40)


def _paginate(blocks: Sequence[Block], top: float, max_persons: int) -> list[list[Block]]:
    pages: list[list[Block]] = [[]]
    y, persons = top, 0
    for i, b in enumerate(blocks):
        last = i == len(blocks) - 1
        need = b.height + (END_MARK_H if last else 0.0)
        if b.height > FOOTER_TOP - top:
            raise LayoutError(f"a block of {b.height:.0f} mm does not fit on a page")
        if pages[-1] and (y + need > FOOTER_TOP or (b.person and persons >= max_persons)):
            pages.append([])
            y, persons = top, 0
        pages[-1].append(b)
        y += b.height
        persons += b.person
    return pages


def _footer(c: Composer, doc: Document, number: int, total: int) -> None:
    c.page.qr_box = QR_BOX
    x = QR_BOX[0] + QR_BOX[2] + 3
    c.text(
        x,
        ISSUE_Y,
        f"発行番号　{doc.issue_number}　{number}/{total}",
        "gothic",
        8,
        role="issue_number",
        width=RIGHT - x,
    )


def _certification(c: Composer, doc: Document, reference: str | None) -> None:
    y = CERT_Y
    for line in wrap(doc.certification, "mincho", 10.5, WIDTH - 4):
        c.text(LEFT + 4, y, line, "mincho", 10.5, role="certification")
        y += 5.5
    date_y = max(DATE_Y, y + 2)
    c.text(QR_BOX[0] + QR_BOX[2] + 6, date_y, doc.issued_on, "mincho", 10.5, role="date")
    if reference:
        c.text(QR_BOX[0] + QR_BOX[2] + 6, date_y + 6, reference, "mincho", 10.5, role="reference")
    mayor = doc.municipality.mayor
    size = 12.0
    c.text(MAYOR_END_X, MAYOR_Y, mayor, "mincho", size, align="r", role="mayor", width=MAYOR_END_X - 80)
    (name,) = c.page.texts("mayor")
    # j1050: the 公印 overlaps the end of the issuer line, here the right half of the last character.
    # The seal is ink only and leaves a gap around the name's strokes, so the name reads through it.
    x0, y0 = MAYOR_END_X - name.size * 25.4 / 72 / 2, MAYOR_Y - 1.5 - SEAL_MM / 2
    under = NameUnderSeal(name.text, name.face, name.size, name.x - x0, name.y - y0)
    c.bitmap(
        x0,
        y0,
        SEAL_MM,
        SEAL_MM,
        seal_renderer(doc.official_seal.text, SEAL_MM, under),
        role="official_seal",
    )
    ny = MAYOR_Y + SEAL_MM / 2 + 1.5
    for note in doc.notes:
        c.text(RIGHT, ny, note, "gothic", 7.5, align="r", role="note")
        ny += 3.5


def compose(
    doc: Document,
    blocks: Sequence[Block],
    *,
    header: HeaderFn | None = None,
    max_persons: int = 4,
    title: TitleFn = default_title,
    reference: str | None = None,
) -> list[PageLayout]:
    """Lay ``blocks`` out on as many pages as needed, with the shared frame.

    :raises LayoutError: when a single block is taller than a page.
    """
    top = CONTENT_TOP
    if header is not None:
        probe = Composer(PageLayout(0, 0))
        top = header(probe, CONTENT_TOP)
    groups = _paginate(blocks, top, max_persons)
    pages: list[PageLayout] = []
    for n, group in enumerate(groups, start=1):
        page = PageLayout(n, len(groups))
        c = Composer(page)
        title(c, doc, n, len(groups))
        y = header(c, CONTENT_TOP) if header is not None else CONTENT_TOP
        for b in group:
            b.draw(c, y)
            y += b.height
        if n == len(groups):
            c.text(RIGHT, y + 4.5, "以下余白", "mincho", 9.5, align="r", role="end_mark")
            _certification(c, doc, reference)
        else:
            c.text(RIGHT, y + 4.5, "（次葉に続く）", "mincho", 9, align="r", role="continued")
        _footer(c, doc, n, len(groups))
        pages.append(page)
    return pages


def label_spaced(label: str, cells: int) -> str:
    """Spread a short label over ``cells`` character cells with full-width spaces (氏　　名)."""
    if len(label) >= cells or len(label) < 2:
        return label
    gaps = len(label) - 1
    space = (cells - len(label)) // gaps
    return ("　" * space).join(label)
