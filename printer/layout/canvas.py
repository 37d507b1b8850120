"""A device-independent display list: what a page shows, in millimetres from the top-left corner.

Layouts build a ``PageLayout`` of a few primitives (text on a baseline, axis-aligned rules and boxes,
bitmaps rendered on demand for the device's own dot grid).  Two backends draw it: ``raster`` (1-bit
Pillow image at the device dpi, for ESC/POS) and ``pdf`` (vector text with reportlab, for the page
printer).  Keeping layout as data makes it testable without OCR: a test can ask which page carries the
認証文 or the 以下余白 mark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from printer.errors import PrinterError
from printer.layout.fonts import Face, string_width_mm

__all__ = [
    "MIN_SIZE",
    "Bitmap",
    "Box",
    "Composer",
    "LayoutError",
    "PageLayout",
    "Rule",
    "Text",
    "fit_size",
    "wrap",
]

MIN_SIZE = 5.0  # points; 14 dots at 203 dpi, the smallest size at which kanji stay legible


class LayoutError(PrinterError, ValueError):
    """The document cannot be laid out (a value too long for its field, a block taller than a page,
    or the wrong paper).  Kiosks refuse such a certificate rather than print it cut
    (docs/certificates.md §7)."""

    code = "layout_error"


Align = Literal["l", "r", "c"]
# Kinsoku shori (JIS X 4051 §9.1): these may not start a line.
_NO_LINE_START = set("、。，．）」』】〕・ー々ゝゞァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ")


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    face: Face
    size: float  # points
    align: Align = "l"
    role: str = ""  # names structural text for tests: title, certification, end_mark, issue_number ...


@dataclass(frozen=True)
class Rule:
    """A filled axis-aligned rectangle; lines are thin rules."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    stroke: float = 0.25


@dataclass(frozen=True)
class Bitmap:
    """A picture rendered for the target grid: ``render(w_dots, h_dots)`` returns a mode-"1" image
    of exactly that size (black = 0), so seals are drawn at the device's resolution, not resampled."""

    x: float
    y: float
    w: float
    h: float
    render: Callable[[int, int], Image.Image]
    role: str = ""


Item = Text | Rule | Box | Bitmap


@dataclass
class PageLayout:
    number: int
    total: int
    items: list[Item] = field(default_factory=list)
    qr_box: tuple[float, float, float] | None = None  # x, y, side (mm) reserved for the seal QR

    def texts(self, role: str | None = None) -> list[Text]:
        return [i for i in self.items if isinstance(i, Text) and (role is None or i.role == role)]


def fit_size(text: str, face: Face, size: float, width: float, minimum: float = MIN_SIZE) -> float:
    """The largest size <= ``size`` at which ``text`` fits ``width`` mm (docs/certificates.md §7: overflow →
    smaller font).

    :raises LayoutError: when even ``minimum`` points do not fit (the value is too long to print).
    """
    w = string_width_mm(text, face, size)
    if w <= width:
        return size
    fitted = size * width / w * 0.999
    if fitted < minimum:
        raise LayoutError(f"a value of {len(text)} characters does not fit its {width:.0f} mm field")
    return fitted


def wrap(text: str, face: Face, size: float, width: float) -> list[str]:
    """Break ``text`` into lines of at most ``width`` mm, character by character (Japanese has no
    word spaces), keeping closing punctuation off the start of a line."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if line and string_width_mm(line + ch, face, size) > width and ch not in _NO_LINE_START:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return lines or [""]


class Composer:
    """Appends primitives to a page; small helpers keep layouts short and consistent."""

    def __init__(self, page: PageLayout) -> None:
        self.page = page

    def text(
        self,
        x: float,
        y: float,
        s: str,
        face: Face = "mincho",
        size: float = 10.0,
        *,
        align: Align = "l",
        role: str = "",
        width: float | None = None,
    ) -> float:
        """Draw ``s``; when ``width`` is given, shrink to fit it.  Returns the width used (mm)."""
        if width is not None:
            size = fit_size(s, face, size, width)
        self.page.items.append(Text(x, y, s, face, size, align, role))
        return string_width_mm(s, face, size)

    def hline(self, x0: float, x1: float, y: float, w: float = 0.25) -> None:
        self.page.items.append(Rule(x0, y - w / 2, x1, y + w / 2))

    def vline(self, x: float, y0: float, y1: float, w: float = 0.25) -> None:
        self.page.items.append(Rule(x - w / 2, y0, x + w / 2, y1))

    def box(self, x: float, y: float, w: float, h: float, stroke: float = 0.25) -> None:
        self.page.items.append(Box(x, y, w, h, stroke))

    def bitmap(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        render: Callable[[int, int], Image.Image],
        *,
        role: str = "",
    ) -> None:
        self.page.items.append(Bitmap(x, y, w, h, render, role))

    def label_value(
        self,
        x: float,
        y: float,
        label: str,
        value: str,
        *,
        label_w: float,
        value_w: float,
        size: float = 9.5,
        role: str = "",
    ) -> None:
        """A Gothic item label followed by its Mincho value on the same baseline."""
        self.text(x, y, label, "gothic", 7.5, width=label_w - 1)
        self.text(x + label_w, y, value, "mincho", size, width=value_w, role=role)
