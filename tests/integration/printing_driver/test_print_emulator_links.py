"""The emulator as a process with its control port, XON/XOFF on a pty, GS 8 L graphics, the print CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fixtures.emulator import EmulatorProcess, running_emulator, spawn_emulator
from fixtures.pages import text_page

from printer.cli import print_main
from printer.job import CoverOpenError, JobOptions, PaperEndError, print_pages
from printer.profiles import get_profile
from printer.receipt import print_receipt, receipt_lines, sample_receipt
from printer.transport.link import LinkConfig
from printer.transport.serial_port import SerialTransport
from printer.transport.tcp import TcpTransport

REPO = Path(__file__).resolve().parents[3]

RECEIPT = get_profile("receipt-80-203")
FAST = JobOptions(link=LinkConfig(status_timeout=1.0, poll_interval=0.05, progress_timeout=3.0))


def _same(path: Path, page: object) -> bool:
    from PIL import Image

    with Image.open(path) as printed:
        return bool(np.array_equal(np.asarray(printed.convert("1")), np.asarray(page)))


def test_control_port_faults_and_jobs(emulator_process: EmulatorProcess) -> None:
    url, tcp = emulator_process.control_url, emulator_process.tcp
    assert tcp is not None
    with httpx.Client(base_url=url, timeout=5) as http:
        assert http.get("/state").json()["online"] is True
        assert http.post("/state", json={"cover_open": True}).json()["online"] is False
        with TcpTransport(*tcp) as t, pytest.raises(CoverOpenError):
            print_pages([text_page(RECEIPT, 1, height=300)], RECEIPT, t, options=FAST)
        http.post("/state", json={"cover_open": False})

        bad = http.post("/state", json={"paper_out": True})
        assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
        broken = http.post("/state", content=b"[1,2", headers={"Content-Type": "application/json"})
        assert broken.status_code == 400

        page = text_page(RECEIPT, 2, height=400)
        with TcpTransport(*tcp) as t:
            assert print_pages([page], RECEIPT, t).pages_printed == 1
        jobs = http.get("/jobs").json()
        assert [j["status"] for j in jobs] == ["printed"]
        assert _same(emulator_process.out_dir / jobs[0]["png"], page)

        assert http.post("/state", json={"inject": {"after_bands": 3, "paper_end": True}}).status_code == 200
        with TcpTransport(*tcp) as t, pytest.raises(PaperEndError) as info:
            print_pages([text_page(RECEIPT, 3, height=600)], RECEIPT, t, options=FAST)
        assert info.value.pages_completed == 0
        state = http.get("/state").json()
        assert state["paper_end"] is True and state["pages_aborted"] == 1
        assert http.post("/state", json={"recover": True}).json()["online"] is True
        assert [j["status"] for j in http.get("/jobs").json()] == ["printed", "aborted"]
        assert (emulator_process.out_dir / "aborted").is_dir()
        assert len(list(emulator_process.out_dir.glob("*.png"))) == 1  # the aborted page is not a print


def test_receipt_over_a_pty_to_the_emulator_process(tmp_path: Path) -> None:
    with spawn_emulator(tmp_path / "prints", link="pty", control=False, extra=["--baud", "115200"]) as proc:
        assert proc.pty is not None
        with SerialTransport(proc.pty, baud=115200) as t:
            report = print_receipt(sample_receipt(), t)
        assert report.pages_printed == 1
        log = json.loads((tmp_path / "prints" / "0001.json").read_text(encoding="utf-8"))
        title, body = receipt_lines(sample_receipt())
        assert log["text"] == [title, *body]


def test_xoff_from_a_slow_printer_is_obeyed(tmp_path: Path) -> None:
    """A 1 KB buffer printing at 200 mm/s: the link outruns it, the printer says XOFF, nothing is lost."""
    with running_emulator(tmp_path / "p", tcp=False, pty=True, buffer_size=1024, speed_mm_s=200.0) as emu:
        assert emu.pty_path is not None
        page = text_page(RECEIPT, 4, height=500)
        with SerialTransport(emu.pty_path, baud=115200) as t:
            print_pages([page], RECEIPT, t, options=FAST)
        state = emu.state()
        assert state["xoff_sent"] > 0
        assert state["bytes_lost"] == 0
        (record,) = emu.wait_pages(1)
        assert record.image is not None
        assert np.array_equal(np.asarray(record.image), np.asarray(page))


@pytest.mark.parametrize("raster", ["graphics", "gs_v0"])
def test_a4_300dpi_page_in_large_bands(tmp_path: Path, raster: str) -> None:
    """Large credit blocks send whole 256-row bands: GS 8 L for graphics (79 KB > 65535), GS v 0 else."""
    a4 = get_profile("a4-thermal-300")
    page = text_page(a4, 5, lines=40)
    opts = JobOptions(raster=raster, link=LinkConfig(chunk=200_000))  # type: ignore[arg-type]
    with running_emulator(tmp_path / "p", "a4-thermal-300") as emu:
        assert emu.tcp_address is not None
        with TcpTransport(*emu.tcp_address) as t:
            print_pages([page], a4, t, options=opts)
        (record,) = emu.wait_pages(1)
        assert record.image is not None and record.image.size == (2480, 3508)
        assert np.array_equal(np.asarray(record.image), np.asarray(page))
        names = {c["cmd"] for c in record.commands}
        assert ("Graphics" in names) == (raster == "graphics")
        if raster == "graphics":
            assert any(c.get("long_form") for c in record.commands)


def test_print_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert print_main(["--sample", "juminhyo", "--profile", "no-such", "--tcp", "127.0.0.1:9"]) == 2
    assert "printer_profile_unknown" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        print_main(["--profile", "receipt-80-203"])
    assert info.value.code == 2


def test_python_m_printer_print_prints_every_page_of_the_sample(tmp_path: Path) -> None:
    """The docs/architecture.md contract, as a user runs it: ``python -m printer print --sample ...
    --tcp``."""
    with spawn_emulator(tmp_path / "prints", "a4-thermal-203", control=False) as emu:
        assert emu.tcp is not None
        host, port = emu.tcp
        done = subprocess.run(
            [sys.executable, "-m", "printer", "print", "--sample", "juminhyo",
             "--profile", "a4-thermal-203", "--tcp", f"{host}:{port}"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["result"] == "printed"
        assert report["pages_printed"] == 2  # the sample household has six persons: two sheets
        deadline = time.monotonic() + 30
        while len(list(emu.out_dir.glob("*.png"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(emu.out_dir.glob("*.png"))) == 2
