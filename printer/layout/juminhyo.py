"""住民票の写し and 住民票記載事項証明書 (docs/certificates.md §1–§2): one 個人票 block per person, ≤4 per
sheet.

Item order follows the 総務省標準仕様 demo quoted in docs/certificates.md §1: the person's own items on the
left (振り仮名, 氏名, 旧氏, 生年月日・性別・続柄), register dates on the right, then full-width rows
(本籍・筆頭者 option, 転入前住所, the foreign-resident items, 備考).  Absent keys are simply not shown.
"""

from __future__ import annotations

from collections.abc import Callable

from printer.document import Document, JuminhyoBody, Person
from printer.layout.canvas import Composer, PageLayout
from printer.layout.frame import LEFT, RIGHT, WIDTH, Block, compose

__all__ = ["layout_juminhyo"]

ROW = 5.4
NAME_ROW = 7.0
INDEX_W = 7.0
SPLIT = 96.0  # width of the left column inside a block
HEADER_ROW = 7.0
HEADER_LABEL_W = 20.0

RowFn = Callable[[Composer, float, float, float], None]  # c, x, y_baseline, width


def _lv(label: str, value: str, label_w: float, size: float = 9.5) -> RowFn:
    def draw(c: Composer, x: float, y: float, w: float) -> None:
        c.label_value(x + 1.5, y, label, value, label_w=label_w, value_w=w - label_w - 3, size=size)

    return draw


def _birth_row(p: Person) -> RowFn | None:
    parts = [
        (lbl, v) for lbl, v in (("生年月日", p.birth_date), ("性別", p.sex), ("続柄", p.relationship)) if v
    ]
    if not parts:
        return None

    def draw(c: Composer, x: float, y: float, w: float) -> None:
        cx = x + 1.5
        widths = {"生年月日": 50.0, "性別": 13.0, "続柄": 0.0}
        for label, value in parts:
            lw = 13.0 if label == "生年月日" else 7.5
            seg = widths[label] or (x + w - cx)
            c.label_value(cx, y, label, value, label_w=lw, value_w=seg - lw - 1)
            cx += seg

    return draw


def _left(p: Person) -> list[tuple[float, RowFn]]:
    rows: list[tuple[float, RowFn]] = []
    if p.furigana:
        rows.append((ROW, _lv("氏名の振り仮名", p.furigana, 22, 8.5)))
    rows.append((NAME_ROW, _lv("氏　名", p.name, 22, 12.5)))
    if p.old_name_furigana:
        rows.append((ROW, _lv("旧氏の振り仮名", p.old_name_furigana, 22, 8.5)))
    if p.old_name:
        rows.append((ROW, _lv("旧　氏", p.old_name, 22)))
    birth = _birth_row(p)
    if birth:
        rows.append((ROW, birth))
    return rows


def _right(p: Person) -> list[tuple[float, RowFn]]:
    items = [
        ("個人番号", p.my_number),
        ("住民となった年月日", p.became_resident_on),
        ("住所を定めた年月日", p.address_set_on),
        ("届出日", p.notified_on),
        ("筆頭者", p.hittosha),
    ]
    return [(ROW, _lv(label, v, 27)) for label, v in items if v]


def _full(p: Person) -> list[tuple[float, RowFn]]:
    rows: list[tuple[float, RowFn]] = []
    if p.honseki:
        rows.append((ROW, _lv("本　籍", p.honseki, 24)))
    if p.previous_address:
        rows.append((ROW, _lv("転入前住所", p.previous_address, 24)))
    f = p.foreign
    if f:
        for (a, av), (b, bv) in (
            (("国籍・地域", f.nationality), ("法第30条の45に規定する区分", f.section)),
            (("在留資格", f.status), ("在留期間等", f.period)),
            (("在留期間等の満了の日", f.period_expires), ("在留カード等の番号", f.card_number)),
        ):
            rows.append((ROW, _pair(a, av, b, bv)))
    for i, remark in enumerate(p.remarks):
        rows.append((ROW, _lv("備　考" if i == 0 else "", remark, 24)))
    return rows


def _pair(a: str, av: str, b: str, bv: str) -> RowFn:
    def draw(c: Composer, x: float, y: float, w: float) -> None:
        half = SPLIT - INDEX_W
        c.label_value(x + 1.5, y, a, av, label_w=24, value_w=half - 27)
        c.label_value(x + half + 1.5, y, b, bv, label_w=34, value_w=w - half - 37)

    return draw


def _person_block(index: int, p: Person) -> Block:
    left, right, full = _left(p), _right(p), _full(p)
    top_h = max(sum(h for h, _ in left), sum(h for h, _ in right))
    height = top_h + sum(h for h, _ in full) + 1.0

    def draw(c: Composer, y: float) -> None:
        x = LEFT + INDEX_W
        c.box(LEFT, y, WIDTH, height - 1.0)
        c.vline(x, y, y + height - 1.0)
        c.text(LEFT + INDEX_W / 2, y + 5.0, str(index), "gothic", 9, align="c", role="person_index")
        split = LEFT + SPLIT
        c.vline(split, y, y + top_h)
        for col_x, col_w, rows in ((x, split - x, left), (split, RIGHT - split, right)):
            ry = y
            for h, fn in rows:
                fn(c, col_x, ry + h - 1.6, col_w)
                ry += h
                if ry < y + top_h - 0.01:
                    c.hline(col_x, col_x + col_w, ry, 0.1)
        ry = y + top_h
        for h, fn in full:
            c.hline(x, RIGHT, ry, 0.15)
            fn(c, x, ry + h - 1.6, RIGHT - x)
            ry += h

    return Block(height, draw, person=True)


def _header(body: JuminhyoBody) -> Callable[[Composer, float], float]:
    rows = [("住　所", body.address)] + ([("世帯主", body.householder)] if body.householder else [])

    def draw(c: Composer, y: float) -> float:
        h = HEADER_ROW * len(rows)
        c.box(LEFT, y, WIDTH, h)
        c.vline(LEFT + HEADER_LABEL_W, y, y + h)
        for i, (label, value) in enumerate(rows):
            ry = y + i * HEADER_ROW
            if i:
                c.hline(LEFT, RIGHT, ry, 0.15)
            c.text(LEFT + HEADER_LABEL_W / 2, ry + 5, label, "gothic", 9, align="c")
            c.text(
                LEFT + HEADER_LABEL_W + 2,
                ry + 5.1,
                value,
                "mincho",
                11,
                role="header",
                width=WIDTH - HEADER_LABEL_W - 4,
            )
        return y + h + 3.0

    return draw


def layout_juminhyo(doc: Document) -> list[PageLayout]:
    """Pages for a 住民票の写し or 住民票記載事項証明書.

    :raises LayoutError: if one person's block cannot fit a page.
    """
    body = doc.body
    assert isinstance(body, JuminhyoBody)
    blocks = [_person_block(i, p) for i, p in enumerate(body.persons, start=1)]
    return compose(doc, blocks, header=_header(body), max_persons=4)
