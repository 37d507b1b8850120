"""Render time per page per printer profile, and (optionally) the preview images of the docs.

    python bench/render.py [--repeat N] [--json] [--images DIR]

Prints a table (ms per page: layout + raster + security layer; PDF for the page printer) and a JSON
line.  ``--images DIR`` writes small greyscale previews as the eye sees them (Gaussian σ = 0.2 mm,
then downsampled), one model photocopy showing 「複写」, and 100 % crops of the security features.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops

from printer.copytest import TYPICAL_COPIER, gaussian, photocopy
from printer.layout.raster import draw_layout
from printer.layout.render import layout_document, render_pages, render_pdf
from printer.profiles import get_profile
from printer.samples import SAMPLES, load_sample

PROFILES = ("a4-thermal-203", "a4-thermal-300", "a4-laser-600")


def bench(repeat: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in PROFILES:
        prof = get_profile(name)
        issued = load_sample("inkan")
        render_pages(issued.document, issued.seal, prof)  # warm the per-profile security cache
        per_page: list[float] = []
        pdf: list[float] = []
        for _ in range(repeat):
            for sample in SAMPLES:
                doc = load_sample(sample)
                t0 = time.perf_counter()
                pages = render_pages(doc.document, doc.seal, prof)
                per_page.append((time.perf_counter() - t0) * 1000 / len(pages))
                if prof.kind == "page":
                    with tempfile.TemporaryDirectory() as tmp:
                        t0 = time.perf_counter()
                        n = render_pdf(doc.document, doc.seal, prof, Path(tmp) / "x.pdf")
                        pdf.append((time.perf_counter() - t0) * 1000 / n)
        row = {"raster_ms_per_page": round(statistics.median(per_page), 1)}
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--images", type=Path)
    args = ap.parse_args()
    if args.images:
        images(args.images)
    res = bench(args.repeat)
    print(f"{'profile':16} {'raster ms/page':>15} {'pdf ms/page':>12}")
    for name, row in res.items():
        print(
            f"{name:16} {row['raster_ms_per_page']:>15.1f} {row.get('pdf_ms_per_page', float('nan')):>12.1f}"
        )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
