"""印鑑登録証明書 (docs/certificates.md §3): the 印影 box, then 氏名・生年月日, 通称, 住所, 備考.

The impression is drawn from its text (the registry keeps an image; the synthetic center sends the
characters): black, at ``size_mm``, round or square, characters stretched to fill their cells as seal
engravers do, read right column first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw

from printer.document import Document, Impression, InkanBody
from printer.layout.canvas import Composer, PageLayout
from printer.layout.fonts import pil_font
from printer.layout.frame import LEFT, RIGHT, WIDTH, Block, compose

__all__ = ["impression_renderer", "layout_inkan"]

IMPRINT_H = 48.0
LABEL_W = 20.0
ROW = 8.0


@lru_cache(maxsize=64)
def _glyph(ch: str) -> Image.Image:
    """One character, black on white, cropped to its ink (rendered large, bold-ish via a stroke)."""
    font = pil_font("mincho", 200)
    im = Image.new("L", (240, 240), 255)
    ImageDraw.Draw(im).text((120, 120), ch, font=font, fill=0, anchor="mm", stroke_width=6, stroke_fill=0)
    box = im.point(lambda v: 255 - v).getbbox() or (0, 0, 240, 240)
    return im.crop(box)


def _grid(n: int) -> tuple[int, int]:
    cols = 1 if n <= 3 else 2 if n <= 4 else 3 if n <= 6 else 4
    return cols, math.ceil(n / cols)


def impression_renderer(imp: Impression) -> Callable[[int, int], Image.Image]:
    """Draw the 印影 at the requested dot size (mode "1", black = ink)."""

    def render(w: int, h: int) -> Image.Image:
        im = Image.new("L", (w, h), 255)
        d = ImageDraw.Draw(im)
        rim = max(1, round(w * 0.055))
        if imp.shape == "round":
            d.ellipse((0, 0, w - 1, h - 1), outline=0, width=rim)
            # Characters go in the square inscribed in the circle, slightly enlarged (they touch the rim).
            inset = 0.17
        else:
            d.rectangle((0, 0, w - 1, h - 1), outline=0, width=rim)
            inset = 0.1
        x0, y0, x1, y1 = w * inset, h * inset, w * (1 - inset), h * (1 - inset)
        cols, rows = _grid(len(imp.text))
        cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
        gap = max(1, round(min(cw, ch) * 0.06))
        for i, char in enumerate(imp.text):
            col, row = divmod(i, rows)
            cx = x1 - (col + 1) * cw  # right column first (縦書き)
            cy = y0 + row * ch
            size = (max(1, round(cw) - 2 * gap), max(1, round(ch) - 2 * gap))
            g = _glyph(char).resize(size, Image.Resampling.LANCZOS)
            im.paste(g, (round(cx) + gap, round(cy) + gap), g.point(lambda v: 255 - v))
        return im.point(lambda v: 255 if v >= 128 else 0, mode="1")

    return render


def _imprint_block(b: InkanBody) -> Block:
    def draw(c: Composer, y: float) -> None:
        c.box(LEFT, y, WIDTH, IMPRINT_H)
        c.vline(LEFT + LABEL_W, y, y + IMPRINT_H)
        c.text(LEFT + LABEL_W / 2, y + IMPRINT_H / 2 - 2, "印", "gothic", 11, align="c")
        c.text(LEFT + LABEL_W / 2, y + IMPRINT_H / 2 + 6, "影", "gothic", 11, align="c")
        s = b.impression.size_mm
        cx = LEFT + LABEL_W + (WIDTH - LABEL_W) / 2
        c.bitmap(
            cx - s / 2, y + (IMPRINT_H - s) / 2, s, s, impression_renderer(b.impression), role="impression"
        )

    return Block(IMPRINT_H, draw)


def _rows_block(b: InkanBody) -> Block:
    rows: list[tuple[str, str]] = []
    if b.alias:
        rows.append(("通　称", b.alias))
    rows.append(("住　所", b.address))
    remarks = list(b.remarks) or [""]
    height = ROW * (1 + len(rows) + len(remarks))

    def draw(c: Composer, y: float) -> None:
        c.box(LEFT, y - 0.25, WIDTH, height + 0.25)
        c.vline(LEFT + LABEL_W, y, y + height)
        mid = LEFT + 110
        c.vline(mid, y, y + ROW)
        c.vline(mid + 22, y, y + ROW)
        c.text(LEFT + LABEL_W / 2, y + 5.6, "氏　名", "gothic", 9.5, align="c")
        c.text(
            LEFT + LABEL_W + 3, y + 5.8, b.name, "mincho", 12.5, role="name", width=mid - LEFT - LABEL_W - 5
        )
        c.text(mid + 11, y + 5.6, "生年月日", "gothic", 9.5, align="c")
        c.text(mid + 25, y + 5.8, b.birth_date, "mincho", 11, width=RIGHT - mid - 27)
        ry = y + ROW
        for label, value in rows + [("備　考" if i == 0 else "", r) for i, r in enumerate(remarks)]:
            c.hline(LEFT if label else LEFT + LABEL_W, RIGHT, ry, 0.15)
            c.text(LEFT + LABEL_W / 2, ry + 5.6, label, "gothic", 9.5, align="c")
            if value:
                c.text(LEFT + LABEL_W + 3, ry + 5.8, value, "mincho", 11, width=WIDTH - LABEL_W - 5)
            ry += ROW

    return Block(height, draw)


def layout_inkan(doc: Document) -> list[PageLayout]:
    """Pages (one) for an 印鑑登録証明書.

    :raises LayoutError: never for a valid document (the content is fixed-size).
    """
    body = doc.body
    assert isinstance(body, InkanBody)
    return compose(doc, [_imprint_block(body), _rows_block(body)], reference=body.certificate_number)
