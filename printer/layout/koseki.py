"""戸籍全部事項証明書 / 個人事項証明書 (docs/document-content.md): horizontal, 算用数字, 【label】value.

Page 1 starts with 本籍・氏名 (with 【氏の振り仮名】)・戸籍事項; then each 戸籍に記録されている者 with
【名】【名の振り仮名】, 【生年月日】【配偶者区分】, 【父】【母】【続柄】, a 「除籍」 box when removed, and the
身分事項 rows (出生, 婚姻 …) whose items are packed into lines.  The title sits at the top right with
the sheet marker 「（1の2）」.
"""

from __future__ import annotations

from printer.document import Document, Event, KosekiBody, KosekiPerson
from printer.layout.canvas import Composer, PageLayout, wrap
from printer.layout.fonts import string_width_mm
from printer.layout.frame import LEFT, RIGHT, TITLE_Y, Block, compose, label_spaced

__all__ = ["layout_koseki"]

COL1 = 30.0  # 本籍 / 戸籍事項 / 身分事項 column
COL2 = 16.0  # event name column
LINE = 5.4
SIZE = 10.0


def _title(c: Composer, doc: Document, number: int, total: int) -> None:
    w = c.text(RIGHT, TITLE_Y, doc.title, "mincho", 14, align="r", role="title")
    c.text(RIGHT - w - 6, TITLE_Y, f"（{number}の{total}）", "mincho", 10.5, align="r", role="sheet")


def _pack(items: tuple[tuple[str, str], ...], width: float) -> list[str]:
    """Greedy packing of 【label】value items into lines (full-width space between items)."""
    lines: list[str] = []
    line = ""
    for label, value in items:
        item = f"【{label}】{value}"
        cand = f"{line}　{item}" if line else item
        if line and string_width_mm(cand, "mincho", SIZE) > width:
            lines.append(line)
            line = item
        else:
            line = cand
    if line:
        lines.append(line)
    out: list[str] = []
    for ln in lines:  # an item longer than a line wraps character by character
        out += wrap(ln, "mincho", SIZE, width)
    return out


def _event_rows(events: tuple[Event, ...]) -> list[tuple[str, list[str]]]:
    width = RIGHT - (LEFT + COL1 + COL2) - 3
    return [(e.event, _pack(e.items, width)) for e in events]


def _head_block(b: KosekiBody) -> Block:
    ev = _event_rows(b.koseki_events)
    # 氏の振り仮名 (recorded since 2025-05-26) follows the 氏名 it reads, on the same line, in the
    # 【label】 style of the person lines; a line of its own would push a family of four to a 2nd sheet.
    name = b.hittosha + (f"　　【氏の振り仮名】{b.surname_furigana}" if b.surname_furigana else "")
    head = [("本籍", b.honseki), ("氏名", name)]
    n_lines = len(head) + sum(len(lines) for _, lines in ev)
    height = n_lines * LINE + 3.0

    def draw(c: Composer, y: float) -> None:
        x1 = LEFT + COL1
        for i, (label, value) in enumerate(head):
            by = y + (i + 1) * LINE
            c.text(LEFT + 1, by - 1.2, label_spaced(label, 4), "mincho", SIZE)
            c.text(x1 + 2, by - 1.2, value, "mincho", SIZE, role="header", width=RIGHT - x1 - 4)
        ry = y + len(head) * LINE
        c.hline(LEFT, RIGHT, ry + 0.8, 0.15)
        c.text(LEFT + 1, ry + LINE - 0.4, "戸籍事項", "mincho", SIZE)
        _draw_events(c, ry + 0.8, ev)
        c.vline(x1, y + 0.5, y + height - 2.0, 0.2)
        c.hline(LEFT, RIGHT, y + height - 1.0, 0.4)

    return Block(height, draw)


def _draw_events(c: Composer, y: float, ev: list[tuple[str, list[str]]]) -> float:
    x2 = LEFT + COL1 + COL2
    for name, lines in ev:
        c.text(
            LEFT + COL1 + 1.5,
            y + LINE - 1.2,
            label_spaced(name, 3) if len(name) == 2 else name,
            "mincho",
            SIZE,
            width=COL2 - 2,
        )
        for ln in lines:
            y += LINE
            c.text(x2 + 1.5, y - 1.2, ln, "mincho", SIZE, role="item")
    return y


def _person_block(p: KosekiPerson) -> Block:
    ids = [
        f"【名】{p.name}" + (f"　【名の振り仮名】{p.furigana}" if p.furigana else ""),
        f"【生年月日】{p.birth_date}" + (f"　【配偶者区分】{p.spouse_role}" if p.spouse_role else ""),
    ]
    parents = "　".join(f"【{k}】{v}" for k, v in (("父", p.father), ("母", p.mother)) if v)
    if parents:
        ids.append(parents)
    ids.append(f"【続柄】{p.relationship}")
    ev = _event_rows(p.events)
    height = (len(ids) + sum(len(lines) for _, lines in ev)) * LINE + 4.0

    def draw(c: Composer, y: float) -> None:
        x1 = LEFT + COL1
        c.text(LEFT + 1, y + LINE - 1.2, "戸籍に記録されている者", "mincho", 8.5, width=COL1 - 2)
        if p.removed:
            c.box(LEFT + 6, y + LINE + 0.8, 14, 6.0, 0.3)
            c.text(LEFT + 13, y + LINE + 5.4, "除　籍", "mincho", 9.5, align="c", role="removed")
        for i, s in enumerate(ids):
            c.text(x1 + 2, y + (i + 1) * LINE - 1.2, s, "mincho", SIZE + (1 if i == 0 else 0), role="item")
        ry = y + len(ids) * LINE + 0.8
        c.hline(LEFT, RIGHT, ry, 0.15)
        c.text(LEFT + 1, ry + LINE - 1.2, "身分事項", "mincho", SIZE)
        end = _draw_events(c, ry, ev)
        c.vline(x1, y + 0.5, end + 1.0, 0.2)
        c.hline(LEFT, RIGHT, y + height - 1.0, 0.4)

    return Block(height, draw, person=True)


def layout_koseki(doc: Document) -> list[PageLayout]:
    """Pages for a 戸籍全部事項証明書 / 個人事項証明書.

    :raises LayoutError: if one person's record cannot fit a page.
    """
    b = doc.body
    assert isinstance(b, KosekiBody)
    blocks = [_head_block(b)] + [_person_block(p) for p in b.persons]
    return compose(doc, blocks, title=_title, max_persons=99)
