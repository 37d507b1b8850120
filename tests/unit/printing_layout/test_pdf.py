"""The page printer's PDF: vector text, exact-resolution stencils, same page as the raster.

The PDF is rasterized back with poppler's pdftoppm (apt poppler-utils, in scripts/bootstrap.sh) at the
device resolution, the way a RIP would, and compared with the raster backend dot for dot.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from printer.layout.frame import QR_BOX
from printer.layout.render import render_pdf
from printer.profiles import get_profile
from printer.samples import load_sample
from printing_layout._helpers import rendered

PROFILE = "a4-laser-600"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    issued = load_sample("juminhyo")
    path = tmp_path_factory.mktemp("pdf") / "juminhyo.pdf"
    assert render_pdf(issued.document, issued.seal, get_profile(PROFILE), path) == 2
    return path


def _raster(pdf: Path, page: int, tmp: Path) -> np.ndarray:
    subprocess.run(
        ["pdftoppm", "-mono", "-r", "600", "-f", str(page), "-l", str(page), str(pdf), str(tmp / "p")],
        check=True,
        timeout=60,
        capture_output=True,
    )
    (out,) = tmp.glob("p-*.pbm")
    with Image.open(out) as im:
        ink = ~np.asarray(im.convert("1"), dtype=bool)
    out.unlink()
    return ink


def test_pdf_structure_vector_fonts_and_stencils(pdf: Path) -> None:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", data)) == 2
    assert b"IPAexMincho" in data and b"IPAexGothic" in data  # embedded TrueType subsets: vector text
    # One full-page stencil per page at exactly the device resolution (A4 at 600 dpi = 4960 x 7016).
    stencils = re.findall(
        rb"/BitsPerComponent 1 /Filter \[ /FlateDecode \] /Height (\d+) /ImageMask true", data
    )
    assert stencils.count(b"7016") == 2
    assert re.search(rb"/Width 4960", data)
    assert 50_000 < len(data) < 3_000_000


@pytest.mark.parametrize("page", [1, 2])
def test_pdf_rasterizes_to_the_same_page_as_the_raster_backend(pdf: Path, page: int, tmp_path: Path) -> None:
    ink_pdf = _raster(pdf, page, tmp_path)
    ink_ras = ~np.asarray(rendered("juminhyo", PROFILE)[page - 1].image, dtype=bool)
    h, w = ink_ras.shape
    ink_pdf = ink_pdf[:h, :w]
    assert ink_pdf.shape == (h, w)
    inter = (ink_pdf & ink_ras).sum()
    union = (ink_pdf | ink_ras).sum()
    # Same stencil dots, same layout; only glyph edges differ between poppler and FreeType.
    assert inter / union > 0.93
    # The security layer lands on the exact dots: in the strip between the border band and the content
    # (ground pattern only) the two rasters agree dot for dot.
    k = 600 / 25.4
    region = (slice(round(40 * k), round(230 * k)), slice(round(11.2 * k), round(14.5 * k)))
    assert ink_ras[region].mean() > 0.05
    assert (ink_pdf[region] == ink_ras[region]).mean() > 0.999


def test_qr_decodes_from_the_rasterized_pdf(pdf: Path, tmp_path: Path) -> None:
    ink = _raster(pdf, 2, tmp_path)
    k = 600 / 25.4
    x, y, s = QR_BOX
    crop = Image.fromarray(
        ~ink[round((y - 1) * k) : round((y + s + 1) * k), round((x - 1) * k) : round((x + s + 1) * k)]
    )
    (res,) = zxingcpp.read_barcodes(crop.convert("L"))
    assert res.text == load_sample("juminhyo").seal


def test_the_pdf_can_be_made_in_memory(pdf: Path, tmp_path: Path) -> None:
    """The print job keeps the certificate off the kiosk's disk: a stream gets the same pages."""
    import io

    issued = load_sample("juminhyo")
    buffer = io.BytesIO()
    assert render_pdf(issued.document, issued.seal, get_profile(PROFILE), buffer) == 2
    data = buffer.getvalue()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type /Page\b", data)) == 2
    (tmp_path / "mem.pdf").write_bytes(data)  # only to let pdftoppm read it back here
    assert np.array_equal(_raster(tmp_path / "mem.pdf", 1, tmp_path), _raster(pdf, 1, tmp_path))


def _pdffonts(pdf: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font of the file, as poppler's pdffonts lists them.

    The columns are found from the dashed header line, so names with spaces cannot shift them.
    """
    out = subprocess.run(["pdffonts", str(pdf)], check=True, timeout=60, capture_output=True, text=True)
    lines = out.stdout.splitlines()
    header, dashes = lines[0], lines[1]
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    emb = next(i for i, (a, b) in enumerate(spans) if header[a:b].strip() == "emb")
    rows = []
    for line in lines[2:]:
        cells = [line[a:b].strip() for a, b in spans]
        rows.append((cells[0], cells[emb] == "yes"))
    return rows


def test_every_font_in_the_pdf_is_embedded(pdf: Path) -> None:
    fonts = _pdffonts(pdf)
    assert {name.split("+", 1)[-1] for name, _ in fonts} == {"IPAexMincho", "IPAexGothic"}
    assert all(embedded for _, embedded in fonts), fonts


def test_the_font_check_sees_an_unembedded_font(tmp_path: Path) -> None:
    """The check above can fail: reportlab's default canvas names Helvetica without embedding it."""
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "helvetica.pdf"
    c = Canvas(str(path))
    c.drawString(100, 100, "Helvetica")
    c.save()
    assert ("Helvetica", False) in _pdffonts(path)
