"""Page printers over IPP: CUPS's ippeveprinter, and a fake printer replaying recorded answers.

ippeveprinter runs kiosk/hil/ipp_engine.py for each job, through its documented command
protocol (ATTR:/STATE: lines, exit status), so the progress, the aborted job and the media-empty
state below are ippeveprinter's own IPP answers.  Faults it cannot produce (HTTP 500, garbage,
truncated bodies, door-open, offline) come from a local HTTP server replaying recorded responses,
and those tests say so.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zxingcpp
from fixtures.ipp import IppEve, ippeve
from PIL import Image

from printer.cli import print_main
from printer.layout.back import render_duplex_pages
from printer.profiles import get_profile
from printer.samples import load_sample
from printer.transport.errors import (
    CoverOpenError,
    PaperEndError,
    PrinterLinkError,
    PrinterOfflineError,
    PrinterTimeoutError,
)
from printer.transport.ipp import IppConfig, IppPrinter, IppProtocolError

__all__ = ["ippeve"]

REPO = Path(__file__).resolve().parents[3]
LASER = get_profile("a4-laser-600")
FAST = IppConfig(poll_interval=0.1, request_timeout=2.0, answer_timeout=2.0, progress_timeout=20.0)


@pytest.fixture(scope="module")
def pdfs() -> dict[str, tuple[bytes, int]]:
    import io

    from printer.layout.back import render_duplex_pdf
    from printer.layout.render import render_pdf

    issued = load_sample("juminhyo")
    simplex, duplex = io.BytesIO(), io.BytesIO()
    n = render_pdf(issued.document, issued.seal, LASER, simplex)
    m = render_duplex_pdf(issued.document, issued.seal, LASER, duplex)
    return {"simplex": (simplex.getvalue(), n), "duplex": (duplex.getvalue(), m)}


def test_simplex_and_duplex_jobs_complete(ippeve: IppEve, pdfs: dict[str, tuple[bytes, int]]) -> None:
    pdf, pages = pdfs["simplex"]
    progress: list[tuple[int, int]] = []
    with IppPrinter(ippeve.uri, FAST) as printer:
        report = printer.print_pdf(pdf, pages, on_progress=lambda d, t: progress.append((d, t)))
        assert report.pages_printed == pages == 2 and report.impressions == 2
        assert progress[-1] == (2, 2)
        pdf2, sheets = pdfs["duplex"]
        report2 = printer.print_pdf(pdf2, sheets, duplex=True)
        assert report2.pages_printed == 2 and report2.impressions == 4
    jobs = ippeve.jobs()
    assert [(j["impressions"], j["sides"]) for j in jobs] == [(2, "one-sided"), (4, "two-sided-long-edge")]
    assert Path(jobs[1]["file"]).read_bytes() == pdf2  # the spooled document is exactly what we sent


def test_job_aborted_midway_counts_only_reported_pages(ippeve: IppEve,
                                                       pdfs: dict[str, tuple[bytes, int]]) -> None:
    pdf, sheets = pdfs["duplex"]
    ippeve.plan(fail_after=3, reason="media-empty", seconds_per_impression=0.2)
    with IppPrinter(ippeve.uri, FAST) as printer:
        with pytest.raises(PaperEndError) as info:
            printer.print_pdf(pdf, sheets, duplex=True)
        assert info.value.pages_completed == 1  # 3 impressions: sheet 2 got its front only
        # The printer still reports no paper: the next job is refused before anything is sent.
        before = len(ippeve.jobs())
        with pytest.raises(PaperEndError) as again:
            printer.print_pdf(pdf, sheets, duplex=True)
        assert again.value.pages_completed == 0 and len(ippeve.jobs()) == before


def test_cover_open_from_the_engine(ippeve: IppEve, pdfs: dict[str, tuple[bytes, int]]) -> None:
    pdf, pages = pdfs["simplex"]
    ippeve.plan(fail_after=0, reason="cover-open")
    with IppPrinter(ippeve.uri, FAST) as printer, pytest.raises(CoverOpenError) as info:
        printer.print_pdf(pdf, pages)
    assert info.value.pages_completed == 0


def test_printer_that_stops_answering(ippeve: IppEve, pdfs: dict[str, tuple[bytes, int]]) -> None:
    pdf, pages = pdfs["simplex"]
    ippeve.plan(seconds_per_impression=1.0)

    def freeze_after_first(done: int, total: int) -> None:
        if done == 1:
            ippeve.freeze()

    with IppPrinter(ippeve.uri, FAST) as printer, pytest.raises(PrinterTimeoutError) as info:
        printer.print_pdf(pdf, pages, on_progress=freeze_after_first)
    assert info.value.pages_completed == 1
    ippeve.thaw()


def test_unreachable_printer_is_a_link_error(pdfs: dict[str, tuple[bytes, int]]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with IppPrinter(f"ipp://127.0.0.1:{port}/ipp/print", FAST) as printer, \
            pytest.raises(PrinterLinkError) as info:
        printer.print_pdf(*pdfs["simplex"])
    assert info.value.pages_completed == 0


def test_cli_prints_two_sided_on_ippeveprinter(ippeve: IppEve) -> None:
    done = subprocess.run([sys.executable, "-m", "printer", "print", "--sample", "juminhyo",
                           "--profile", "a4-laser-600", "--ipp", ippeve.uri, "--duplex"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["result"] == "printed" and out["pages_printed"] == 2 and out["impressions"] == 4
    assert ippeve.jobs()[-1]["sides"] == "two-sided-long-edge"


def test_cli_exit_status_on_a_fault(ippeve: IppEve, capsys: pytest.CaptureFixture[str]) -> None:
    ippeve.plan(fail_after=1, reason="media-jam")
    assert print_main(["--sample", "juminhyo", "--profile", "a4-laser-600", "--ipp", ippeve.uri]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "printer_media_jam" and out["pages_completed"] == 1


# --- the back side: every printed code decodes ------------------------------------------------

def test_duplex_back_carries_the_seal_and_the_front_keeps_its_qr() -> None:
    issued = load_sample("juminhyo")
    sides = render_duplex_pages(issued.document, issued.seal, LASER)
    assert len(sides) == 4
    for side in sides:
        codes = [r.text for r in zxingcpp.read_barcodes(side.image.convert("L"))]
        assert codes == [issued.seal]


# --- recorded answers: what ippeveprinter cannot be made to say ---------------------------------

def _attr(tag: int, name: str, value: bytes) -> bytes:
    n = name.encode()
    return bytes([tag]) + struct.pack(">H", len(n)) + n + struct.pack(">H", len(value)) + value


def _response(request_id: bytes, job: bytes = b"", printer: bytes = b"") -> bytes:
    head = b"\x02\x00\x00\x00" + request_id + b"\x01" + _attr(0x47, "attributes-charset", b"utf-8")
    return head + (b"\x02" + job if job else b"") + (b"\x04" + printer if printer else b"") + b"\x03"


def _reasons(*words: str) -> bytes:
    out = _attr(0x23, "printer-state", struct.pack(">i", 4)) + _attr(0x44, "printer-state-reasons",
                                                                      words[0].encode())
    return out + b"".join(_attr(0x44, "", w.encode()) for w in words[1:])


@contextmanager
def recorded_printer(answer: object) -> Iterator[str]:
    """An HTTP server answering every IPP POST with ``answer(op, request_id) -> (status, type, body)``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            op = struct.unpack(">H", body[2:4])[0]
            status, ctype, payload = answer(op, body[4:8])  # type: ignore[operator]
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"ipp://127.0.0.1:{server.server_address[1]}/ipp/print"
    finally:
        server.shutdown()
        server.server_close()


