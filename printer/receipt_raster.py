"""The receipt's block in the resident's language, printed as raster (docs/printing-driver.md "Receipt").

The receipt printer's ROM fonts speak Shift-JIS (docs/printing.md §1): no Vietnamese diacritics, no
Hangul, few simplified hanzi.  So the Japanese lines stay text (crisp, what the clerk reads) and the
same lines in the resident's language are drawn with PIL in a font that covers the language and sent
as GS v 0 raster bands under them.  Each character is checked against the font's cmap (fontTools)
before anything is drawn: a glyph the font lacks would print as an empty box, and a receipt nobody can
read is worse than a clear error.

The block is a translation of fixed wording and amounts (:class:`ReceiptTranslation` has no field
for anything about the resident).  Type is 24 dots tall, the height of the printer's Kanji font, so
both halves read alike; the title is 32 dots.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont

from assets.fonts import DEJAVU_SANS, NOTO_SANS_CJK
from printer.errors import PrinterError
from printer.escpos.commands import Command
from printer.escpos.encoder import Band, pack_image, plan_page, raster_commands

__all__ = [
    "FONT_FACES",
    "LINE_PITCH",
    "TEXT_PX",
    "TITLE_PITCH",
    "TITLE_PX",
    "ReceiptTranslation",
    "TranslationError",
    "missing_glyphs",
    "render_translation",
    "translation_commands",
]

# Language → (font file, face index in a collection).  Noto Sans CJK's collection holds one face per
# region: 1 = KR (Hangul), 2 = SC (simplified hanzi in mainland shapes).  DejaVu Sans has every
# Vietnamese letter with its stacked diacritics (tests/unit/printing_driver/test_print_receipt_raster.py
# checks every catalog text against each cmap).
FONT_FACES: dict[str, tuple[Path, int]] = {
    "zh": (NOTO_SANS_CJK, 2),
    "ko": (NOTO_SANS_CJK, 1),
    "en": (DEJAVU_SANS, 0),
    "pt": (DEJAVU_SANS, 0),
    "vi": (DEJAVU_SANS, 0),
}
TEXT_PX, LINE_PITCH = 24, 34  # 3 mm type at 203 dpi, as the Kanji ROM font; room for Vietnamese accents
TITLE_PX, TITLE_PITCH = 32, 46
_GAP = 16  # dots between a wrapped label and its amount
_MAX_ROWS, _MAX_CHARS = 24, 160
# A CJK ideograph or full-width form may end a line anywhere; other text breaks at spaces.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")


class TranslationError(PrinterError, ValueError):
    """A translation block the receipt cannot print (unknown language, missing glyph, too long)."""

    code = "receipt_invalid"


@dataclass(frozen=True)
class ReceiptTranslation:
    """The receipt's wording in one language: a title and rows of (text, amount); amount may be ""."""

    language: str
    title: str
    rows: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if self.language not in FONT_FACES:
            raise TranslationError(
                f"no receipt font for language {self.language!r}; have {sorted(FONT_FACES)}")
        if not 1 <= len(self.rows) <= _MAX_ROWS:
            raise TranslationError(f"a translation has 1..{_MAX_ROWS} rows")
        for s in (self.title, *(part for row in self.rows for part in row)):
            if len(s) > _MAX_CHARS or any(unicodedata.category(ch) == "Cc" for ch in s):
                raise TranslationError(f"translated text must be at most {_MAX_CHARS} printable characters")
        lost = missing_glyphs(self.language, self.title + "".join(a + b for a, b in self.rows))
        if lost:
            raise TranslationError(f"font for {self.language!r} has no glyph for {''.join(sorted(lost))!r}")


@functools.cache
def _cmap(path: Path, index: int) -> frozenset[int]:
    font = TTCollection(str(path)).fonts[index] if path.suffix.lower() == ".ttc" else TTFont(str(path))
    return frozenset(font.getBestCmap())


def missing_glyphs(language: str, s: str) -> set[str]:
    """Characters of ``s`` (spaces aside) that the font of ``language`` cannot draw."""
    path, index = FONT_FACES[language]
    cmap = _cmap(path, index)
    return {ch for ch in s if not ch.isspace() and ord(ch) not in cmap}


@functools.cache
def _font(language: str, px: int) -> ImageFont.FreeTypeFont:
    path, index = FONT_FACES[language]
    return ImageFont.truetype(str(path), px, index=index)


def _wrap(s: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``s`` in lines no wider than ``width`` dots: at spaces, between ideographs, mid-word only when a
    word alone is wider than the line."""
    lines: list[str] = []
    cur = ""
    for token in _TOKENS.findall(s):
        if font.getlength((cur + token).rstrip()) <= width:
            cur += token
            continue
        if cur.strip():
            lines.append(cur.rstrip())
        cur = token.lstrip() if token.isspace() else token
        while font.getlength(cur.rstrip()) > width:  # one word wider than the paper: cut it
            cut = len(cur) - 1
            while cut > 1 and font.getlength(cur[:cut]) > width:
                cut -= 1
            lines.append(cur[:cut])
            cur = cur[cut:]
    if cur.strip():
        lines.append(cur.rstrip())
    return lines or [""]


def render_translation(tr: ReceiptTranslation, width_dots: int) -> Image.Image:
    """The block as a 1-bit image ``width_dots`` wide: the title centred, then each row's text on the
    left (wrapped) and its amount flush right on the row's first line."""
    title_font, font = _font(tr.language, TITLE_PX), _font(tr.language, TEXT_PX)
    placed: list[tuple[int, str, ImageFont.FreeTypeFont, str]] = []  # (y, text, font, anchor)
    y = 0
    for line in _wrap(tr.title, title_font, width_dots):
        placed.append((y, line, title_font, "m"))
        y += TITLE_PITCH
    for text, amount in tr.rows:
        room = width_dots - (int(font.getlength(amount)) + _GAP if amount else 0)
        first = True
        for line in _wrap(text, font, room):
            placed.append((y, line, font, "l"))
            if first and amount:
                placed.append((y, amount, font, "r"))
            first = False
            y += LINE_PITCH
    img = Image.new("L", (width_dots, y + 8), 255)
    draw = ImageDraw.Draw(img)
    for top, line, f, where in placed:
        # "ls"/"ms"/"rs": left/middle/right at the baseline, one baseline per line whatever the glyphs.
        x = {"l": 0, "m": width_dots // 2, "r": width_dots - 1}[where]
        draw.text((x, top + f.size), line, font=f, fill=0, anchor=where + "s")
    # A hard threshold, no dithering: thermal dots are on or off, and grey edges would print as noise.
    return img.point(lambda v: 0 if v < 128 else 255).convert("1", dither=Image.Dither.NONE)


def translation_commands(tr: ReceiptTranslation, width_dots: int, band_rows: int) -> list[Command]:
    """GS v 0 raster bands of :func:`render_translation` (white rows included: no feed arithmetic
    depends on the printer's motion units)."""
    packed = pack_image(render_translation(tr, width_dots), width_dots)
    segments = plan_page(packed, band_rows, min_blank=packed.height + 1)
    return [cmd for seg in segments if isinstance(seg, Band) for cmd in raster_commands(packed, seg)]
