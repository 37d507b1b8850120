"""Command line: ``python -m printer (render | copytest | print) ...`` (docs/architecture.md, contracts).

``render (--document JSON | --sample NAME) --profile NAME --out FILE.(png|pdf)`` writes the pages.
PNG output: a one-page document goes to FILE.png; a document of n > 1 pages to FILE-1.png … FILE-n.png.
PDF output is for the page printer (vector text) and only for ``kind == "page"`` profiles unless
``--force-pdf`` is given (then the PDF still embeds that profile's raster security layer).
``copytest --profile NAME [--json]`` prints the copy-evidence report.
``print (--document JSON | --sample NAME) --profile NAME (--tcp H:P | --serial PATH | --usb (PATH|VID:PID)
| --ipp URI | --out FILE.pdf | --lp [PRINTER]) [--duplex]`` prints and reports one JSON line; the
driver lives in printer.job (ESC/POS) and printer.transport.ipp (page printers).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from printer.copytest import copytest
from printer.document import IssuedDocument, parse_issued
from printer.errors import PrinterError
from printer.layout.render import render_pages, render_pdf
from printer.profiles import PROFILES, PrinterProfile, get_profile
from printer.samples import SAMPLES, load_sample
from printer.security.capabilities import capabilities

__all__ = ["build_parser", "main", "png_paths", "print_main"]

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
    but parsed by :func:`print_main`, which owns its options."""
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


EXIT_OK, EXIT_FAULT, EXIT_USAGE, EXIT_LINK = 0, 1, 2, 3


def _say(payload: dict[str, Any], stream: TextIO) -> None:
    stream.write(json.dumps(payload, ensure_ascii=False) + "\n")
    stream.flush()


def _print_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m printer print")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--document", help="a {content, seal} JSON file")
    src.add_argument("--sample", help=f"a built-in sample: {', '.join(SAMPLES)}")
    p.add_argument("--profile", required=True)
    dest = p.add_mutually_exclusive_group()
    dest.add_argument("--tcp", metavar="HOST:PORT")
    dest.add_argument("--serial", metavar="PATH")
    dest.add_argument("--usb", metavar="PATH|VID:PID", help="/dev/usb/lpN, or a device by vendor:product")
    dest.add_argument("--ipp", metavar="URI", help="page printers: ipp://host[:port]/path")
    dest.add_argument("--out", metavar="FILE.pdf", help="page printers: write the PDF here")
    dest.add_argument("--lp", metavar="PRINTER", nargs="?", const="", help="page printers: spool with lp")
    p.add_argument("--duplex", action="store_true", help="page printers: print the back side too")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--flow", choices=("xonxoff", "rtscts", "none"), default="xonxoff")
    return p


def _escpos_transport(args: argparse.Namespace) -> Any:
    from printer.transport.serial_port import SerialTransport
    from printer.transport.tcp import TcpTransport, parse_hostport
    from printer.transport.usb import UsbBulkTransport, UsbLpTransport, parse_vid_pid

    if args.tcp:
        return TcpTransport(*parse_hostport(args.tcp))
    if args.serial:
        return SerialTransport(args.serial, baud=args.baud, flow=args.flow)
    if args.usb:
        ids = parse_vid_pid(args.usb)
        return UsbBulkTransport(*ids) if ids else UsbLpTransport(args.usb)
    raise ValueError("an ESC/POS profile needs --tcp HOST:PORT, --serial PATH or --usb PATH|VID:PID")


def _page_pdf(issued: IssuedDocument, profile: PrinterProfile, duplex: bool) -> tuple[bytes, int]:
    """The page printer's PDF, made in memory (a certificate never touches the kiosk's disk)."""
    buffer = io.BytesIO()
    if duplex:
        from printer.layout.back import render_duplex_pdf

        count = render_duplex_pdf(issued.document, issued.seal, profile, buffer)
    else:
        count = render_pdf(issued.document, issued.seal, profile, buffer)
    return buffer.getvalue(), count


