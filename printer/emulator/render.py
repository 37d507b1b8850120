"""The emulator's print head: turns executed commands into a 1-bit page and a text log.

Text is drawn with IPAex Gothic: Kanji at 24 × 24 dots, one-byte characters in font A (12 × 24) or
font B (9 × 17), as an Epson TM receipt printer prints them.  Print modes act on the glyph dots the
way a thermal head does: emphasis prints each dot again one dot to the right, underline is a 1 or
2 dot rule under the cell, reverse swaps ink and paper, GS ! / ESC ! scale by whole dots.  Images
(GS v 0, GS ( L, ESC *, QR codes, barcodes) are copied dot for dot and follow ESC a, as on paper.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from assets.fonts import DEJAVU_SANS_MONO, IPAEX_GOTHIC

__all__ = [
    "CODE_TABLES", "FONT_PATH", "PageRenderer", "TextState", "decode_cells", "decode_text", "render_run",
]

log = logging.getLogger(__name__)
FONT_PATH = str(IPAEX_GOTHIC)
#: one-byte characters are fixed pitch on a receipt printer: a monospaced face fills the cell as
#: the printer's ROM font does (IPAex's proportional Latin would run letters into each other).
MONO_PATH = str(DEJAVU_SANS_MONO)
GLYPH = 24
#: one-byte character cells (width, height, monospaced size, baseline from the bottom) of fonts A, B
FONT_CELLS = {0: (12, 24, 20, 5), 1: (9, 17, 15, 3)}
Bits = npt.NDArray[np.bool_]

#: ESC t n → Python codec for the upper half (0x80–0xFF).  1 is Katakana, handled apart.
CODE_TABLES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865",
    16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858",
}
KATAKANA = 1


@dataclass
class TextState:
    kanji_code: int = 0  # FS C: 0 JIS, 1 Shift-JIS
    kanji_mode: bool = False  # FS & / FS .
    charset: int = 0  # ESC R
    code_table: int = 0  # ESC t
    justify: int = 0
    size_w: int = 1
    size_h: int = 1
    font: int = 0  # ESC M / ESC ! bit 0: 0 = font A, 1 = font B
    bold: bool = False  # ESC E / ESC ! bit 3
    underline: int = 0  # ESC - / ESC ! bit 7: dots of rule
    reverse: bool = False  # GS B


def _upper_half(b: int, table: int) -> str:
    """A byte ≥ 0x80 under code table ``table`` (U+FFFD where the table has no character)."""
    if table == KATAKANA:
        # JIS X 0201 half-width katakana; Epson's graphic symbols around it are not emulated.
        return bytes([b]).decode("cp932") if 0xA1 <= b <= 0xDF else "\ufffd"
    codec = CODE_TABLES.get(table)
    return "\ufffd" if codec is None else bytes([b]).decode(codec, errors="replace")


def decode_cells(raw: bytes, state: TextState) -> list[tuple[str, int]]:
    """Printable bytes as (character, cells): 2 cells for a Kanji, 1 for a one-byte character."""
    out: list[tuple[str, int]] = []
    japan = state.charset == 8
    sjis = state.kanji_code == 1 or state.kanji_mode
    i = 0
    while i < len(raw):
        b = raw[i]
        if japan and b == 0x5C:
            out.append(("¥", 1))
        elif japan and b == 0x7E:
            out.append(("‾", 1))
        elif b < 0x80:
            out.append((chr(b), 1))
        elif sjis and (0x81 <= b <= 0x9F or 0xE0 <= b <= 0xFC) and i + 1 < len(raw):
            out.append((raw[i : i + 2].decode("cp932", errors="replace"), 2))
            i += 1
        elif sjis and 0xA1 <= b <= 0xDF:
            out.append((bytes([b]).decode("cp932"), 1))
        else:
            out.append((_upper_half(b, state.code_table), 1))
        i += 1
    return out


def decode_text(raw: bytes, state: TextState) -> str:
    """Decode printable bytes the way the printer's current mode would (never raises)."""
    return "".join(ch for ch, _ in decode_cells(raw, state))


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _is_kana(ch: str) -> bool:
    return "\uff61" <= ch <= "\uff9f"  # half-width katakana: drawn from the Japanese face


