"""Documents to pages: choose the layout for the certificate type, draw it for a printer profile.

``render_pages`` gives 1-bit raster pages on the profile's dot grid (what an ESC/POS printer receives
and what PNG output shows); ``render_pdf`` writes a PDF with vector text for the page printer, the
security layer embedded as one exact-resolution 1-bit stencil image per page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from printer.document import Document, parse_seal
from printer.layout.canvas import PageLayout
from printer.layout.frame import LayoutError
from printer.layout.fuhyo import layout_fuhyo
from printer.layout.inkan import layout_inkan
from printer.layout.juminhyo import layout_juminhyo
from printer.layout.kazei import layout_kazei
from printer.layout.koseki import layout_koseki
from printer.layout.raster import draw_layout, or_ink
from printer.profiles import PrinterProfile
from printer.security.layer import security_layer

__all__ = [
    "LAYOUTS",
    "Page",
    "layout_document",
    "micro_text_for",
    "page_size_dots",
    "render_pages",
    "render_pdf",
]

log = logging.getLogger(__name__)

LAYOUTS: dict[str, Callable[[Document], list[PageLayout]]] = {
    "juminhyo": layout_juminhyo,
    "kisaijiko": layout_juminhyo,
    "inkan": layout_inkan,
    "kazei": layout_kazei,
    "koseki": layout_koseki,
    "fuhyo": layout_fuhyo,
}


@dataclass(frozen=True)
class Page:
    """One printed sheet: a mode-"1" image (black = 0) exactly ``profile.width_dots`` wide."""

    image: Image.Image
    number: int
    total: int
    dpi: int


def layout_document(document: Document) -> list[PageLayout]:
    """The display lists of every page of ``document``.

    :raises LayoutError: if the content cannot be laid out.
    """
    return LAYOUTS[document.type](document)


def page_size_dots(profile: PrinterProfile) -> tuple[int, int]:
    """(width, height) of an A4 page on the profile's grid.

    :raises LayoutError: for a profile without A4 paper (a receipt roll cannot carry a certificate).
    """
    height = profile.page_height_dots
    if profile.paper != "a4" or height is None:
        raise LayoutError(f"profile {profile.name} prints on {profile.paper}; certificates need A4 paper")
    return profile.width_dots, height


def micro_text_for(document: Document) -> str:
    """Microtext content: the project's name and the municipality code (names are not in romaji)."""
    return f"KONBINIKOFU {document.municipality.code}"


HALO_MM = 0.09  # the 地紋 is knocked out this far around content strokes


def _layer_for(
    content: Image.Image, layout: PageLayout, document: Document, seal: str, profile: PrinterProfile
) -> Image.Image:
    """The page's security layer with the 地紋 knocked out in a thin halo around the content.

    Without the halo, word clusters (2×2 dots = 0.25 mm at 203 dpi) touching thin kana strokes make
    small text hard to read; the halo is the same in word and background areas, so it neither shows
    nor hides the latent word.
    """
    layer = security_layer(
        content.width, content.height, profile, layout.qr_box, seal, micro_text=micro_text_for(document)
    )
    r = max(1, round(HALO_MM / profile.dot_mm))
    ink = ~np.asarray(content, dtype=bool)
    halo = ink.copy()
    for i in range(1, r + 1):  # separable square dilation by r dots
        halo[:, i:] |= ink[:, :-i]
        halo[:, :-i] |= ink[:, i:]
    rows = halo.copy()
    for i in range(1, r + 1):
        halo[i:] |= rows[:-i]
        halo[:-i] |= rows[i:]
    keep = ~np.asarray(layer, dtype=bool) & ~halo
    return Image.fromarray(~keep)


def render_pages(document: Document, seal: str, profile: PrinterProfile) -> list[Page]:
    """Raster pages of ``document`` for ``profile``, security layer included.

    :raises LayoutError: if the profile has no A4 paper or the content does not fit.
    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    parse_seal(seal)
    width, height = page_size_dots(profile)
    pages = []
    for layout in layout_document(document):
        t0 = time.perf_counter()
        im = draw_layout(layout, width, height, profile.dpi)
        or_ink(im, _layer_for(im, layout, document, seal, profile))
        pages.append(Page(im, layout.number, layout.total, profile.dpi))
        log.debug(
            "rendered page %d/%d at %d dpi in %.0f ms",
            layout.number,
            layout.total,
            profile.dpi,
            (time.perf_counter() - t0) * 1000,
        )
    return pages


def render_pdf(
    document: Document, seal: str, profile: PrinterProfile, path: Path | str | BinaryIO
) -> int:
    """Write ``document`` as a PDF for the page printer (to a file, or to a binary stream such as
    ``io.BytesIO`` so that a certificate never touches the disk); returns the page count.

    The content is drawn as vectors; it is also rasterized at the device resolution once, only to
    knock the 地紋 out around it exactly as on the raster pages.

    :raises LayoutError: if the profile has no A4 paper or the content does not fit.
    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    from printer.layout.pdf import write_pdf  # reportlab's canvas is only needed for PDF output

    parse_seal(seal)
    width, height = page_size_dots(profile)
    layouts = layout_document(document)
    layers = [
        _layer_for(draw_layout(lay, width, height, profile.dpi), lay, document, seal, profile)
        for lay in layouts
    ]
    target = Path(path) if isinstance(path, str | Path) else path
    write_pdf(layouts, layers, profile.dpi, target, title=document.title)
    return len(layouts)