def _running_job_then(printer_reasons: bytes) -> object:
    """Recorded: idle printer, Print-Job accepted as job 7, job processing with 1 impression, then
    the printer reports ``printer_reasons``."""
    calls = {"printer": 0}

    def answer(op: int, rid: bytes) -> tuple[int, str, bytes]:
        if op == 0x0B:
            calls["printer"] += 1
            reasons = _reasons("none") if calls["printer"] == 1 else printer_reasons
            sides = _attr(0x44, "sides-supported", b"one-sided") + _attr(0x44, "", b"two-sided-long-edge")
            return 200, "application/ipp", _response(rid, printer=reasons + sides)
        if op == 0x02:
            return 200, "application/ipp", _response(rid, job=_attr(0x21, "job-id", struct.pack(">i", 7)))
        if op == 0x09:
            job = _attr(0x23, "job-state", struct.pack(">i", 5)) + _attr(
                0x21, "job-impressions-completed", struct.pack(">i", 1))
            return 200, "application/ipp", _response(rid, job=job)
        return 200, "application/ipp", _response(rid)  # Cancel-Job

    return answer


@pytest.mark.parametrize(("reasons", "error"), [
    (_reasons("door-open-error"), CoverOpenError),
    (_reasons("offline-report"), PrinterOfflineError),
])
def test_recorded_faults_ippeveprinter_cannot_produce(reasons: bytes, error: type[Exception]) -> None:
    """Recorded answers, not ippeveprinter: it has no door-open or offline reason."""
    with recorded_printer(_running_job_then(reasons)) as uri, IppPrinter(uri, FAST) as printer, \
            pytest.raises(error) as info:
        printer.print_pdf(b"%PDF-1.4 test", 2)
    assert info.value.pages_completed == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("answer", [
    lambda op, rid: (500, "text/html", b"<h1>Internal Server Error</h1>"),
    lambda op, rid: (200, "application/ipp", b"\x02\x00\x00\x00" + rid + b"\x01\x47\x00\x12attr"),
    lambda op, rid: (200, "application/ipp", b"garbage that is not IPP at all"),
    lambda op, rid: (200, "text/plain", b"hello"),
], ids=["http-500", "truncated", "garbage", "not-ipp-type"])
def test_bad_answers_are_typed_errors(answer: object) -> None:
    """Recorded answers, not ippeveprinter: it always answers well-formed IPP."""
    with recorded_printer(answer) as uri, IppPrinter(uri, FAST) as printer, \
            pytest.raises(IppProtocolError) as info:
        printer.print_pdf(b"%PDF-1.4 test", 1)
    assert info.value.pages_completed == 0
    assert info.value.code == "printer_ipp_garbage"


