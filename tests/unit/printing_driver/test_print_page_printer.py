"""Page printers (a4-laser-600): PDF to a file or to CUPS through lp."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from printer.job import PrinterLinkError, print_pages
from printer.profiles import get_profile
from printer.transport.errors import TransportConnectError
from printer.transport.pdf import LpSink, PdfFileSink, pages_to_pdf

LASER = get_profile("a4-laser-600")


def _pages(n: int) -> list[Image.Image]:
    out = []
    for i in range(n):
        img = Image.new("1", (LASER.width_dots // 8, 200), 1)
        ImageDraw.Draw(img).rectangle((10 * i, 10, 10 * i + 50, 60), fill=0)
        out.append(img)
    return out


def test_pdf_has_one_page_per_image() -> None:
    pdf = pages_to_pdf(_pages(3), 600)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3
    assert b"/Count 3" in pdf


def test_print_pages_to_a_pdf_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "job.pdf"
    report = print_pages(_pages(2), LASER, PdfFileSink(target))
    assert report.pages_printed == 2 and report.reference == str(target)
    assert target.read_bytes().startswith(b"%PDF")


def _fake_lp(tmp_path: Path, exit_code: int = 0) -> Path:
    """An executable speaking lp's command line: reads the PDF on stdin, answers like CUPS."""
    spool = tmp_path / "spool.pdf"
    script = tmp_path / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f"echo \"$@\" > {tmp_path}/argv\n"
        f"cat > {spool}\n"
        f"[ {exit_code} -eq 0 ] || "
        f"{{ echo 'lp: The printer or class does not exist.' >&2; exit {exit_code}; }}\n"
        "echo 'request id is kiosk-42 (1 file(s))'\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_lp_sink_spools_and_returns_the_request_id(tmp_path: Path) -> None:
    lp = _fake_lp(tmp_path)
    report = print_pages(_pages(1), LASER, LpSink("kiosk", lp=str(lp)))
    assert report.reference == "kiosk-42"
    assert (tmp_path / "spool.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "argv").read_text().split()[:2] == ["-d", "kiosk"]


def test_lp_refusal_and_missing_lp_are_typed(tmp_path: Path) -> None:
    with pytest.raises(PrinterLinkError) as info:
        print_pages(_pages(1), LASER, LpSink("nope", lp=str(_fake_lp(tmp_path, exit_code=1))))
    assert "does not exist" in str(info.value) and info.value.pages_completed == 0
    with pytest.raises(TransportConnectError):
        LpSink(lp=os.fspath(tmp_path / "no-such-lp")).submit(b"%PDF", title="t")


def test_open_transport_from_a_config_string(tmp_path: Path) -> None:
    from printer.transport import open_transport
    from printer.transport.file import FileTransport

    t = open_transport(f"file://{tmp_path}/cap.bin")
    assert isinstance(t, FileTransport)
    t.write(b"\x1b@")
    t.close()
    assert (tmp_path / "cap.bin").read_bytes() == b"\x1b@"
    for bad in ("lpt1:", "serial:///dev/null?flow=magic", "serial:///dev/null?baud=fast"):
        with pytest.raises(TransportConnectError):
            open_transport(bad)
