"""Render time per page per printer profile, and (optionally) the preview images of the docs.

    python bench/render.py [--repeat N] [--smoke] [--images DIR]

Prints a table (ms per page: layout + raster + security layer; PDF for the page printer) and, last, one
JSON line.  Every rendered document is checked: 1-bit A4 pages of the profile's width and height, page
numbers 1..n, neither blank nor black, the seal QR on every page decoding (zxing-cpp) to the sample's
seal, and for the page printer a PDF whose page count and A4 size pdfinfo (poppler) confirms.  Exits 1
when a check fails.  ``--smoke``: 住民票 (two pages) and 印鑑登録証明書 on the thermal profiles, 印鑑
on the 600 dpi one, once.  ``--images DIR`` writes small greyscale previews as the eye sees them
(Gaussian σ = 0.2 mm, then downsampled), one model photocopy showing 「複写」, and 100 % crops of the
security features.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image, ImageChops

from printer.copytest import TYPICAL_COPIER, gaussian, photocopy
from printer.layout.frame import QR_BOX
from printer.layout.raster import draw_layout
from printer.layout.render import Page, layout_document, render_pages, render_pdf
from printer.profiles import PrinterProfile, get_profile
from printer.samples import SAMPLES, load_sample

PROFILES = ("a4-thermal-203", "a4-thermal-300", "a4-laser-600")
SMOKE = {"a4-thermal-203": ("juminhyo", "inkan"), "a4-thermal-300": ("juminhyo", "inkan"),
         "a4-laser-600": ("inkan",)}
A4_MM = (210.0, 297.0)
A4_PT = (595.3, 841.9)  # 210 × 297 mm in PostScript points


def check_pages(pages: Sequence[Page], prof: PrinterProfile, seal: str, what: str) -> list[str]:
    """What a printed certificate page must be, measured on the image (not asked of the renderer)."""
    bad: list[str] = []
    height = round(A4_MM[1] / 25.4 * prof.dpi)
    if not pages:
        return [f"{what}: no page"]
    k = prof.dpi / 25.4
    x, y, side = QR_BOX
    for i, page in enumerate(pages, start=1):
        im = page.image
        if (page.number, page.total, page.dpi) != (i, len(pages), prof.dpi):
            bad.append(f"{what} p{i}: numbered {page.number}/{page.total} at {page.dpi} dpi")
        if im.mode != "1" or im.size != (prof.width_dots, height):
            bad.append(f"{what} p{i}: {im.mode} {im.size}, want 1-bit ({prof.width_dots}, {height})")
        ink = float((~np.asarray(im, dtype=bool)).mean())
        if not 0.05 < ink < 0.40:  # 地紋 tint + text: a blank or black page is a broken render
            bad.append(f"{what} p{i}: ink coverage {ink:.3f}")
        crop = im.crop((round((x - 1) * k), round((y - 1) * k), round((x + side + 1) * k),
                        round((y + side + 1) * k))).convert("L")
        texts = [r.text for r in zxingcpp.read_barcodes(crop)]
        if texts != [seal]:
            bad.append(f"{what} p{i}: the QR reads {[t[:24] for t in texts]}, not the seal")
    return bad


def check_pdf(path: Path, pages: int, what: str) -> list[str]:
    """Page count and size as poppler's pdfinfo reads them."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
    count = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    if count is None or int(count.group(1)) != pages:
        return [f"{what}: the PDF has {count and count.group(1)} pages, the raster {pages}"]
    if size is None or any(abs(float(v) - want) > 1 for v, want in zip(size.groups(), A4_PT, strict=True)):
        return [f"{what}: the PDF page is {size and size.groups()} pt, not A4"]
    return []