def render_run(cells: list[tuple[str, int]], state: TextState) -> Bits:
    """A run of text as black dots with the current print modes applied."""
    cell_w, cell_h, size, base = FONT_CELLS.get(state.font, FONT_CELLS[0])
    height = GLYPH if any(n == 2 for _, n in cells) else cell_h
    widths = [GLYPH if n == 2 else cell_w for _, n in cells]
    img = Image.new("L", (max(sum(widths), 1), height), 0)
    draw = ImageDraw.Draw(img)
    x = 0
    for (ch, n), box in zip(cells, widths, strict=True):
        if n == 2 or _is_kana(ch):
            font, baseline = _font(FONT_PATH, GLYPH if n == 2 else cell_h), 3 if cell_h == GLYPH else 2
        else:
            font, baseline = _font(MONO_PATH, size), base
        # A glyph narrower than its cell (kana, Kanji) is centred in it, as a fixed-pitch head prints.
        offset = max(0.0, (box - font.getlength(ch)) / 2)
        draw.text((x + offset, height - baseline), ch, font=font, fill=255, anchor="ls")
        x += box
    bits = np.asarray(img) >= 128
    if state.bold:
        bits = bits.copy()
        bits[:, 1:] |= bits[:, :-1]
    if state.size_w > 1 or state.size_h > 1:
        bits = np.repeat(np.repeat(bits, state.size_h, axis=0), state.size_w, axis=1)
    if state.underline:
        bits = bits.copy()
        bits[-state.underline :, :] = True
    if state.reverse:
        bits = ~bits
    return bits


