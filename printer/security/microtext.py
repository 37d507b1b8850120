"""Microtext: a 5×7-dot capital font, so a line is 7 device dots tall (0.30 mm at 600 dpi).

An outline font cannot be hinted down to 7 pixels legibly; a hand-made dot font can, and it lands on
exact device dots.  At 300 dpi the same 7 dots are 0.59 mm and at 203 dpi 0.88 mm: ordinary small
print, not microtext (docs/printing.md §4: ≤0.3 mm), so those profiles print no microtext at all
(``PrinterProfile.security.microtext`` says which).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["GLYPH_H", "GLYPH_W", "MICROTEXT_MAX_MM", "microtext"]

GLYPH_W, GLYPH_H = 5, 7
MICROTEXT_MAX_MM = 0.30
_FONT = {
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    " ": "00000 00000 00000 00000 00000 00000 00000",
}
_GLYPHS = {
    ch: np.array([[b == "1" for b in row] for row in rows.split()], dtype=bool) for ch, rows in _FONT.items()
}


def microtext(text: str, length: int) -> npt.NDArray[np.bool_]:
    """A ``7 × length`` ink array repeating ``text`` (A–Z, 0–9, '-', ' ') with a 3-dot gap between
    repeats; characters outside the font are dropped."""
    glyphs = [_GLYPHS[ch] for ch in text.upper() if ch in _GLYPHS]
    if not glyphs:
        return np.zeros((GLYPH_H, length), dtype=bool)
    spacer = np.zeros((GLYPH_H, 1), dtype=bool)
    parts: list[npt.NDArray[np.bool_]] = []
    for g in glyphs:
        parts += [g, spacer]
    unit = np.hstack([*parts, np.zeros((GLYPH_H, 2), dtype=bool)])
    reps = -(-length // unit.shape[1])
    return np.tile(unit, (1, reps))[:, :length]
