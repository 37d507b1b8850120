"""The driver against the emulator over a real pty and a real TCP socket, with faults mid-page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from fixtures.emulator import running_emulator
from fixtures.pages import text_page
from PIL import Image

from printer.emulator import Emulator
from printer.escpos import commands as c
from printer.escpos.commands import Initialize
from printer.escpos.encoder import pack_image
from printer.escpos.parser import parse
from printer.job import (
    CoverOpenError,
    JobOptions,
    PaperEndError,
    PrintCancelledError,
    PrinterTimeoutError,
    StatusProtocolError,
    print_pages,
    printer_status,
)
from printer.profiles import get_profile
from printer.receipt import print_receipt, receipt_lines, sample_receipt
from printer.transport.base import PrinterTransport
from printer.transport.link import LinkConfig
from printer.transport.serial_port import SerialTransport
from printer.transport.tcp import TcpTransport

RECEIPT = get_profile("receipt-80-203")
FAST = JobOptions(link=LinkConfig(status_timeout=0.5, poll_interval=0.05, progress_timeout=2.0))
Connect = Callable[[], PrinterTransport]


def _pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("1"), dtype=bool)


def _assert_same(printed: Image.Image | None, page: Image.Image) -> None:
    assert printed is not None
    assert printed.size == page.size
    assert np.array_equal(_pixels(printed), _pixels(page))


@pytest.fixture(params=["tcp", "pty"])
def link(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Emulator, Connect]]:
    """An emulator and a way to open a transport to it, over TCP or over a pty (unthrottled: fast tests)."""
    if request.param == "tcp":
        with running_emulator(tmp_path / "prints", tcp=True) as emu:
            assert emu.tcp_address is not None
            address = emu.tcp_address
            yield emu, lambda: TcpTransport(*address)
    else:
        with running_emulator(tmp_path / "prints", tcp=False, pty=True) as emu:
            assert emu.pty_path is not None
            path = emu.pty_path
            yield emu, lambda: SerialTransport(path, baud=115200)


def _eventually(check: Callable[[], bool], timeout: float = 3.0) -> bool:
    """The abort's clear travels behind the data already on the link: give it time to arrive."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _pages(n: int, height: int = 600) -> list[Image.Image]:
    return [text_page(RECEIPT, seed, height=height, lines=8) for seed in range(n)]


