"""The back side of a certificate on a duplex page printer (docs/printing-driver.md "The back side").

Each sheet's back carries the same 地紋 as the front (with its latent 「複写」, printer.security) and a
verification block: the document's signed seal as a large QR code, with the facts a reader checks
against the front printed beside it (kind, issuer, date, 発行番号, 証印番号, sheet number).
``python -m server_stub verify --image BACK.png`` decodes that seal and shows the signed claims, so a
reader can compare both sides of a sheet without asking the center.  The back repeats nothing of the
resident beyond what the seal already signs; simplex printers keep the one-sided layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from printer.document import Document, parse_seal
from printer.layout.canvas import Box, PageLayout, Text
from printer.layout.frame import LEFT, RIGHT
from printer.layout.raster import draw_layout, or_ink
from printer.layout.render import Page, _layer_for, layout_document, page_size_dots
from printer.profiles import PrinterProfile
from printer.security.qr import qr_image

__all__ = ["QR_TOP", "back_layout", "render_duplex_pages", "render_duplex_pdf"]

QR_TOP = 145.0  # mm from the top edge: the seal QR, centred, in the middle of the sheet
_TOP = 40.0


def back_layout(document: Document, number: int, total: int, seal: str,
                profile: PrinterProfile) -> PageLayout:
    """The back of sheet ``number`` of ``total`` (the QR box fits the seal's QR on ``profile``, centred)."""
    dpi = profile.dpi
    m = document.municipality
    centre = (LEFT + RIGHT) / 2
    side = qr_image(seal, profile.security).width * 25.4 / dpi + 0.2
    page = PageLayout(number, total, qr_box=(centre - side / 2, QR_TOP, side))
    page.items.append(Text(centre, _TOP, "裏面　検証用情報", "gothic", 16, "c", role="back_title"))
    rows = [
        ("証明書の種類", document.title),
        ("発行者", f"{m.prefecture}{m.name}（団体コード　{m.code}）"),
        ("発行日", document.issued_on),
        ("発行番号", document.issue_number),
        ("証印番号", document.seal_id),
        ("用紙", f"{number}枚目／全{total}枚"),
    ]
    y = _TOP + 16
    page.items.append(Box(LEFT + 15, y - 7, RIGHT - LEFT - 30, 8.5 * len(rows) + 5, 0.3))
    for label, value in rows:
        page.items.append(Text(LEFT + 20, y, label, "gothic", 11, role="back_label"))
        page.items.append(Text(LEFT + 55, y, value, "mincho", 11, role="back_value"))
        y += 8.5
    notes = [
        "下の二次元コードは、表面と同じ電子証印（発行元の電子署名）です。",
        "読み取った内容と表面の記載を照合することで、改ざんの有無を確認できます。",
        "この用紙を複写すると、地紋に「複写」の文字が現れます。",
    ]
    for i, line in enumerate(notes):
        page.items.append(Text(centre, QR_TOP - 10 - 6 * (len(notes) - 1 - i), line, "mincho", 10, "c",
                               role="back_note"))
    page.items.append(Text(centre, QR_TOP + side + 7, "電子証印", "gothic", 10, "c", role="back_caption"))
    return page


def _sheets(document: Document, seal: str, profile: PrinterProfile) -> list[tuple[PageLayout, PageLayout]]:
    fronts = layout_document(document)
    return [(f, back_layout(document, f.number, f.total, seal, profile)) for f in fronts]


def render_duplex_pages(document: Document, seal: str, profile: PrinterProfile) -> list[Page]:
    """Raster sides in print order: front 1, back 1, front 2, back 2, …

    :raises LayoutError: as :func:`printer.layout.render.render_pages`.
    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    parse_seal(seal)
    width, height = page_size_dots(profile)
    out = []
    for front, back in _sheets(document, seal, profile):
        for layout in (front, back):
            im = draw_layout(layout, width, height, profile.dpi)
            or_ink(im, _layer_for(im, layout, document, seal, profile))
            out.append(Page(im, layout.number, layout.total, profile.dpi))
    return out


def render_duplex_pdf(document: Document, seal: str, profile: PrinterProfile,
                      path: Path | str | BinaryIO) -> int:
    """The two-sided PDF (front, back per sheet) for a duplex page printer; returns the sheet count.

    :raises LayoutError: as :func:`printer.layout.render.render_pdf`.
    :raises DocumentError: if ``seal`` is not a valid seal string.
    """
    from printer.layout.pdf import write_pdf

    parse_seal(seal)
    width, height = page_size_dots(profile)
    sheets = _sheets(document, seal, profile)
    layouts = [layout for sheet in sheets for layout in sheet]
    layers = [_layer_for(draw_layout(lay, width, height, profile.dpi), lay, document, seal, profile)
              for lay in layouts]
    target = Path(path) if isinstance(path, str | Path) else path
    write_pdf(layouts, layers, profile.dpi, target, title=document.title)
    return len(sheets)
