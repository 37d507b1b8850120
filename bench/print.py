"""Printer link benchmark (run by hand): bytes on the wire and transfer time per profile.

    python bench/print.py [--quick] [--json FILE] [--ipp | --no-ipp] [--smoke]

For receipt-80-203, a4-thermal-203 and a4-thermal-300, and for a one-page certificate and a
six-person 住民票, it compares a straightforward full-page raster (one GS v 0 per page) with the
driver's stream (bands, blank stretches fed with ESC J instead of sent as white, credit fences and
status polls included), and measures the real transfer through the emulator: over a pty and over
TCP, both throttled to 115200 baud, and over TCP unthrottled.  Pages come from
``printer.layout.render_pages`` when it is importable, otherwise from synthetic certificates of
realistic density (frame, title, 10.5 pt text, rules), each with and without a copy-evident ground
pattern (dots on a 3-dot grid, ~11 % coverage) — the pattern leaves no blank rows to skip.

The IPP rows print the 住民票 (1 and 6 persons) on the page printer profile a4-laser-600 through CUPS's
ippeveprinter, one-sided and two-sided (with the back side): seconds from submitting the PDF to the
printer reporting the job completed, and certificate pages per minute.  The engine behind
ippeveprinter (kiosk/hil/ipp_engine.py) takes ``--ipp-engine-s`` seconds per impression (default 1.0,
a 60-impression-per-minute office printer), so the figures show the client's own overhead on top.
``--smoke`` is the self-checking short run of ``make bench``: one receipt over TCP and one IPP job each
way with a fast engine, every page reported printed or the run fails.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printer.emulator import Emulator
from printer.errors import PrinterError
from printer.escpos.encoder import Band as _Band
from printer.escpos.encoder import encode, pack_image, raster_commands
from printer.job import PrintReport, print_pages
from printer.profiles import PrinterProfile, get_profile
from printer.transport.serial_port import SerialTransport
from printer.transport.tcp import TcpTransport

BAUD = 115200
PROFILES = ("receipt-80-203", "a4-thermal-203", "a4-thermal-300")
MINCHO = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
_WORDS = [
    "住民票", "世帯主", "続柄", "本籍", "筆頭者", "東京都見本市", "中央一丁目", "番地",
    "令和", "平成", "昭和", "年", "月", "日", "生", "転入", "届出",
]


# --- pages ------------------------------------------------------------------------------------

def _synthetic_page(profile: PrinterProfile, persons: int, seed: int, ground: bool) -> Image.Image:
    rng = random.Random(seed)
    dpi, width = profile.dpi, profile.width_dots
    height = profile.page_height_dots or profile.mm_to_dots(60 + 45 * persons)
    img = Image.new("1", (width, height), 1)
    if ground:
        screen = np.ones((height, width), dtype=bool)
        screen[::3, ::3] = False
        img = Image.fromarray(screen)
    draw = ImageDraw.Draw(img)
    pt = lambda p: max(10, round(p / 72 * dpi))  # noqa: E731
    body, title = ImageFont.truetype(MINCHO, pt(10.5)), ImageFont.truetype(MINCHO, pt(20))
    margin = profile.mm_to_dots(8)
    draw.text((width // 2, margin), "住　民　票", font=title, fill=0, anchor="mt")
    y = margin + pt(20) * 2
    draw.rectangle((margin, y, width - margin, height - margin), outline=0, width=max(1, dpi // 100))
    block = (height - margin - y) // max(persons, 1)
    for p in range(persons):
        top = y + p * block
        draw.line((margin, top, width - margin, top), fill=0, width=max(1, dpi // 150))
        line_y = top + pt(10.5)
        while line_y < top + block - pt(10.5) * 2:
            words = "　".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 9)))
            draw.text((margin + pt(10.5), line_y), words, font=body, fill=0)
            line_y += round(pt(10.5) * 1.8)
    return img


def _layout_pages(profile: PrinterProfile, persons: int) -> list[Image.Image] | None:
    """The real renderer's pages for the 住民票 sample with ``persons`` people, when it exists."""
    try:
        from printer.document import parse_issued  # type: ignore[import-not-found]
        from printer.layout.render import render_pages  # type: ignore[import-not-found]
    except ImportError:
        return None
    sample = Path(__file__).resolve().parents[1] / "printer" / "samples" / "juminhyo.json"
    raw: Any = json.loads(sample.read_text(encoding="utf-8"))
    people = raw["content"]["body"]["persons"]
    raw["content"]["body"]["persons"] = [
        {**people[i % len(people)], "name": f"見本　{'一二三四五六'[i]}郎"} for i in range(persons)
    ]
    issued = parse_issued(raw)
    try:
        return [page.image for page in render_pages(issued.document, issued.seal, profile)]
    except PrinterError:  # e.g. a receipt roll cannot carry an A4 certificate
        return None


