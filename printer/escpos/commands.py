"""ESC/POS commands as typed values (sans-IO).

Each command is a frozen dataclass whose :meth:`encode` yields its exact bytes; the parser
(:mod:`printer.escpos.parser`) turns bytes back into the same values, so ``parse(encode(x)) == x``
holds for every command built here.  Byte layouts follow docs/printing.md §1 (Epson ESC/POS as
documented by Epson, Citizen and HPRT manuals).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "CUT_FULL",
    "CUT_PARTIAL",
    "DLE",
    "ESC",
    "FS",
    "GS",
    "AsbEnable",
    "Barcode",
    "CharacterSize",
    "ColumnImage",
    "Command",
    "Cut",
    "DefaultLineSpacing",
    "FixedCommand",
    "Graphics",
    "Initialize",
    "Invalid",
    "Justify",
    "KanjiCode",
    "KanjiModeOff",
    "KanjiModeOn",
    "LengthPrefixed",
    "LineFeed",
    "PrintAndFeed",
    "PrintAndFeedLines",
    "RasterImage",
    "RealtimeClearBuffers",
    "RealtimeDC4",
    "RealtimeRequest",
    "RealtimeStatus",
    "SelectCharset",
    "SelectCodeTable",
    "SetLineSpacing",
    "SetMotionUnits",
    "Text",
    "TransmitStatus",
    "Unknown",
]

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
CUT_FULL, CUT_PARTIAL = 0, 1
# DLE DC4 fn=8 "clear buffers" carries this fixed parameter string (Epson TM series).
CLEAR_BUFFERS_PARAMS = bytes([1, 3, 20, 1, 6, 2, 8])


def _u8(value: int, name: str) -> int:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{name}={value} is outside 0..255")
    return value


class Command:
    """Base of every ESC/POS command value."""

    #: real-time commands are executed by the printer on reception, ahead of its buffer
    realtime = False

    def encode(self) -> bytes:
        raise NotImplementedError


@dataclass(frozen=True)
class Initialize(Command):
    """ESC @: clear the print buffer and reset modes."""

    def encode(self) -> bytes:
        return b"\x1b@"


@dataclass(frozen=True)
class LineFeed(Command):
    """LF: print the line buffer and feed one line."""

    def encode(self) -> bytes:
        return b"\n"


@dataclass(frozen=True)
class Text(Command):
    """Printable bytes (ASCII, half-width katakana or Shift-JIS pairs, decoded by the printer's mode)."""

    data: bytes

    def encode(self) -> bytes:
        return self.data


@dataclass(frozen=True)
class PrintAndFeed(Command):
    """ESC J n: print and feed n vertical motion units."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x4A, _u8(self.n, "n")])


@dataclass(frozen=True)
class PrintAndFeedLines(Command):
    """ESC d n: print and feed n lines."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x64, _u8(self.n, "n")])


@dataclass(frozen=True)
class SetMotionUnits(Command):
    """GS P x y: horizontal and vertical motion units of 1/x and 1/y inch (0 = printer default)."""

    x: int
    y: int

    def encode(self) -> bytes:
        return bytes([GS, 0x50, _u8(self.x, "x"), _u8(self.y, "y")])


@dataclass(frozen=True)
class SetLineSpacing(Command):
    """ESC 3 n: line spacing of n vertical motion units."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x33, _u8(self.n, "n")])


@dataclass(frozen=True)
class DefaultLineSpacing(Command):
    """ESC 2: default line spacing."""

    def encode(self) -> bytes:
        return b"\x1b2"


@dataclass(frozen=True)
class Justify(Command):
    """ESC a n: 0 left, 1 centre, 2 right (48..50 accepted too)."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x61, _u8(self.n, "n")])


@dataclass(frozen=True)
class CharacterSize(Command):
    """GS ! n: width multiplier (high nibble + 1) and height multiplier (low nibble + 1)."""

    n: int

    def encode(self) -> bytes:
        return bytes([GS, 0x21, _u8(self.n, "n")])


@dataclass(frozen=True)
class SelectCharset(Command):
    """ESC R n: international character set (8 = Japan: 0x5C prints ¥)."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x52, _u8(self.n, "n")])


@dataclass(frozen=True)
class SelectCodeTable(Command):
    """ESC t n: character code table (1 = half-width katakana)."""

    n: int

    def encode(self) -> bytes:
        return bytes([ESC, 0x74, _u8(self.n, "n")])


@dataclass(frozen=True)
class KanjiCode(Command):
    """FS C n: Kanji code system, 0 = JIS, 1 = Shift-JIS."""

    n: int

    def encode(self) -> bytes:
        return bytes([FS, 0x43, _u8(self.n, "n")])


@dataclass(frozen=True)
class KanjiModeOn(Command):
    """FS &: Kanji character mode on."""

    def encode(self) -> bytes:
        return b"\x1c&"


@dataclass(frozen=True)
class KanjiModeOff(Command):
    """FS .: Kanji character mode off."""

    def encode(self) -> bytes:
        return b"\x1c."


@dataclass(frozen=True)
class RasterImage(Command):
    """GS v 0 m xL xH yL yH d: raster bit image; x in **bytes**, y in dots, MSB = leftmost dot, 1 = black."""

    mode: int
    width_bytes: int
    height: int
    data: bytes

    def encode(self) -> bytes:
        return struct.pack("<BBBBHH", GS, 0x76, 0x30, self.mode, self.width_bytes, self.height) + self.data


@dataclass(frozen=True)
class ColumnImage(Command):
    """ESC * m nL nH d: column bit image, n columns of 1 (m=0/1) or 3 (m=32/33) bytes."""

    mode: int
    columns: int
    data: bytes

    def encode(self) -> bytes:
        return struct.pack("<BBBH", ESC, 0x2A, self.mode, self.columns) + self.data


@dataclass(frozen=True)
class Graphics(Command):
    """GS ( L (16-bit length) or GS 8 L (32-bit length): m fn followed by the function's parameters.

    fn=112 stores a raster (``30 70 30 bx by c xL xH yL yH d``, x in dots), fn=50 prints it.
    """

    fn: int
    body: bytes
    long_form: bool = False
    m: int = 0x30

    def encode(self) -> bytes:
        p = 2 + len(self.body)
        if self.long_form:
            head = struct.pack("<BBBI", GS, 0x38, 0x4C, p)
        else:
            if p > 0xFFFF:
                raise ValueError(f"GS ( L carries at most 65535 parameter bytes, not {p}; use GS 8 L")
            head = struct.pack("<BBBH", GS, 0x28, 0x4C, p)
        return head + bytes([self.m, self.fn]) + self.body


@dataclass(frozen=True)
class LengthPrefixed(Command):
    """Any other GS ( x pL pH d command, kept whole but not interpreted."""

    letter: int
    body: bytes

    def encode(self) -> bytes:
        return struct.pack("<BBBH", GS, 0x28, self.letter, len(self.body)) + self.body


@dataclass(frozen=True)
class Cut(Command):
    """GS V m [n]: m 0/48 full, 1/49 partial; 65/66 (and 97/98, 103/104) feed n then cut."""

    mode: int
    feed: int | None = None

    def encode(self) -> bytes:
        tail = b"" if self.feed is None else bytes([_u8(self.feed, "feed")])
        return bytes([GS, 0x56, _u8(self.mode, "mode")]) + tail


@dataclass(frozen=True)
class RealtimeStatus(Command):
    """DLE EOT n: real-time status, 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor."""

    n: int
    realtime = True

    def encode(self) -> bytes:
        return bytes([DLE, 0x04, _u8(self.n, "n")])


@dataclass(frozen=True)
class RealtimeRequest(Command):
    """DLE ENQ n: real-time request, 1 recover and restart, 2 recover and clear buffers."""

    n: int
    realtime = True

    def encode(self) -> bytes:
        return bytes([DLE, 0x05, _u8(self.n, "n")])


@dataclass(frozen=True)
class RealtimeClearBuffers(Command):
    """DLE DC4 fn=8 (10 14 08 01 03 14 01 06 02 08): discard the receive and print buffers now."""

    realtime = True

    def encode(self) -> bytes:
        return bytes([DLE, 0x14, 0x08]) + CLEAR_BUFFERS_PARAMS


@dataclass(frozen=True)
class RealtimeDC4(Command):
    """DLE DC4 fn ...: other real-time functions (1 = drawer pulse m t, 2 = power-off 1 8)."""

    fn: int
    params: bytes
    realtime = True

    def encode(self) -> bytes:
        return bytes([DLE, 0x14, _u8(self.fn, "fn")]) + self.params


@dataclass(frozen=True)
class AsbEnable(Command):
    """GS a n: automatic status back; bits 0 drawer, 1 online/offline, 2 error, 3 paper sensor."""

    n: int

    def encode(self) -> bytes:
        return bytes([GS, 0x61, _u8(self.n, "n")])


@dataclass(frozen=True)
class TransmitStatus(Command):
    """GS r n: status queued behind data, 1/49 paper sensor, 2/50 drawer; no reply while offline."""

    n: int

    def encode(self) -> bytes:
        return bytes([GS, 0x72, _u8(self.n, "n")])


@dataclass(frozen=True)
class Barcode(Command):
    """GS k m: type A (m 0..6) NUL-terminated, type B (m 65..79) with a length byte."""

    m: int
    data: bytes

    def encode(self) -> bytes:
        if self.m < 65:
            return bytes([GS, 0x6B, self.m]) + self.data + b"\x00"
        return bytes([GS, 0x6B, self.m, len(self.data)]) + self.data


@dataclass(frozen=True)
class FixedCommand(Command):
    """A known fixed-length command the codec does not interpret (ESC ! n, ESC E n, GS L nL nH, ...)."""

    prefix: bytes
    params: bytes

    def encode(self) -> bytes:
        return self.prefix + self.params


@dataclass(frozen=True)
class Unknown(Command):
    """A byte that starts no known command (garbage); the parser skips exactly this byte."""

    byte: int

    def encode(self) -> bytes:
        return bytes([self.byte])


@dataclass(frozen=True)
class Invalid(Command):
    """A known prefix with parameters out of range; the parser skips only the prefix bytes."""

    data: bytes
    reason: str

    def encode(self) -> bytes:
        return self.data
