"""戸籍の附票の写し (docs/certificates.md §6): per person 氏名・生年月日・性別, then the address history."""

from __future__ import annotations

from collections.abc import Callable

from printer.document import Document, FuhyoBody, FuhyoPerson
from printer.layout.canvas import Composer, PageLayout
from printer.layout.frame import LEFT, RIGHT, WIDTH, Block, compose

__all__ = ["layout_fuhyo"]

ROW = 7.0
LABEL_W = 20.0
SINCE_X = RIGHT - 62.0


def _header(body: FuhyoBody) -> Callable[[Composer, float], float]:
    rows = [(lbl, v) for lbl, v in (("本　籍", body.honseki), ("筆頭者", body.hittosha)) if v]

    def draw(c: Composer, y: float) -> float:
        if not rows:
            # j-lis practice: 本籍・筆頭者 are omitted unless requested; say so rather than leave a gap.
            c.text(LEFT, y + 4, "（本籍・筆頭者の記載省略）", "mincho", 9.5, role="header")
            return y + 8.0
        h = ROW * len(rows)
        c.box(LEFT, y, WIDTH, h)
        c.vline(LEFT + LABEL_W, y, y + h)
        for i, (label, value) in enumerate(rows):
            ry = y + i * ROW
            if i:
                c.hline(LEFT, RIGHT, ry, 0.15)
            c.text(LEFT + LABEL_W / 2, ry + 5, label, "gothic", 9, align="c")
            c.text(
                LEFT + LABEL_W + 2, ry + 5.1, value, "mincho", 11, role="header", width=WIDTH - LABEL_W - 4
            )
        return y + h + 3.0

    return draw


def _person_block(p: FuhyoPerson) -> Block:
    height = ROW * (1 + len(p.addresses)) + 2.0

    def draw(c: Composer, y: float) -> None:
        h = height - 2.0
        c.box(LEFT, y, WIDTH, h)
        c.vline(LEFT + LABEL_W, y, y + h)
        c.text(LEFT + LABEL_W / 2, y + 5, "氏　名", "gothic", 9, align="c")
        c.text(LEFT + LABEL_W + 2, y + 5.3, p.name, "mincho", 12, role="name", width=70)
        c.text(LEFT + 96, y + 5, "生年月日", "gothic", 8, align="l")
        c.text(LEFT + 110, y + 5.1, p.birth_date, "mincho", 10.5, width=42)
        c.text(RIGHT - 20, y + 5, "性別", "gothic", 8, align="l")
        c.text(RIGHT - 11, y + 5.1, p.sex, "mincho", 10.5)
        for i, a in enumerate(p.addresses):
            ry = y + ROW * (i + 1)
            c.hline(LEFT, RIGHT, ry, 0.15)
            c.text(LEFT + LABEL_W / 2, ry + 5, "住　所", "gothic", 9, align="c")
            c.text(
                LEFT + LABEL_W + 2, ry + 5.1, a.address, "mincho", 10.5, width=SINCE_X - LEFT - LABEL_W - 4
            )
            c.vline(SINCE_X, ry, ry + ROW)
            c.text(SINCE_X + 1.5, ry + 5, "住所を定めた年月日", "gothic", 7.5)
            c.text(RIGHT - 2, ry + 5.1, a.since, "mincho", 10.5, align="r", width=33)

    return Block(height, draw, person=True)


def layout_fuhyo(doc: Document) -> list[PageLayout]:
    """Pages for a 戸籍の附票の写し.

    :raises LayoutError: if one person's history cannot fit a page.
    """
    body = doc.body
    assert isinstance(body, FuhyoBody)
    return compose(doc, [_person_block(p) for p in body.persons], header=_header(body), max_persons=6)