def documents(profile: PrinterProfile) -> dict[str, list[Image.Image]]:
    docs: dict[str, list[Image.Image]] = {}
    real_one, real_six = _layout_pages(profile, 1), _layout_pages(profile, 6)
    if real_one is not None and real_six is not None:
        return {"1 page (layout)": real_one[:1], "住民票 6 persons (layout)": real_six}
    per_page = 6 if profile.page_height_mm is None else 4  # a roll has no page break; A4 fits 4 persons
    for ground in (False, True):
        tag = " +地紋" if ground else ""
        docs[f"1 page{tag}"] = [_synthetic_page(profile, 1, 1, ground)]
        six = [min(per_page, 6 - i) for i in range(0, 6, per_page)]
        docs[f"住民票 6 persons{tag}"] = [
            _synthetic_page(profile, n, 10 + i, ground) for i, n in enumerate(six)
        ]
    return docs


# --- measurements -----------------------------------------------------------------------------

def full_raster_bytes(profile: PrinterProfile, page: Image.Image) -> int:
    """The straightforward way: the whole page as GS v 0 pieces of at most 4095 rows, then a cut."""
    packed = pack_image(page, profile.width_dots)
    pieces = [_Band(s, min(s + 4095, packed.height)) for s in range(0, packed.height, 4095)]
    return sum(len(encode(raster_commands(packed, b))) for b in pieces) + 3


def _timed(
    emu_kwargs: dict[str, Any], profile: PrinterProfile, pages: list[Image.Image], link: str
) -> PrintReport:
    with tempfile.TemporaryDirectory() as tmp, Emulator(tmp, profile.name, **emu_kwargs) as emu:
        if link == "pty":
            transport: Any = SerialTransport(emu.serve_pty(Path(tmp) / "tty"), baud=BAUD)
        else:
            transport = TcpTransport(*emu.serve_tcp())
        with transport:
            report = print_pages(pages, profile, transport)
        if len(emu.wait_pages(len(pages))) != len(pages):
            raise RuntimeError("emulator did not print every page")
        return report


def run_case(profile: PrinterProfile, name: str, pages: list[Image.Image], quick: bool) -> dict[str, Any]:
    full = sum(full_raster_bytes(profile, p) for p in pages)
    fast = _timed({}, profile, pages, "tcp")
    row: dict[str, Any] = {
        "profile": profile.name, "document": name, "pages": len(pages),
        "full_raster_bytes_per_page": round(full / len(pages)),
        "driver_bytes_per_page": round(fast.bytes_sent / len(pages)),
        "saving": round(1 - fast.bytes_sent / full, 3),
        "full_raster_s_at_115200": round(full * 10 / BAUD, 1),
        "driver_s_at_115200": round(fast.bytes_sent * 10 / BAUD, 1),
        "tcp_unthrottled_s": round(fast.seconds, 2),
        "pty_115200_s": None, "tcp_115200_s": None,
    }
    if not quick and fast.bytes_sent * 10 / BAUD < 60:  # longer ones: see the computed column
        row["pty_115200_s"] = round(_timed({"baud": BAUD}, profile, pages, "pty").seconds, 1)
        row["tcp_115200_s"] = round(_timed({"baud": BAUD}, profile, pages, "tcp").seconds, 1)
    return row


def _table(rows: list[dict[str, Any]], emit: Callable[[str], None]) -> None:
    cols = [
        ("profile", "profile"), ("document", "document"), ("pages", "pg"),
        ("full_raster_bytes_per_page", "full B/pg"), ("driver_bytes_per_page", "driver B/pg"),
        ("saving", "saving"), ("full_raster_s_at_115200", "full s@115k2"),
        ("driver_s_at_115200", "drv s@115k2"),
        ("pty_115200_s", "pty s"), ("tcp_115200_s", "tcp s"), ("tcp_unthrottled_s", "tcp∞ s"),
    ]

    def cell(key: str, v: Any) -> str:
        if v is None:
            return "-"
        return f"{v:.0%}" if key == "saving" else str(v)

    emit("| " + " | ".join(h for _, h in cols) + " |")
    emit("|" + "|".join("---" for _ in cols) + "|")
    for r in rows:
        emit("| " + " | ".join(cell(k, r[k]) for k, _ in cols) + " |")


# --- IPP (page printer) ----------------------------------------------------------------------

def _ipp_documents(persons: tuple[int, ...]) -> dict[str, tuple[Any, str]]:
    from printer.document import parse_issued

    sample = Path(__file__).resolve().parents[1] / "printer" / "samples" / "juminhyo.json"
    docs = {}
    for n in persons:
        raw: Any = json.loads(sample.read_text(encoding="utf-8"))
        people = raw["content"]["body"]["persons"]
        raw["content"]["body"]["persons"] = [
            {**people[i % len(people)], "name": f"見本　{'一二三四五六'[i]}郎"} for i in range(n)]
        issued = parse_issued(raw)
        docs[f"住民票 {n} person{'s' if n > 1 else ''}"] = (issued.document, issued.seal)
    return docs


