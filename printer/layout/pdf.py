"""PDF backend: vector text (IPAex embedded as subsets, the only fonts in the file) plus
exact-resolution 1-bit stencils.

The security layer is one full-page ImageMask per page at the device resolution: a stencil paints
only its ink dots and is transparent elsewhere, so it overprints the text like toner instead of
hiding it behind white, and the printer's RIP maps each image sample to exactly one device dot
(the image is page-sized at the device dpi).  Seals are stencils too (the 公印 overlaps the issuer line).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from printer.layout.canvas import Bitmap, Box, PageLayout, Rule, Text
from printer.layout.fonts import PDF_NAMES, register

__all__ = ["write_pdf"]

MM = 72 / 25.4
PAGE = (210 * MM, 297 * MM)


class _Stencil(pdfdoc.PDFImageXObject):  # type: ignore[misc]  # reportlab is untyped
    """A PDF ImageMask (ISO 32000-1 §8.9.6.2): 1 bit per sample, samples of 0 are painted black."""

    def __init__(self, name: str, image: Image.Image) -> None:
        super().__init__(name)
        one = image.convert("1")
        self.width, self.height = one.size
        self.streamContent = zlib.compress(one.tobytes(), 6)  # PIL packs rows MSB-first, 1 = white
        self._filters = ("FlateDecode",)

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        s = pdfdoc.PDFStream(content=self.streamContent)
        d = s.dictionary
        d["Type"] = pdfdoc.PDFName("XObject")
        d["Subtype"] = pdfdoc.PDFName("Image")
        d["Width"], d["Height"] = self.width, self.height
        d["ImageMask"] = pdfdoc.PDFtrue
        d["BitsPerComponent"] = 1
        d["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(f) for f in self._filters])
        d["Length"] = len(self.streamContent)
        return s.format(document)  # type: ignore[no-any-return]


def _draw_stencil(c: Canvas, image: Image.Image, box: tuple[float, float, float, float]) -> None:
    """Place ``image`` as a stencil with its top-left corner at (x, y) mm from the page's top-left.

    ``box`` is (x, y, w, h) in mm.  reportlab has no public API for ImageMask images, so the XObject
    is registered the way ``Canvas.drawImage`` does it internally (reportlab 4/5: _setXObjects,
    addForm, _formsinuse).
    """
    x, y, w, h = box
    name = f"stencil{id(image):x}"
    reg = c._doc.getXObjectName(name)
    if reg not in c._doc.idToObject:
        obj = _Stencil(name, image)
        c._setXObjects(obj)
        c._doc.Reference(obj, reg)
        c._doc.addForm(name, obj)
    c.saveState()
    c.translate(x * MM, PAGE[1] - (y + h) * MM)
    c.scale(w * MM, h * MM)
    c._code.append(f"/{reg} Do")
    c.restoreState()
    c._formsinuse.append(name)


def _draw_page(c: Canvas, page: PageLayout, dpi: int) -> None:
    c.setFillColorRGB(0, 0, 0)
    for it in page.items:
        if isinstance(it, Text):
            c.setFont(PDF_NAMES[it.face], it.size)
            y = PAGE[1] - it.y * MM
            if it.align == "l":
                c.drawString(it.x * MM, y, it.text)
            elif it.align == "r":
                c.drawRightString(it.x * MM, y, it.text)
            else:
                c.drawCentredString(it.x * MM, y, it.text)
        elif isinstance(it, Rule):
            c.rect(
                it.x0 * MM, PAGE[1] - it.y1 * MM, (it.x1 - it.x0) * MM, (it.y1 - it.y0) * MM, stroke=0, fill=1
            )
        elif isinstance(it, Box):
            c.setLineWidth(it.stroke * MM)
            s = it.stroke / 2
            c.rect(
                (it.x + s) * MM,
                PAGE[1] - (it.y + it.h - s) * MM,
                (it.w - 2 * s) * MM,
                (it.h - 2 * s) * MM,
                stroke=1,
                fill=0,
            )
        elif isinstance(it, Bitmap):
            wd, hd = max(1, round(it.w * dpi / 25.4)), max(1, round(it.h * dpi / 25.4))
            _draw_stencil(c, it.render(wd, hd), (it.x, it.y, it.w, it.h))


def write_pdf(
    layouts: list[PageLayout], layers: list[Image.Image], dpi: int, path: Path | BinaryIO, title: str
) -> None:
    """Write pages (to a file or a binary stream): security stencil first (page-sized at ``dpi``), then
    the vector content."""
    register()
    target = str(path) if isinstance(path, Path) else path
    # reportlab starts every canvas in Helvetica and lists it, unembedded, among the page's fonts even
    # when no text uses it; starting in IPAex mincho leaves only embedded (subset) fonts in the file.
    c = Canvas(
        target, pagesize=PAGE, pageCompression=1, invariant=1, initialFontName=PDF_NAMES["mincho"]
    )
    c.setTitle(title)
    c.setCreator("konbini-kiosk printer")
    for layout, layer in zip(layouts, layers, strict=True):
        w_mm, h_mm = layer.width * 25.4 / dpi, layer.height * 25.4 / dpi
        _draw_stencil(c, layer, (0.0, 0.0, w_mm, h_mm))
        _draw_page(c, layout, dpi)
        c.showPage()
    c.save()