@dataclass
class PageRenderer:
    """One page between cuts: dot rows, the current text line, and the text printed so far."""

    width: int
    dpi: int
    strips: list[Bits] = field(default_factory=list)
    height: int = 0
    lines: list[str] = field(default_factory=list)
    state: TextState = field(default_factory=TextState)
    line_spacing: int = 0
    unit: int = 1
    left_margin: int = 0  # GS L, dots
    area_width: int = 0  # GS W, dots (0 = to the right edge)
    _line: list[tuple[str, Bits]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reset_modes()

    # --- modes ------------------------------------------------------------------------------

    def reset_modes(self) -> None:
        self.state = TextState()
        self.line_spacing = round(self.dpi / 6)  # ESC 2: 1/6 inch
        self.unit = 1
        self.left_margin = 0
        self.area_width = 0

    def set_print_area(self, left: int | None = None, width: int | None = None) -> None:
        """GS L / GS W (in dots); the area never extends past the paper's printable width."""
        if left is not None:
            self.left_margin = min(left, self.width - 1)
        if width is not None:
            self.area_width = width

    def set_motion_units(self, y: int) -> None:
        self.unit = max(1, round(self.dpi / y)) if y else 1

    # --- content ----------------------------------------------------------------------------

    @property
    def has_content(self) -> bool:
        return self.height > 0 or bool(self._line)

    def text(self, raw: bytes) -> None:
        """Characters into the line buffer; a full line prints and the rest wraps, as on paper."""
        cells = decode_cells(raw, self.state)
        one_byte = FONT_CELLS.get(self.state.font, FONT_CELLS[0])[0]
        area, used, start = self._area(), sum(bits.shape[1] for _, bits in self._line), 0
        for i, (_, n) in enumerate(cells):
            w = (GLYPH if n == 2 else one_byte) * self.state.size_w
            if used + w > area and (i > start or self._line):
                self._run(cells[start:i])
                self.newline()
                used, start = 0, i
            used += w
        self._run(cells[start:])

    def _run(self, cells: list[tuple[str, int]]) -> None:
        if cells:
            self._line.append(("".join(ch for ch, _ in cells), render_run(cells, self.state)))

    def tab(self, stop: int) -> None:
        """Blank space up to the next multiple of ``stop`` dots in the current line."""
        used = sum(bits.shape[1] for _, bits in self._line)
        self._line.append(("\t", np.zeros((1, stop - used % stop), dtype=bool)))

    def _area(self) -> int:
        """Dots between the left margin and the end of the print area."""
        area = self.width - self.left_margin
        return min(area, self.area_width) if self.area_width else area

    def _x(self, width: int) -> int:
        """Left edge of ``width`` dots under the current justification (ESC a)."""
        where = self.state.justify % 48
        area = self._area()
        x = {1: (area - width) // 2, 2: area - width}.get(where, 0)
        return self.left_margin + max(0, x)

    def newline(self, advance: int | None = None) -> None:
        """Print the line buffer (LF, ESC J, ESC d) and advance.

        The paper moves by the line spacing, or by the tallest thing in the line when that is taller
        (characters and bit images are never cut), so ESC * strips under ESC 3 n ≤ 24 print without gaps.
        """
        step = self.line_spacing if advance is None else advance
        if not self._line:
            self.feed(step)
            return
        text = "".join(t for t, _ in self._line)
        if text:  # a line of ESC * strips only is an image, not a line of text
            self.lines.append(text)
        height = max(bits.shape[0] for _, bits in self._line)
        row = np.zeros((max(height, step), self.width), dtype=bool)
        x = self._x(sum(bits.shape[1] for _, bits in self._line))
        for _, bits in self._line:
            w = min(bits.shape[1], self.width - x)
            if w > 0:
                row[height - bits.shape[0] : height, x : x + w] |= bits[:, :w]
            x += bits.shape[1]
        self._line.clear()
        self._append(row)

    def feed(self, dots: int) -> None:
        if dots > 0:
            self._append(np.zeros((dots, self.width), dtype=bool))

    def image(self, img: Bits) -> None:
        """A block image (raster, graphics, 2D code, barcode): starts a new line, follows ESC a."""
        if self._line:
            self.newline(0)
        row = np.zeros((img.shape[0], self.width), dtype=bool)
        x = self._x(img.shape[1])
        w = min(img.shape[1], self.width - x)
        row[:, x : x + w] = img[:, :w]
        self._append(row)

    def raster(self, width_bytes: int, height: int, data: bytes, mode: int = 0) -> None:
        """GS v 0: m bit 0 doubles the width, bit 1 the height."""
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(height, width_bytes), axis=1)
        img = bits.astype(bool)
        if mode % 48 in (1, 3):
            img = np.repeat(img, 2, axis=1)
        if mode % 48 in (2, 3):
            img = np.repeat(img, 2, axis=0)
        self.image(img)

    def column(self, mode: int, columns: int, data: bytes) -> None:
        """ESC *: n columns of 8 (m 0/1) or 24 (m 32/33) dots, MSB at the top.

        Single density (m 0, 32) prints each column two dots wide; 8-dot modes print each dot three
        dots tall (Epson: 8-dot images are at a third of the vertical density), so every mode makes a
        strip 24 dots tall.
        """
        per = 3 if mode >= 32 else 1
        cols = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(columns, per), axis=1)
        bits = cols.T.astype(bool)
        if mode in (0, 1):
            bits = np.repeat(bits, 3, axis=0)
        if mode in (0, 32):
            bits = np.repeat(bits, 2, axis=1)
        self._line.append(("", bits))

    def _append(self, strip: Bits) -> None:
        self.strips.append(strip)
        self.height += strip.shape[0]

    def finish(self) -> tuple[Image.Image, list[str]]:
        """The page as a 1-bit image (black = printed dot) and its text lines; the renderer is emptied."""
        if self._line:
            self.newline(0)
        black = np.vstack(self.strips) if self.strips else np.zeros((1, self.width), dtype=bool)
        image = Image.fromarray(np.where(black, 0, 255).astype(np.uint8), mode="L").convert("1")
        lines = list(self.lines)
        self.discard()
        return image, lines

    def discard(self) -> None:
        self.strips.clear()
        self.height = 0
        self.lines.clear()
        self._line.clear()
