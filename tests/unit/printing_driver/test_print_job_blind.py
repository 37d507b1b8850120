"""Jobs on a write-only link (a file): the exact command stream, and validation before sending."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from printer.emulator.model import PrinterModel
from printer.escpos import commands as c
from printer.escpos.errors import RasterError
from printer.escpos.parser import parse
from printer.job import JobOptions, print_pages
from printer.profiles import get_profile
from printer.transport.file import FileTransport


def _page(profile_name: str, height: int) -> Image.Image:
    prof = get_profile(profile_name)
    img = Image.new("1", (prof.width_dots, height), 1)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 200, 40), fill=0)
    draw.rectangle((10, height - 50, 300, height - 20), fill=0)
    return img


def test_stream_is_clear_init_bands_feeds_cut(tmp_path: Path) -> None:
    prof = get_profile("receipt-80-203")
    page = _page(prof.name, 700)
    with FileTransport(tmp_path / "job.bin") as t:
        report = print_pages([page], prof, t)
    cmds = parse((tmp_path / "job.bin").read_bytes())
    assert cmds[:3] == [c.RealtimeClearBuffers(), c.Initialize(), c.SetMotionUnits(0, 203)]
    assert not any(isinstance(x, c.RealtimeStatus | c.TransmitStatus) for x in cmds)  # blind: no polls
    # ink rows 10-40 and 650-680: one band, 609 blank rows fed (255 + 255 + 99), one band, the cut
    assert cmds[3:] == [
        cmds[3], c.PrintAndFeed(255), c.PrintAndFeed(255), c.PrintAndFeed(99), cmds[7], c.Cut(0)
    ]
    assert isinstance(cmds[3], c.RasterImage) and cmds[3].height == 41
    assert isinstance(cmds[7], c.RasterImage) and cmds[7].height == 50
    assert report.pages_printed == 1 and report.bands == 2 and report.feeds == 1
    # The stream, replayed into the emulator's printer, gives back the page dot for dot.
    model = PrinterModel(prof)
    model.receive((tmp_path / "job.bin").read_bytes())
    assert model.pages[0].image is not None
    assert np.array_equal(np.asarray(model.pages[0].image), np.asarray(page))


def test_blind_a4_300_graphics_uses_gs8l_for_whole_bands(tmp_path: Path) -> None:
    prof = get_profile("a4-thermal-300")
    page = Image.new("1", (prof.width_dots, 600), 0)
    with FileTransport(tmp_path / "job.bin") as t:
        print_pages([page], prof, t, options=JobOptions(raster="graphics"))
    graphics = [x for x in parse((tmp_path / "job.bin").read_bytes()) if isinstance(x, c.Graphics)]
    stores = [g for g in graphics if g.fn == 112]
    assert [g.long_form for g in stores] == [True, True, False]  # 256, 256 rows > 65535 B; 88 rows not
    assert len([g for g in graphics if g.fn == 50]) == 3


def test_every_page_is_checked_before_anything_is_sent(tmp_path: Path) -> None:
    prof = get_profile("receipt-80-203")
    good, bad = _page(prof.name, 100), Image.new("1", (575, 100), 1)
    with FileTransport(tmp_path / "job.bin") as t, pytest.raises(RasterError):
        print_pages([good, bad], prof, t)
    assert (tmp_path / "job.bin").read_bytes() == b""
