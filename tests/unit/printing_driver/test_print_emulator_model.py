"""The emulator's printer model, driven with bytes (no sockets): pages, real-time layer, faults."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from printer.emulator.model import Injection, PrinterModel
from printer.escpos import commands as c
from printer.escpos.encoder import (
    Band,
    cut,
    encode,
    job_prologue,
    kanji_setup,
    pack_image,
    raster_commands,
    text,
)
from printer.profiles import get_profile

PROFILE = get_profile("receipt-80-203")


def _page(seed: int, height: int = 200) -> Image.Image:
    img = Image.new("1", (PROFILE.width_dots, height), 1)
    draw = ImageDraw.Draw(img)
    for i in range(6):
        draw.rectangle((seed * 20 + i * 30, i * 30, seed * 20 + i * 30 + 20, i * 30 + 20), fill=0)
    return img


def _raster(img: Image.Image, rows: int = 50) -> bytes:
    packed = pack_image(img, PROFILE.width_dots)
    bands = [Band(s, min(s + rows, img.height)) for s in range(0, img.height, rows)]
    return b"".join(encode(raster_commands(packed, band)) for band in bands)


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and bool(np.array_equal(np.asarray(a), np.asarray(b)))


def test_a_cut_emits_the_page_dot_for_dot() -> None:
    model = PrinterModel(PROFILE)
    page = _page(1)
    assert model.receive(encode(job_prologue(203)) + _raster(page) + cut().encode()) == b""
    (record,) = model.pages
    assert record.status == "printed"
    assert record.image is not None and _same(record.image, page)


def test_kanji_text_is_logged_as_text() -> None:
    model = PrinterModel(PROFILE)
    model.receive(encode([c.Initialize(), *kanji_setup(), text("住民票の写し　¥300"), c.LineFeed(), cut()]))
    assert model.pages[0].text == ["住民票の写し　¥300"]


def test_garbage_is_skipped_counted_and_printing_continues() -> None:
    model = PrinterModel(PROFILE)
    model.receive(b"\x1b\xfe\x1dv9\x7f" + _raster(_page(2)) + cut().encode())
    assert model.counters["skipped"] >= 3
    assert model.pages[0].status == "printed"


def test_status_is_answered_at_once_and_inside_image_data_when_byte_scanning() -> None:
    data = c.RasterImage(0, 3, 1, b"\x10\x04\x01").encode() + c.RealtimeStatus(4).encode()
    assert PrinterModel(PROFILE).receive(data) == b"\x12\x12"  # the image's 10 04 01, then ours
    assert PrinterModel(PROFILE, realtime_in_data=False).receive(data) == b"\x12"
    split = PrinterModel(PROFILE)  # a request split across two reads is still seen once
    assert split.receive(data[:9]) + split.receive(data[9:]) == b"\x12\x12"
    model = PrinterModel(PROFILE)
    model.receive(data)
    assert model.pages == [] and model._renderer.height == 1  # the bytes stayed image data


def test_offline_answers_dle_eot_but_not_gs_r_and_aborts_the_partial_page() -> None:
    model = PrinterModel(PROFILE)
    model.receive(_raster(_page(3))[:3608])  # one band of 50 rows: mid-page, at a command boundary
    model.set_state(paper_end=True)
    assert model.pages[-1].status == "aborted" and model.pages[-1].reason == "paper_end"
    asked = encode([c.TransmitStatus(1), c.RealtimeStatus(1), c.RealtimeStatus(4)])
    assert model.receive(asked) == b"\x1a\x7e"  # GS r is not answered offline, DLE EOT is


def test_leftover_of_an_aborted_page_prints_after_recovery_unless_cleared() -> None:
    """Why the driver clears: without DLE DC4 8 the tail of a lost page comes out for the next customer."""
    tail_job = _raster(_page(4, height=40), rows=20) + cut().encode()  # fits the 4 KB buffer
    model = PrinterModel(PROFILE)
    model.set_state(paper_end=True)
    model.receive(tail_job)  # queued while offline
    model.set_state(paper_end=False)
    assert [p.status for p in model.pages] == ["printed"]

    cleared = PrinterModel(PROFILE)
    cleared.set_state(paper_end=True)
    cleared.receive(tail_job)
    cleared.receive(c.RealtimeClearBuffers().encode())
    cleared.set_state(paper_end=False)
    assert cleared.pages == []
    assert cleared.state()["buffer_used"] == 0


def test_injection_after_bands_stops_mid_page() -> None:
    model = PrinterModel(PROFILE)
    model.inject(Injection({"cover_open": True}, after_bands=2))
    model.receive(_raster(_page(5)) + cut().encode())
    (record,) = model.pages
    assert record.status == "aborted" and record.reason == "cover_open"
    assert record.height == 100  # two bands of 50 rows were printed before the cover opened
    assert model.counters["bands"] == 2


def test_injection_after_bytes() -> None:
    model = PrinterModel(PROFILE)
    model.inject(Injection({"paper_end": True}, after_bytes=3000))
    model.receive(_raster(_page(6)) + cut().encode())
    assert model.counters["bytes_processed"] == 3000
    assert not model.online


def test_esc_at_discards_a_partial_page() -> None:
    model = PrinterModel(PROFILE)
    model.receive(_raster(_page(7))[:4000] + b"")
    model.receive(b"")
    model.receive(c.Initialize().encode())  # mid-command: becomes raster data, not a reset
    model.receive(b"\x00" * 20000)  # finish the raster command with white
    model.receive(c.Initialize().encode())
    assert model.pages[-1].status == "aborted"
    assert model.pages[-1].reason == "discarded by ESC @"


def test_asb_on_enable_and_on_change() -> None:
    model = PrinterModel(PROFILE)
    assert model.receive(c.AsbEnable(0x0F).encode()) == bytes([0x10, 0, 0, 0])
    model.set_state(cover_open=True)
    assert model.take_outbound() == bytes([0x38, 0, 0, 0])
    model.set_state(cover_open=True)
    assert model.take_outbound() == b""


def test_serial_xoff_when_the_buffer_fills_and_data_is_lost_when_full() -> None:
    model = PrinterModel(PROFILE, serial=True, buffer_size=4096)
    model.set_state(paper_end=True)
    out = model.receive(b"A" * 3700)
    assert out == b"\x13"
    model.receive(b"B" * 1000)
    assert model.counters["bytes_lost"] == 3700 + 1000 - 4096
    assert model.receive(c.RealtimeStatus(2).encode()) == b"\x32"  # still answered when full
    model.set_state(paper_end=False)
    assert model.take_outbound() == b"\x11"


def test_finite_speed_takes_time() -> None:
    model = PrinterModel(PROFILE, speed_mm_s=100.0)
    model.receive(_raster(_page(8), rows=200)[:4000])
    assert model.counters["bytes_processed"] == 0
    model.step(0.01)  # 100 mm/s = 800 rows/s = 57600 B/s → 576 bytes in 10 ms
    assert 500 <= model.counters["bytes_processed"] <= 600
