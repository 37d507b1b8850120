"""The two IPAex faces, registered once with reportlab (metrics, PDF) and cached for Pillow (raster)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from printer.errors import PrinterError

__all__ = [
    "GOTHIC_PATH",
    "MINCHO_PATH",
    "Face",
    "FontMissingError",
    "pil_font",
    "register",
    "string_width_mm",
]

MINCHO_PATH = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
GOTHIC_PATH = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
Face = Literal["mincho", "gothic"]
PDF_NAMES: dict[Face, str] = {"mincho": "IPAexMincho", "gothic": "IPAexGothic"}
_PATHS: dict[Face, Path] = {"mincho": MINCHO_PATH, "gothic": GOTHIC_PATH}
PT_MM = 25.4 / 72


class FontMissingError(PrinterError):
    """An IPAex font file is not installed (apt package fonts-ipaexfont)."""

    code = "printer_font_missing"


@lru_cache(maxsize=1)
def register() -> None:
    """Register both faces with reportlab (idempotent).

    :raises FontMissingError: if a font file is absent.
    """
    for face, path in _PATHS.items():
        if not path.is_file():
            raise FontMissingError(f"font {path} is missing; install fonts-ipaexfont")
        pdfmetrics.registerFont(TTFont(PDF_NAMES[face], str(path)))


def string_width_mm(text: str, face: Face, size_pt: float) -> float:
    """Advance width of ``text`` in millimetres (the TrueType metrics, as the PDF will set it)."""
    register()
    return float(pdfmetrics.stringWidth(text, PDF_NAMES[face], size_pt)) * PT_MM


@lru_cache(maxsize=128)
def pil_font(face: Face, size_px: float) -> ImageFont.FreeTypeFont:
    """A Pillow FreeType font of ``size_px`` pixels per em (cached: layouts reuse a few sizes)."""
    register()
    return ImageFont.truetype(str(_PATHS[face]), size_px)
