"""High-level ESC/POS builders: Kanji text, raster images in bands, feeds, cuts, status requests.

Everything returns :class:`~printer.escpos.commands.Command` values (or their bytes); nothing here
does I/O.  Raster data follows docs/printing.md §1: MSB = leftmost dot, 1 = black; GS v 0 carries at
most 4095 rows (Epson: yH ≤ 15), GS ( L at most 65535 parameter bytes, beyond which GS 8 L is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from printer.escpos.commands import (
    CharacterSize,
    Command,
    Cut,
    Graphics,
    Initialize,
    Justify,
    KanjiCode,
    KanjiModeOn,
    LineFeed,
    PrintAndFeed,
    RasterImage,
    RealtimeClearBuffers,
    RealtimeStatus,
    SelectCharset,
    SetMotionUnits,
    Text,
    TransmitStatus,
)
from printer.escpos.errors import RasterError, UnencodableTextError

__all__ = [
    "GRAPHICS_TONE_MONO",
    "GS_L_MAX_PARAMS",
    "GS_V0_MAX_ROWS",
    "Band",
    "Feed",
    "PackedImage",
    "RasterForm",
    "Segment",
    "band_commands",
    "cut",
    "encode",
    "feed_commands",
    "feed_unit_dots",
    "fence",
    "graphics_commands",
    "job_prologue",
    "justify",
    "kanji_setup",
    "pack_image",
    "plan_page",
    "raster_commands",
    "size",
    "split_band",
    "status_requests",
    "text",
    "text_line",
]

GS_V0_MAX_ROWS = 4095
#: GS ( L fn=112 tone byte ``a``: 48 = monochrome (52 would be multiple tone).
GRAPHICS_TONE_MONO = 0x30
GS_L_MAX_PARAMS = 0xFFFF
RasterForm = Literal["gs_v0", "graphics"]

# Japan character set (ESC R 8) prints 0x5C as ¥ and 0x7E as ‾; cp932 in Python cannot encode them.
_JAPAN_CHARSET = {"¥": b"\x5c", "‾": b"\x7e"}


def encode(commands: Iterable[Command]) -> bytes:
    """Concatenate the bytes of commands."""
    return b"".join(c.encode() for c in commands)


def text(s: str) -> Text:
    """Text for Kanji mode (FS C 1 Shift-JIS, ESC R 8): encoded as cp932.

    :raises UnencodableTextError: on a character cp932 cannot carry, or a control character.
    """
    out = bytearray()
    for pos, ch in enumerate(s):
        if ch in _JAPAN_CHARSET:
            out += _JAPAN_CHARSET[ch]
            continue
        if ord(ch) < 0x20 or ch == "\x7f":
            raise UnencodableTextError(s, pos, ch)
        try:
            out += ch.encode("cp932")
        except UnicodeEncodeError as e:
            raise UnencodableTextError(s, pos, ch) from e
    return Text(bytes(out))


def text_line(s: str) -> list[Command]:
    """A line of Kanji-mode text followed by LF.

    :raises UnencodableTextError: see :func:`text`.
    """
    return [text(s), LineFeed()] if s else [LineFeed()]


def kanji_setup() -> list[Command]:
    """ESC R 8 (Japan), FS C 1 (Shift-JIS), FS & (Kanji mode on)."""
    return [SelectCharset(8), KanjiCode(1), KanjiModeOn()]


def job_prologue(dpi: int) -> list[Command]:
    """Clear whatever an earlier, aborted job left (DLE DC4 8), then ESC @ and motion units.

    The vertical motion unit is set to one dot (GS P) so that feeds are exact; GS P takes at most 255,
    so at higher resolutions the unit is 2 dots (see :func:`feed_unit_dots`).
    """
    unit = feed_unit_dots(dpi)
    return [RealtimeClearBuffers(), Initialize(), SetMotionUnits(0, dpi // unit)]


def feed_unit_dots(dpi: int) -> int:
    """Dots per vertical motion unit as set by :func:`job_prologue`."""
    unit = 1
    while dpi // unit > 255:
        unit += 1
    return unit


@dataclass(frozen=True)
class PackedImage:
    """A 1-bit page packed MSB-first, 1 = black, one row of ``width_bytes`` per dot row."""

    width_dots: int
    rows: npt.NDArray[np.uint8]  # shape (height, width_bytes)

    @property
    def width_bytes(self) -> int:
        return int(self.rows.shape[1])

    @property
    def height(self) -> int:
        return int(self.rows.shape[0])


def pack_image(image: Image.Image, width_dots: int) -> PackedImage:
    """Pack a mode-"1" PIL image of exactly ``width_dots`` width.

    :raises RasterError: when the image is not 1-bit, has the wrong width or no rows.
    """
    if image.mode != "1":
        raise RasterError(f"page must be a 1-bit image (mode '1'), not mode {image.mode!r}")
    if image.width != width_dots:
        raise RasterError(f"page is {image.width} dots wide; the profile prints {width_dots}")
    if image.height == 0:
        raise RasterError("page has no rows")
    black = ~np.asarray(image, dtype=bool)  # PIL "1": True = white
    return PackedImage(width_dots, np.packbits(black, axis=1))


@dataclass(frozen=True)
class Band:
    start: int
    stop: int


@dataclass(frozen=True)
class Feed:
    rows: int


Segment = Band | Feed


def plan_page(
    packed: PackedImage, band_rows: int, *, feed_unit: int = 1, min_blank: int = 24
) -> list[Segment]:
    """Split a page into raster bands of at most ``band_rows`` and feeds over blank stretches.

    Blank runs of at least ``min_blank`` rows are fed (ESC J) instead of sent as white raster: a
    real saving on certificates, which are mostly white.  A feed is a whole number of motion units;
    any remainder rows stay in the next band so the page keeps its exact height.

    :raises RasterError: when ``band_rows`` is outside 1..4095.
    """
    if not 1 <= band_rows <= GS_V0_MAX_ROWS:
        raise RasterError(f"band_rows={band_rows} outside 1..{GS_V0_MAX_ROWS}")
    ink = [bool(v) for v in np.asarray(packed.rows.max(axis=1))]
    segments: list[Segment] = []
    row, height = 0, packed.height
    start = 0  # start of pending ink rows
    while row < height:
        if ink[row]:
            row += 1
            continue
        blank_end = row
        while blank_end < height and not ink[blank_end]:
            blank_end += 1
        fed = (blank_end - row) // feed_unit * feed_unit
        if blank_end - row >= min_blank and fed:
            _bands(segments, start, row, band_rows)
            segments.append(Feed(fed))
            start = row + fed
        row = blank_end
    _bands(segments, start, height, band_rows)
    return segments


def _bands(out: list[Segment], start: int, stop: int, band_rows: int) -> None:
    for s in range(start, stop, band_rows):
        out.append(Band(s, min(s + band_rows, stop)))


def split_band(segment: Segment, rows: int) -> list[Segment]:
    """A band cut into bands of at most ``rows`` rows (feeds are returned unchanged)."""
    if isinstance(segment, Feed):
        return [segment]
    step = max(1, rows)
    return [Band(s, min(s + step, segment.stop)) for s in range(segment.start, segment.stop, step)]


def feed_commands(rows: int, feed_unit: int = 1) -> list[Command]:
    """ESC J commands feeding ``rows`` dots (a multiple of ``feed_unit``)."""
    units = rows // feed_unit
    return [PrintAndFeed(min(255, units - done)) for done in range(0, units, 255)]


def raster_commands(packed: PackedImage, band: Band) -> list[Command]:
    """One GS v 0 for a band (at most :data:`GS_V0_MAX_ROWS` rows).

    :raises RasterError: when the band is taller than GS v 0 allows.
    """
    rows = band.stop - band.start
    if not 1 <= rows <= GS_V0_MAX_ROWS:
        raise RasterError(f"GS v 0 band of {rows} rows outside 1..{GS_V0_MAX_ROWS}")
    data = packed.rows[band.start : band.stop].tobytes()
    return [RasterImage(0, packed.width_bytes, rows, data)]


def graphics_commands(packed: PackedImage, band: Band) -> list[Command]:
    """GS ( L fn=112 store + fn=50 print; GS 8 L when the parameters exceed 65535 bytes.

    Epson's fn=112 layout after ``m fn`` is ``a bx by c xL xH yL yH d…``: a=48 monochrome tone,
    bx=by=1 (no scaling), c=49 (first colour), x in dots, y in dots.  Leaving out the tone byte
    shifts every field by one on a real printer, so the layout is tested byte for byte.
    """
    rows = band.stop - band.start
    data = packed.rows[band.start : band.stop].tobytes()
    body = (
        bytes([GRAPHICS_TONE_MONO, 1, 1, 49])
        + packed.width_dots.to_bytes(2, "little")
        + rows.to_bytes(2, "little")
        + data
    )
    long_form = 2 + len(body) > GS_L_MAX_PARAMS
    return [Graphics(112, body, long_form=long_form), Graphics(50, b"")]


def band_commands(packed: PackedImage, segment: Segment, form: RasterForm, feed_unit: int) -> list[Command]:
    """Commands for one planned segment."""
    if isinstance(segment, Feed):
        return feed_commands(segment.rows, feed_unit)
    if form == "graphics":
        return graphics_commands(packed, segment)
    return raster_commands(packed, segment)


def status_requests(ns: Sequence[int] = (1, 2, 3, 4)) -> list[Command]:
    return [RealtimeStatus(n) for n in ns]


def fence() -> Command:
    """GS r 1: answered only when the printer has processed everything before it."""
    return TransmitStatus(1)


def cut(feed: int = 0, partial: bool = False) -> Command:
    """GS V: feed then cut (m=65/66) or cut at once (m=0/1)."""
    if feed:
        return Cut(66 if partial else 65, feed)
    return Cut(1 if partial else 0)


def size(width: int = 1, height: int = 1) -> Command:
    """GS ! with 1..8 times width and height."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise RasterError("character size multipliers must be 1..8")
    return CharacterSize((width - 1) << 4 | (height - 1))


def justify(where: Literal["left", "center", "right"]) -> Command:
    return Justify({"left": 0, "center": 1, "right": 2}[where])