def ipp_rows(engine_s: float, persons: tuple[int, ...]) -> list[dict[str, Any]]:
    """Print each document one- and two-sided on ippeveprinter; seconds submit → completed, pages/min."""
    import io
    import os
    import subprocess

    from kiosk.hil.ippeve import ensure_dnssd, free_port, ippeve_argv, wait_port
    from printer.layout.back import render_duplex_pdf
    from printer.layout.render import render_pdf
    from printer.transport.ipp import IppConfig, IppPrinter

    laser = get_profile("a4-laser-600")
    rows = []
    ensure_dnssd()
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "engine.json"
        plan.write_text(json.dumps({"seconds_per_impression": engine_s}))
        port = free_port()
        proc = subprocess.Popen(ippeve_argv(port, Path(tmp), f"bench-{port}"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "IPP_ENGINE_PLAN": str(plan)})
        try:
            wait_port(port, lambda: proc.poll() is None)
            with IppPrinter(f"ipp://127.0.0.1:{port}/ipp/print", IppConfig(poll_interval=0.1)) as printer:
                for name, (document, seal) in _ipp_documents(persons).items():
                    for duplex in (False, True):
                        buf = io.BytesIO()
                        t0 = time.perf_counter()
                        pages = (render_duplex_pdf if duplex else render_pdf)(document, seal, laser, buf)
                        render_s = time.perf_counter() - t0
                        report = printer.print_pdf(buf.getvalue(), pages, duplex=duplex)
                        if report.pages_printed != pages:
                            raise RuntimeError(f"IPP: {report.pages_printed} of {pages} pages reported")
                        rows.append({
                            "document": name, "sides": 2 if duplex else 1, "pages": pages,
                            "impressions": report.impressions, "pdf_bytes": report.bytes_sent,
                            "render_s": round(render_s, 2), "submit_to_completed_s": round(report.seconds, 2),
                            "pages_per_minute": round(pages / report.seconds * 60, 1),
                            "engine_s_per_impression": engine_s,
                        })
                        print(f"  done IPP / {name} / {'duplex' if duplex else 'simplex'}", file=sys.stderr,
                              flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    return rows


def _ipp_table(rows: list[dict[str, Any]], emit: Callable[[str], None]) -> None:
    cols = ["document", "sides", "pages", "impressions", "pdf_bytes", "render_s", "submit_to_completed_s",
            "pages_per_minute"]
    emit("| " + " | ".join(cols) + " |")
    emit("|" + "|".join("---" for _ in cols) + "|")
    for r in rows:
        emit("| " + " | ".join(str(r[c]) for c in cols) + " |")


def smoke() -> int:
    """Seconds, self-checking: one receipt over TCP, one IPP job one- and two-sided."""
    receipt = get_profile("receipt-80-203")
    page = _synthetic_page(receipt, 1, 1, False)
    report = _timed({}, receipt, [page], "tcp")
    if report.pages_printed != 1:
        raise RuntimeError("receipt not printed")
    rows = ipp_rows(0.02, (1,))
    if [r["sides"] for r in rows] != [1, 2] or any(r["submit_to_completed_s"] <= 0 for r in rows):
        raise RuntimeError(f"IPP smoke rows wrong: {rows}")
    print(json.dumps({"smoke": "ok", "receipt_tcp_s": round(report.seconds, 3), "ipp": rows},
                     ensure_ascii=False))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the measured 115200-baud transfers")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument("--profile", action="append", choices=PROFILES)
    ap.add_argument("--no-ipp", action="store_true", help="skip the IPP page-printer rows")
    ap.add_argument("--ipp", action="store_true", help="only the IPP page-printer rows")
    ap.add_argument("--ipp-engine-s", type=float, default=1.0, help="engine seconds per impression")
    ap.add_argument("--smoke", action="store_true", help="short self-checking run (make bench)")
    args = ap.parse_args()
    if args.smoke:
        return smoke()
    rows = []
    for name in [] if args.ipp else (args.profile or PROFILES):
        profile = get_profile(name)
        for doc, pages in documents(profile).items():
            rows.append(run_case(profile, doc, pages, args.quick))
            print(f"  done {name} / {doc}", file=sys.stderr, flush=True)
    if rows:
        _table(rows, print)
    ipp = [] if args.no_ipp else ipp_rows(args.ipp_engine_s, (1, 6))
    if ipp:
        _ipp_table(ipp, print)
    payload = {"baud": BAUD, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": rows,
               "ipp": ipp}
    print(json.dumps(payload, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