def bench(repeat: int, samples: dict[str, tuple[str, ...]], bad: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, names in samples.items():
        prof = get_profile(name)
        issued = load_sample("inkan")
        render_pages(issued.document, issued.seal, prof)  # warm the per-profile security cache
        per_page: list[float] = []
        pdf: list[float] = []
        pages_out = 0
        for _ in range(repeat):
            for sample in names:
                doc = load_sample(sample)
                t0 = time.perf_counter()
                pages = render_pages(doc.document, doc.seal, prof)
                per_page.append((time.perf_counter() - t0) * 1000 / max(1, len(pages)))
                bad.extend(check_pages(pages, prof, doc.seal, f"{name} {sample}"))
                pages_out += len(pages)
                if prof.kind == "page":
                    with tempfile.TemporaryDirectory() as tmp:
                        t0 = time.perf_counter()
                        n = render_pdf(doc.document, doc.seal, prof, Path(tmp) / "x.pdf")
                        pdf.append((time.perf_counter() - t0) * 1000 / max(1, n))
                        bad.extend(check_pdf(Path(tmp) / "x.pdf", len(pages), f"{name} {sample} PDF"))
        row = {"raster_ms_per_page": round(statistics.median(per_page), 1), "pages": pages_out}
        if pdf:
            row["pdf_ms_per_page"] = round(statistics.median(pdf), 1)
        out[name] = row
    return out


def eye_view(im: Image.Image, dpi: int, target_dpi: int = 100) -> Image.Image:
    """What the eye sees: σ = 0.2 mm blur, then downsampled (no aliasing of the 地紋)."""
    ink = ~np.asarray(im.convert("1"), dtype=bool)
    blurred = gaussian(ink.astype(np.float64), 0.2 / (25.4 / dpi))
    g = Image.fromarray((255 * (1 - blurred)).clip(0, 255).astype(np.uint8), mode="L")
    small = g.resize(
        (round(g.width * target_dpi / dpi), round(g.height * target_dpi / dpi)), Image.Resampling.LANCZOS
    )
    return small.quantize(colors=16)  # 16 greys keep the docs' PNGs small


def preview(document_name: str, dpi_out: int = 60) -> list[Image.Image]:
    """Readable page previews at 300 dpi: the content downsampled as a picture (crisp text) multiplied
    with the security layer as the eye sees it (blurred, so the 地紋 shows as its even tint)."""
    prof = get_profile("a4-thermal-300")
    doc = load_sample(document_name)
    out = []
    for layout, page in zip(
        layout_document(doc.document), render_pages(doc.document, doc.seal, prof), strict=True
    ):
        size = (round(page.image.width * dpi_out / 300), round(page.image.height * dpi_out / 300))
        content = draw_layout(layout, page.image.width, page.image.height, 300).convert("L")
        content = content.resize(size, Image.Resampling.LANCZOS)
        tint = eye_view(page.image, 300, dpi_out).convert("L").resize(size)
        out.append(ImageChops.multiply(content, tint).quantize(colors=16))
    return out


def images(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sample in ("juminhyo", "kazei", "koseki", "fuhyo"):
        pages = preview(sample)
        for i, im in enumerate(pages, start=1):
            suffix = f"-{i}" if len(pages) > 1 else ""
            im.save(out / f"{sample}{suffix}.png", optimize=True)
    p600 = get_profile("a4-laser-600")
    doc = load_sample("inkan")
    page = render_pages(doc.document, doc.seal, p600)[0].image
    eye_view(page, 600, 60).save(out / "inkan-600-original.png", optimize=True)
    copy = photocopy(page, 600, TYPICAL_COPIER)
    eye_view(copy, 600, 60).save(out / "inkan-600-photocopy.png", optimize=True)
    k = 600 / 25.4
    # 100 % crops (1 px = 1 device dot): corner with guilloche + microtext, a word edge in the 地紋.
    page.crop((round(5 * k), round(5 * k), round(40 * k), round(30 * k))).save(
        out / "crop-600-corner.png", optimize=True
    )
    page.crop((round(60 * k), round(95 * k), round(85 * k), round(110 * k))).save(
        out / "crop-600-ground.png", optimize=True
    )
    copy.crop((round(60 * k), round(95 * k), round(85 * k), round(110 * k))).save(
        out / "crop-600-ground-copy.png", optimize=True
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="a few documents once, checked")
    ap.add_argument("--json", action="store_true", help="ignored: the JSON line is always printed")
    ap.add_argument("--images", type=Path)
    args = ap.parse_args()
    if args.images:
        images(args.images)
    bad: list[str] = []
    plan = SMOKE if args.smoke else dict.fromkeys(PROFILES, SAMPLES)
    res = bench(1 if args.smoke else args.repeat, plan, bad)
    print(f"{'profile':16} {'pages':>6} {'raster ms/page':>15} {'pdf ms/page':>12}")
    for name, row in res.items():
        print(f"{name:16} {row['pages']:>6} {row['raster_ms_per_page']:>15.1f} "
              f"{row.get('pdf_ms_per_page', float('nan')):>12.1f}")
    for msg in bad:
        print(f"CHECK FAILED: {msg}", file=sys.stderr)
    print(json.dumps({**res, "smoke": args.smoke, "checks": "failed" if bad else "passed"}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
