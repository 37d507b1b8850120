"""The usblp transport over a pty standing in for /dev/usb/lpN, with the printer emulator behind it.

A usblp node is a character device the driver reads and writes like the pty (bulk OUT for data, bulk
IN for the printer's replies), so the emulator on the master side answers DLE EOT and GS r exactly
as a USB receipt printer does.  Unplugging is the emulator closing its end mid-job: the node then
fails every call, as usblp does with ENODEV.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fixtures.emulator import running_emulator
from fixtures.pages import text_page

from printer.cli import print_main
from printer.emulator import Emulator
from printer.job import JobOptions, print_pages
from printer.profiles import get_profile
from printer.transport import open_transport
from printer.transport.errors import PaperEndError, PrinterLinkError, TransportConnectError
from printer.transport.link import LinkConfig
from printer.transport.usb import UsbLpTransport

RECEIPT = get_profile("receipt-80-203")
FAST = JobOptions(link=LinkConfig(status_timeout=1.0, poll_interval=0.05, progress_timeout=3.0))


def test_pages_print_dot_for_dot_over_the_node(tmp_path: Path) -> None:
    pages = [text_page(RECEIPT, seed, height=500, lines=6) for seed in range(2)]
    with running_emulator(tmp_path / "p", tcp=False, pty=True) as emu:
        assert emu.pty_path is not None
        with UsbLpTransport(emu.pty_path) as t:
            report = print_pages(pages, RECEIPT, t, options=FAST)
        assert report.pages_printed == 2
        printed = emu.wait_pages(2)
        for page, record in zip(pages, printed, strict=True):
            assert record.image is not None
            assert np.array_equal(np.asarray(record.image), np.asarray(page))


def test_unplugged_mid_job_gives_exact_pages_completed(tmp_path: Path) -> None:
    pages = [text_page(RECEIPT, seed, height=500, lines=6) for seed in range(3)]
    emu = Emulator(tmp_path / "p")
    path = emu.serve_pty(tmp_path / "p" / "lp0")
    unplugged = False

    def unplug_after_first(done: int, total: int) -> None:
        nonlocal unplugged
        if done == 1:
            emu.close()  # the device vanishes: its end of the link is gone
            unplugged = True

    try:
        with UsbLpTransport(path) as t, pytest.raises(PrinterLinkError) as info:
            print_pages(pages, RECEIPT, t, options=FAST, on_progress=unplug_after_first)
    finally:
        if not unplugged:
            emu.close()
    assert info.value.pages_completed == 1
    assert sum(p.status == "printed" for p in emu.model.pages) == 1


def test_missing_node_is_a_connect_error(tmp_path: Path) -> None:
    with pytest.raises(TransportConnectError):
        UsbLpTransport(str(tmp_path / "lp9"))
    with pytest.raises(TransportConnectError):
        open_transport(f"usb://{tmp_path / 'lp9'}")


def test_cli_prints_a_certificate_over_usb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_emulator(tmp_path / "p", "a4-thermal-203", tcp=False, pty=True) as emu:
        assert emu.pty_path is not None
        code = print_main(["--sample", "juminhyo", "--profile", "a4-thermal-203", "--usb", emu.pty_path])
        out = json.loads(capsys.readouterr().out)
        assert code == 0 and out["result"] == "printed" and out["pages_printed"] == 2
        assert len(emu.wait_pages(2)) == 2


def test_paper_end_over_the_node_is_the_typed_fault(tmp_path: Path) -> None:
    pages = [text_page(RECEIPT, seed, height=500, lines=6) for seed in range(2)]
    with running_emulator(tmp_path / "p", tcp=False, pty=True) as emu:
        assert emu.pty_path is not None
        emu.inject(after_bands=2, paper_end=True)  # early in page 1
        with UsbLpTransport(emu.pty_path) as t, pytest.raises(PaperEndError) as info:
            print_pages(pages, RECEIPT, t, options=FAST)
        assert info.value.pages_completed == 0
        assert not any(p.status == "printed" for p in emu.model.pages)