def test_server_stub_verify_reads_the_back(tmp_path: Path) -> None:
    """A really signed seal on the back: ``python -m server_stub verify --image BACK.png`` shows the
    claims the front must match (issuer, date, 発行番号, holder name, content digest)."""
    import datetime as dt
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from printer.document import parse_issued
    from printer.samples import SAMPLES
    from server_stub.seal import SealClaims, seal_document

    raw = json.loads((REPO / "printer" / "samples" / "juminhyo.json").read_text(encoding="utf-8"))
    assert "juminhyo" in SAMPLES
    content = raw["content"]
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    key = ec.generate_private_key(ec.SECP256R1())
    claims = SealClaims(seal_id=content["seal_id"], certificate="juminhyo",
                        municipality=content["municipality"]["code"], issued_date=dt.date(2026, 11, 26),
                        issue_number=content["issue_number"], holder="R-TEST-0001",
                        holder_name=content["body"]["persons"][0]["name"],
                        digest=hashlib.sha256(canonical.encode()).digest())
    issued = parse_issued({"content": content, "seal": seal_document(claims, key)})
    sides = render_duplex_pages(issued.document, issued.seal, LASER)
    back = tmp_path / "BACK.png"
    sides[1].image.save(back)
    pem = tmp_path / "public.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    (tmp_path / "doc.json").write_text(json.dumps({"content": content}, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "server_stub", "verify", "--image", str(back),
                           "--public-key", str(pem), "--content", str(tmp_path / "doc.json")],
                          capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    report = json.loads(done.stdout)
    assert report["signature"] == "valid" and report["content_digest"] == "match", report
    shown = report["claims"]
    assert shown["issue_number"] == content["issue_number"]
    assert shown["holder_name"] == content["body"]["persons"][0]["name"]
    assert shown["municipality"] == content["municipality"]["code"]
    with Image.open(back) as im:
        assert im.size == (LASER.width_dots, LASER.page_height_dots)


def test_garbage_after_the_job_was_accepted_cancels_it() -> None:
    """Recorded answers: the printer takes the job, then answers garbage; the client sends Cancel-Job
    so nothing of this job can come out later for the next customer."""
    seen: list[int] = []
    running = _running_job_then(_reasons("none"))

    def answer(op: int, rid: bytes) -> tuple[int, str, bytes]:
        seen.append(op)
        if op == 0x09:
            return 200, "application/ipp", b"\x02\x00\x00\x00" + rid + b"\x01\x21\x00"  # cut short
        return running(op, rid)  # type: ignore[operator, no-any-return]

    with recorded_printer(answer) as uri, IppPrinter(uri, FAST) as printer, \
            pytest.raises(IppProtocolError) as info:
        printer.print_pdf(b"%PDF-1.4 test", 1)
    assert info.value.pages_completed == 0
    assert seen[:3] == [0x0B, 0x02, 0x09] and seen[-1] == 0x08  # ..., Cancel-Job last
