"""Command line: ``python -m printer (render | copytest | print) ...`` (DESIGN.md, contracts).

``render (--document JSON | --sample NAME) --profile NAME --out FILE.(png|pdf)`` writes the pages.
PNG output: a one-page document goes to FILE.png; a document of n > 1 pages to FILE-1.png … FILE-n.png.
PDF output is for the page printer (vector text) and only for ``kind == "page"`` profiles unless
``--force-pdf`` is given (then the PDF still embeds that profile's raster security layer).
``copytest --profile NAME [--json]`` prints the copy-evidence report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from printer.copytest import copytest
from printer.document import IssuedDocument, parse_issued
from printer.errors import PrinterError
from printer.layout.render import render_pages, render_pdf
from printer.profiles import PROFILES, get_profile
from printer.samples import SAMPLES, load_sample
from printer.security.capabilities import capabilities

__all__ = ["build_parser", "main", "png_paths"]

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024


def _load(args: argparse.Namespace) -> IssuedDocument:
    if args.sample:
        return load_sample(args.sample)
    path = Path(args.document)
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise PrinterError(f"{path}: larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PrinterError(f"{path}: not JSON ({e})") from e
    return parse_issued(data)


def png_paths(out: Path, pages: int) -> list[Path]:
    """FILE.png for one page; FILE-1.png … FILE-n.png for several."""
    if pages == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, pages + 1)]


def _render(args: argparse.Namespace) -> int:
    issued = _load(args)
    profile = get_profile(args.profile)
    out = Path(args.out)
    t0 = time.perf_counter()
    if out.suffix.lower() == ".pdf":
        if profile.kind != "page" and not args.force_pdf:
            print(
                f"error: {profile.name} is an ESC/POS raster printer; write PNG (or --force-pdf)",
                file=sys.stderr,
            )
            return 2
        n = render_pdf(issued.document, issued.seal, profile, out)
        written = [out]
    elif out.suffix.lower() == ".png":
        pages = render_pages(issued.document, issued.seal, profile)
        written = png_paths(out, len(pages))
        for page, path in zip(pages, written, strict=True):
            page.image.save(path, dpi=(profile.dpi, profile.dpi), optimize=True)
        n = len(pages)
    else:
        print("error: --out must end in .png or .pdf", file=sys.stderr)
        return 2
    ms = (time.perf_counter() - t0) * 1000
    print(
        json.dumps(
            {
                "pages": n,
                "files": [str(p) for p in written],
                "profile": profile.name,
                "ms_per_page": round(ms / n, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


def _copytest(args: argparse.Namespace) -> int:
    profile = get_profile(args.profile)
    report = copytest(profile)
    data = report.to_json()
    data["capabilities"] = {
        "microtext": capabilities(profile).microtext,
        "limits": capabilities(profile).limits,
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        o = data["original"]
        print(
            f"{profile.name} ({profile.dpi} dpi): hidden on original: {o['hidden']} "
            f"(Δtone {o['delta_mean']}, Δtexture {o['delta_texture']}, r {o['correlation']}, "
            f"seam spread {o['seam_spread']} of at most {data['seam']['max']})"
        )
        mid = data["mid_range_copier"]
        print(
            f"  mid-range copier (threshold {mid['threshold']}): shows {mid['shows']}, "
            f"word shows for thresholds {mid['shows_for_thresholds']}, margin {mid['threshold_margin']}"
        )
        for dpi, frac in data["copy"]["shows_fraction_by_copier_dpi"].items():
            print(f"  copier {dpi} dpi: 「複写」 shows in {frac:.0%} of settings")
        print(f"  copy-evident: {data['copy_evident']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``render`` and ``copytest``; ``print`` is listed here for ``--help``
    but parsed by :func:`printer.job.print_main`, which owns its options."""
    p = argparse.ArgumentParser(prog="python -m printer", description="コンビニ交付 certificate printing")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="render a document to PNG pages or a PDF")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--document", help="a {content, seal} JSON file")
    src.add_argument("--sample", choices=SAMPLES)
    r.add_argument("--profile", required=True, choices=sorted(PROFILES))
    r.add_argument("--out", required=True, help="FILE.png (multi-page: FILE-1.png …) or FILE.pdf")
    r.add_argument("--force-pdf", action="store_true", help="allow PDF output for an ESC/POS profile")
    r.set_defaults(func=_render)

    c = sub.add_parser("copytest", help="copy-evidence report of the 地紋 for a profile")
    c.add_argument("--profile", required=True, choices=sorted(PROFILES))
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_copytest)

    sub.add_parser("print", help="print a document on a printer (see `python -m printer print -h`)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (errors are reported in one line, never a traceback)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["print"]:
        from printer.job import print_main  # the driver; imported only when printing

        return print_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PrinterError as e:
        print(f"error [{e.code}]: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