def test_pages_print_dot_for_dot(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    pages = _pages(2)
    progress: list[tuple[int, int]] = []
    with connect() as t:  # type: ignore[attr-defined]
        report = print_pages(pages, RECEIPT, t, on_progress=lambda d, n: progress.append((d, n)))
    assert report.pages_printed == 2 and progress == [(1, 2), (2, 2)]
    printed = emu.wait_pages(2)
    assert len(printed) == 2 and emu.aborted() == []
    for record, page in zip(printed, pages, strict=True):
        _assert_same(record.image, page)
    assert (emu.out_dir / "0001.png").exists() and (emu.out_dir / "0002.json").exists()


def test_paper_end_mid_page_then_the_next_job_prints_clean(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    pages = _pages(3)

    def after_page(done: int, total: int) -> None:
        if done == 1:
            emu.inject(after_bands=2, paper_end=True)  # two bands into page 2

    with connect() as t, pytest.raises(PaperEndError) as info:  # type: ignore[attr-defined]
        print_pages(pages, RECEIPT, t, options=FAST, on_progress=after_page)
    assert info.value.pages_completed == 1
    assert info.value.code == "printer_paper_end"
    assert [p.status for p in emu.model.pages] == ["printed", "aborted"]
    # The abort's DLE DC4 8 emptied the buffer; only its ESC @ waits there for the printer to recover.
    assert _eventually(lambda: parse(emu.model.buffered()) == [Initialize()])
    assert not list((emu.out_dir).glob("0002.png"))  # the partial page is not a finished print

    emu.set_state(paper_end=False)
    fresh = text_page(RECEIPT, 99, height=600, lines=8)
    with connect() as t:  # type: ignore[attr-defined]
        assert print_pages([fresh], RECEIPT, t).pages_printed == 1
    printed = emu.wait_pages(2)
    assert len(printed) == 2
    _assert_same(printed[0].image, pages[0])
    _assert_same(printed[1].image, fresh)  # nothing of the aborted job on it
    assert [p.status for p in emu.model.pages] == ["printed", "aborted", "printed"]


def test_cover_open_before_the_job_prints_nothing(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    emu.set_state(cover_open=True)
    with connect() as t, pytest.raises(CoverOpenError) as info:  # type: ignore[attr-defined]
        print_pages(_pages(1), RECEIPT, t, options=FAST)
    assert info.value.pages_completed == 0
    assert info.value.status is not None and info.value.status.cover_open is True
    assert emu.model.pages == [] and emu.state()["bytes_processed"] == 0


def test_garbage_status_reply_is_a_typed_error(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    emu.model.garbage_status = True
    with connect() as t, pytest.raises(StatusProtocolError) as info:  # type: ignore[attr-defined]
        print_pages(_pages(1), RECEIPT, t, options=FAST)
    assert "0xff" in str(info.value)


def test_garbage_mid_job_stops_the_job(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link

    def after_page(done: int, total: int) -> None:
        emu.model.send_raw(b"\xe7")
        assert _eventually(lambda: emu.model.outbound_pending == 0)  # on the wire before page 2

    with connect() as t, pytest.raises(StatusProtocolError) as info:  # type: ignore[attr-defined]
        print_pages(_pages(2), RECEIPT, t, options=FAST, on_progress=after_page)
    assert info.value.pages_completed == 1


def test_timeout_when_the_printer_stops_answering(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link

    def after_page(done: int, total: int) -> None:
        emu.model.mute = True

    with connect() as t, pytest.raises(PrinterTimeoutError) as info:  # type: ignore[attr-defined]
        print_pages(_pages(3), RECEIPT, t, options=FAST, on_progress=after_page)
    assert info.value.pages_completed == 1
    assert info.value.code == "printer_timeout"


def test_receipt_renders_and_reads_back(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    data = sample_receipt()
    with connect() as t:  # type: ignore[attr-defined]
        print_receipt(data, t)
    (record,) = emu.wait_pages(1)
    title, body = receipt_lines(data)
    assert record.text == [title, *body]
    assert record.image is not None and record.image.width == 576


def test_cancel_mid_job_leaves_nothing_behind(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    asked_after_page_1: list[int] = []

    def cancel() -> bool:
        if emu.printed():
            asked_after_page_1.append(1)
        return len(asked_after_page_1) > 3  # a few bands into page 2

    with connect() as t, pytest.raises(PrintCancelledError) as info:  # type: ignore[attr-defined]
        print_pages(_pages(3), RECEIPT, t, options=FAST, cancel=cancel)
    assert info.value.pages_completed == 1
    assert _eventually(lambda: emu.state()["buffer_used"] == 0 and emu.state()["pages_aborted"] == 1)
    assert len(emu.printed()) == 1


def test_a_host_that_died_mid_command_and_garbage_do_not_stop_the_next_job(
    link: tuple[Emulator, Connect],
) -> None:
    emu, connect = link
    rng = np.random.default_rng(7)
    junk = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    half_band = c.RasterImage(0, 72, 200, b"").encode() + b"\xff" * 500  # 14400 bytes announced
    with connect() as t:  # type: ignore[attr-defined]
        t.write(junk + half_band)  # then the "host" vanishes mid-command
    assert _eventually(lambda: emu.state()["bytes_received"] >= len(junk) + len(half_band))
    page = text_page(RECEIPT, 42, height=300, lines=4)
    with connect() as t:  # type: ignore[attr-defined]
        assert print_pages([page], RECEIPT, t, options=FAST).pages_printed == 1
    printed = emu.wait_pages(1)
    _assert_same(printed[-1].image, page)  # the leftover half band was cleared, not printed
    assert emu.state()["skipped"] > 0  # the garbage was parsed, logged and skipped


def test_status_without_printing(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    emu.set_state(paper_near_end=True)
    with connect() as t:  # type: ignore[attr-defined]
        status = printer_status(t)
    assert status.online is True and status.paper_near_end is True and status.paper_end is False
    assert status.fault is None
    emu.model.mute = True
    with connect() as t, pytest.raises(PrinterTimeoutError):  # type: ignore[attr-defined]
        printer_status(t, config=LinkConfig(status_timeout=0.3))


def test_paper_end_right_after_a_cut_counts_the_cut_page(link: tuple[Emulator, Connect]) -> None:
    emu, connect = link
    pages = _pages(2)

    def after_page(done: int, total: int) -> None:
        if done == 1:
            emu.set_state(paper_end=True)  # the roll ends between the pages

    with connect() as t, pytest.raises(PaperEndError) as info:  # type: ignore[attr-defined]
        print_pages(pages, RECEIPT, t, options=FAST, on_progress=after_page)
    assert info.value.pages_completed == 1
    assert [p.status for p in emu.model.pages] == ["printed"]  # nothing of page 2 started


def _lookalike_page(height: int = 400) -> Image.Image:
    """Raster whose bytes hold many ``10 04 n`` (DLE EOT look-alikes), inside rows and across rows."""
    rng = np.random.default_rng(3)
    rows = (rng.random((height, RECEIPT.width_bytes)) < 0.02).astype(np.uint8) * 0x55
    for r in range(0, height, 7):
        x = int(rng.integers(0, RECEIPT.width_bytes - 3))
        rows[r, x : x + 3] = (0x10, 0x04, 1 + r % 4)
    for r in range(3, height - 1, 50):
        rows[r, -1], rows[r + 1, 0], rows[r + 1, 1] = 0x10, 0x04, 0x02
    black = np.unpackbits(rows, axis=1).astype(bool)
    return Image.fromarray(~black)


@pytest.mark.parametrize("byte_scanning", [True, False])
def test_status_lookalikes_in_image_data(tmp_path: Path, byte_scanning: bool) -> None:
    """A printer that answers 10 04 n inside images must not confuse the driver, nor one that does not."""
    page = _lookalike_page()
    lookalikes = len(re.findall(rb"\x10\x04[\x01-\x04]", pack_image(page, RECEIPT.width_dots).rows.tobytes()))
    assert lookalikes > 50
    with running_emulator(tmp_path / "p", tcp=True, pty=True, realtime_in_data=byte_scanning) as emu:
        assert emu.tcp_address is not None and emu.pty_path is not None
        for transport in (TcpTransport(*emu.tcp_address), SerialTransport(emu.pty_path)):
            with transport:
                assert print_pages([page], RECEIPT, transport, options=FAST).pages_printed == 1
        printed = emu.wait_pages(2)
        assert len(printed) == 2
        for record in printed:
            _assert_same(record.image, page)
        answered = emu.state()["status_answered"]
        # byte scanning answers every look-alike too; parsing first answers only the driver's requests
        assert (answered >= 2 * lookalikes) == byte_scanning


def test_a_failing_callback_still_clears_the_printer(link: tuple[Emulator, Connect]) -> None:
    """Not a PrinterError: a bug in the caller's callback mid-page must still clear the printer."""
    emu, connect = link
    calls: list[int] = []

    def broken_cancel() -> bool:
        if emu.printed():
            calls.append(1)
            if len(calls) == 3:  # two segments of page 2 are in the printer
                emu.set_state(paper_end=True)  # ...and stay in its buffer while it is offline
                raise RuntimeError("kiosk callback bug")
        return False

    with connect() as t, pytest.raises(RuntimeError):  # type: ignore[attr-defined]
        print_pages(_pages(2), RECEIPT, t, options=FAST, cancel=broken_cancel)
    assert _eventually(lambda: parse(emu.model.buffered()) == [Initialize()])
    emu.set_state(paper_end=False)
    assert len(emu.printed()) == 1 and [p.status for p in emu.model.pages] == ["printed", "aborted"]