def _print_page_printer(args: argparse.Namespace, issued: IssuedDocument, profile: PrinterProfile) -> int:
    from printer.transport.errors import PrinterLinkError, PrintJobError, TransportError
    from printer.transport.ipp import IppPrinter
    from printer.transport.pdf import LpSink, PageSink, PdfFileSink

    if args.duplex and not args.ipp:
        _say({"result": "failed", "error": "usage", "message": "--duplex needs --ipp"}, sys.stderr)
        return EXIT_USAGE
    try:
        printer = IppPrinter(args.ipp) if args.ipp else None
    except ValueError as e:
        _say({"result": "failed", "error": "usage", "message": str(e)}, sys.stderr)
        return EXIT_USAGE
    pdf, count = _page_pdf(issued, profile, args.duplex)
    if printer is not None:
        try:
            report = printer.print_pdf(pdf, count, duplex=args.duplex, title=issued.document.title)
        except PrintJobError as e:
            _say({"result": "failed", "error": e.code, "message": e.args[0],
                  "pages_completed": e.pages_completed, "pages": count}, sys.stdout)
            return EXIT_LINK if isinstance(e, PrinterLinkError) else EXIT_FAULT
        finally:
            printer.close()
        _say({"result": "printed", "duplex": args.duplex, **report.as_dict()}, sys.stdout)
        return EXIT_OK
    sink: PageSink = PdfFileSink(args.out) if args.out else LpSink(args.lp or None)
    try:
        reference = sink.submit(pdf, title=issued.document.title)
    except TransportError as e:
        _say({"result": "failed", "error": e.code, "message": str(e), "pages_completed": 0}, sys.stdout)
        return EXIT_LINK
    # Accepted by a file or a spooler, not reported printed: not the "every page printed" of --ipp.
    _say({"result": "spooled", "pages": count, "bytes_sent": len(pdf), "reference": reference}, sys.stdout)
    return EXIT_OK


def print_main(argv: Sequence[str] | None = None) -> int:
    """``python -m printer print``; one JSON line (the report, or the error code and pages completed).

    Exit 0 only when every page was reported printed (ESC/POS: cut while online; IPP: counted by the
    printer) — or, for ``--out``/``--lp``, handed over; 1 a printer fault or timeout; 2 bad usage or
    input; 3 the printer could not be reached.
    """
    from printer.job import print_pages
    from printer.transport.errors import (
        PrinterLinkError,
        PrintJobError,
        TransportClosedError,
        TransportConnectError,
    )

    args = _print_parser().parse_args(list(argv) if argv is not None else None)
    try:
        profile = get_profile(args.profile)
        issued = _load(args)
        if profile.kind == "page":
            return _print_page_printer(args, issued, profile)
        if args.ipp or args.duplex:
            raise ValueError(f"{profile.name} is an ESC/POS printer: --ipp, --duplex are for page printers")
        pages = [page.image for page in render_pages(issued.document, issued.seal, profile)]
        transport = _escpos_transport(args)
    except (PrinterError, OSError, ValueError) as e:
        code = getattr(e, "code", type(e).__name__)
        _say({"result": "failed", "error": code, "message": str(e)}, sys.stderr)
        return EXIT_LINK if isinstance(e, TransportConnectError | TransportClosedError) else EXIT_USAGE
    try:
        report = print_pages(pages, profile, transport)
    except PrintJobError as e:
        _say({"result": "failed", "error": e.code, "message": e.args[0],
              "pages_completed": e.pages_completed, "pages": len(pages)}, sys.stdout)
        return EXIT_LINK if isinstance(e, PrinterLinkError) else EXIT_FAULT
    finally:
        transport.close()
    _say({"result": "printed", **report.as_dict()}, sys.stdout)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (errors are reported in one line, never a traceback)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["print"]:
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
