"""The emulator's print head: turns executed commands into a 1-bit page and a text log.

Text in Kanji mode is drawn with IPAex Gothic at 24 dots (the Kanji font of docs/printing.md §3),
half-width characters at 12 × 24; GS ! scales, ESC a aligns.  Raster images are copied dot for dot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

__all__ = ["FONT_PATH", "PageRenderer", "TextState", "decode_text"]

log = logging.getLogger(__name__)
FONT_PATH = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
GLYPH = 24
Bits = npt.NDArray[np.bool_]


@dataclass
class TextState:
    kanji_code: int = 0  # FS C: 0 JIS, 1 Shift-JIS
    kanji_mode: bool = False  # FS & / FS .
    charset: int = 0  # ESC R
    code_table: int = 0  # ESC t
    justify: int = 0
    size_w: int = 1
    size_h: int = 1


def decode_text(raw: bytes, state: TextState) -> str:
    """Decode printable bytes the way the printer's current mode would (never raises)."""
    out: list[str] = []
    japan = state.charset == 8
    sjis = state.kanji_code == 1 or state.kanji_mode
    i = 0
    while i < len(raw):
        b = raw[i]
        if japan and b == 0x5C:
            out.append("¥")
        elif japan and b == 0x7E:
            out.append("‾")
        elif b < 0x80:
            out.append(chr(b))
        elif sjis and (0x81 <= b <= 0x9F or 0xE0 <= b <= 0xFC) and i + 1 < len(raw):
            out.append(raw[i : i + 2].decode("cp932", errors="replace"))
            i += 1
        elif (sjis or state.code_table == 1) and 0xA1 <= b <= 0xDF:
            out.append(bytes([b]).decode("cp932"))
        else:
            out.append("\ufffd")
        i += 1
    return "".join(out)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def _render_run(text: str, size_w: int, size_h: int) -> Bits:
    """A run of text as black dots: full-width glyphs 24 × 24, half-width 12 × 24, then scaled."""
    font = _font(GLYPH)
    cells = [2 if len(ch.encode("cp932", errors="replace")) == 2 else 1 for ch in text]
    width = sum(cells) * GLYPH // 2
    img = Image.new("L", (max(width, 1), GLYPH), 0)
    draw = ImageDraw.Draw(img)
    x = 0
    for ch, cell in zip(text, cells, strict=True):
        box = cell * GLYPH // 2
        # Proportional Latin glyphs are centred in their 12-dot cell, as a fixed-pitch head prints them.
        offset = max(0.0, (box - font.getlength(ch)) / 2)
        draw.text((x + offset, GLYPH - 3), ch, font=font, fill=255, anchor="ls")
        x += box
    if size_w > 1 or size_h > 1:
        img = img.resize((img.width * size_w, img.height * size_h), Image.Resampling.NEAREST)
    return np.asarray(img) >= 128


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
    _line: list[tuple[str, Bits]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reset_modes()

    # --- modes ------------------------------------------------------------------------------

    def reset_modes(self) -> None:
        self.state = TextState()
        self.line_spacing = round(self.dpi / 6)  # ESC 2: 1/6 inch
        self.unit = 1

    def set_motion_units(self, y: int) -> None:
        self.unit = max(1, round(self.dpi / y)) if y else 1

    # --- content ----------------------------------------------------------------------------

    @property
    def has_content(self) -> bool:
        return self.height > 0 or bool(self._line)

    def text(self, raw: bytes) -> None:
        decoded = decode_text(raw, self.state)
        self._line.append((decoded, _render_run(decoded, self.state.size_w, self.state.size_h)))

    def newline(self, advance: int | None = None) -> None:
        """Print the line buffer (LF, ESC J, ESC d) and advance."""
        step = self.line_spacing if advance is None else advance
        if not self._line:
            self.feed(step)
            return
        text = "".join(t for t, _ in self._line)
        self.lines.append(text)
        height = max(bits.shape[0] for _, bits in self._line)
        row = np.zeros((max(height, step), self.width), dtype=bool)
        total = sum(bits.shape[1] for _, bits in self._line)
        x = {0: 0, 1: (self.width - total) // 2, 2: self.width - total}.get(self.state.justify % 48, 0)
        x = max(0, x)
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

    def raster(self, width_bytes: int, height: int, data: bytes, mode: int = 0) -> None:
        if self._line:
            self.newline(0)
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(height, width_bytes), axis=1)
        img = bits.astype(bool)
        if mode % 48 in (1, 3):
            img = np.repeat(img, 2, axis=1)
        if mode % 48 in (2, 3):
            img = np.repeat(img, 2, axis=0)
        row = np.zeros((img.shape[0], self.width), dtype=bool)
        w = min(img.shape[1], self.width)
        row[:, :w] = img[:, :w]
        self._append(row)

    def column(self, mode: int, columns: int, data: bytes) -> None:
        """ESC *: n columns, 8 (m 0/1) or 24 (m 32/33) dots tall, MSB at the top."""
        per = 3 if mode >= 32 else 1
        cols = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(columns, per), axis=1)
        bits = cols.T.astype(bool)
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
