"""A robust ESC/POS stream parser: bytes → typed commands (sans-IO).

Table-driven like escpos-tools and npos (docs/printing.md §3): each prefix knows how to *measure*
its command from the header alone (fixed lengths, ``x·y`` for GS v 0, the length field of GS ( L /
GS 8 L) and how to *build* the typed value once all bytes are there.  Garbage never raises: a byte
that starts nothing known becomes :class:`Unknown` and is skipped alone; a known prefix with
out-of-range parameters becomes :class:`Invalid` and only the prefix is skipped, so the stream
resynchronises on the next byte.  Declared payloads are capped (:data:`MAX_PAYLOAD`) so a corrupt
length field cannot make the parser swallow the rest of the stream.

:class:`Framer` uses the same measurements to split a stream at command boundaries without holding
payloads: the emulator's receive path uses it to execute real-time commands on reception (so that a
``10 04 01`` inside raster data is not mistaken for a status request).  The one exception is the
10-byte DLE DC4 8 (clear buffers): it is recognised anywhere, even inside a payload, because it is
how a host recovers a printer left waiting for the rest of a command cut short (a crashed host, a
write timeout); ten fixed bytes do not occur in image data by chance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from printer.escpos.commands import (
    CLEAR_BUFFERS_PARAMS,
    DLE,
    ESC,
    FS,
    GS,
    AsbEnable,
    Barcode,
    CharacterSize,
    ColumnImage,
    Command,
    Cut,
    DefaultLineSpacing,
    FixedCommand,
    Graphics,
    Initialize,
    Invalid,
    Justify,
    KanjiCode,
    KanjiModeOff,
    KanjiModeOn,
    LengthPrefixed,
    LineFeed,
    PrintAndFeed,
    PrintAndFeedLines,
    RasterImage,
    RealtimeClearBuffers,
    RealtimeDC4,
    RealtimeRequest,
    RealtimeStatus,
    SelectCharset,
    SelectCodeTable,
    SetLineSpacing,
    SetMotionUnits,
    Text,
    TransmitStatus,
    Unknown,
)

__all__ = ["MAX_PAYLOAD", "MAX_TEXT_RUN", "Framer", "Parser", "parse"]

#: Largest payload accepted from a length field: an A4 page at 300 dpi is about 1.1 MB; 16 MiB
#: leaves room while stopping a corrupt length from eating the stream.
MAX_PAYLOAD = 16 * 1024 * 1024
#: A text run is emitted at least every this many bytes even without a terminating control byte.
MAX_TEXT_RUN = 4096

Buf = bytes | bytearray
Measure = Callable[[Buf, int], int | None]
Build = Callable[[bytes], Command]


class _Bad(Exception):  # noqa: N818 - internal signal, never escapes this module
    def __init__(self, skip: int, reason: str) -> None:
        super().__init__(reason)
        self.skip = skip
        self.reason = reason


@dataclass(frozen=True)
class _Spec:
    measure: Measure
    build: Build


def _avail(buf: Buf, i: int, n: int) -> bool:
    return len(buf) - i >= n


def _fixed(n: int, build: Build, check: Callable[[Buf, int], str | None] | None = None) -> _Spec:
    def measure(buf: Buf, i: int) -> int | None:
        if not _avail(buf, i, n):
            return None
        if check is not None and (reason := check(buf, i)) is not None:
            raise _Bad(2, reason)
        return n

    return _Spec(measure, build)


def _generic(prefix_len: int, params: int) -> _Spec:
    return _fixed(prefix_len + params, lambda b: FixedCommand(b[:prefix_len], b[prefix_len:]))


def _payload(n: int, header: int) -> int:
    if n > MAX_PAYLOAD:
        raise _Bad(header, f"declared payload of {n} bytes exceeds {MAX_PAYLOAD}")
    return n


# --- data-carrying commands -------------------------------------------------------------------

def _raster_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 3):
        return None
    if buf[i + 2] != 0x30:
        raise _Bad(2, "GS v must be followed by 0x30")
    if not _avail(buf, i, 8):
        return None
    m = buf[i + 3]
    x = buf[i + 4] | buf[i + 5] << 8
    y = buf[i + 6] | buf[i + 7] << 8
    if m not in (0, 1, 2, 3, 48, 49, 50, 51):
        raise _Bad(3, f"GS v 0 mode {m} out of range")
    if x == 0 or y == 0:
        raise _Bad(3, "GS v 0 with an empty image")
    return 8 + _payload(x * y, 3)


def _raster_build(b: bytes) -> Command:
    return RasterImage(b[3], b[4] | b[5] << 8, b[6] | b[7] << 8, b[8:])


def _column_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 5):
        return None
    m, n_low, n_high = buf[i + 2], buf[i + 3], buf[i + 4]
    if m not in (0, 1, 32, 33) or n_high > 3:
        raise _Bad(2, f"ESC * mode {m} / nH {n_high} out of range")
    n = n_low | n_high << 8
    return 5 + (3 * n if m >= 32 else n)


def _gs_paren_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 5):
        return None
    p = buf[i + 3] | buf[i + 4] << 8
    if buf[i + 2] == 0x4C and p < 2:
        raise _Bad(3, "GS ( L needs at least m and fn")
    return 5 + p


def _gs_paren_build(b: bytes) -> Command:
    if b[2] == 0x4C:
        return Graphics(fn=b[6], body=b[7:], long_form=False, m=b[5])
    return LengthPrefixed(b[2], b[5:])


def _gs8_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 3):
        return None
    if buf[i + 2] != 0x4C:
        raise _Bad(2, "GS 8 must be followed by L")
    if not _avail(buf, i, 7):
        return None
    p = int.from_bytes(buf[i + 3 : i + 7], "little")
    if p < 2:
        raise _Bad(3, "GS 8 L needs at least m and fn")
    return 7 + _payload(p, 3)


def _cut_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 3):
        return None
    m = buf[i + 2]
    if m in (0, 1, 48, 49):
        return 3
    if m in (65, 66, 97, 98, 103, 104):
        return 4 if _avail(buf, i, 4) else None
    raise _Bad(2, f"GS V mode {m} out of range")


def _cut_build(b: bytes) -> Command:
    return Cut(b[2], b[3] if len(b) == 4 else None)


def _barcode_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 3):
        return None
    m = buf[i + 2]
    if m <= 6:
        end = bytes(buf[i + 3 : i + 3 + 256]).find(b"\x00")
        if end < 0:
            if _avail(buf, i, 3 + 256):
                raise _Bad(2, "GS k type A data without NUL terminator")
            return None
        return 3 + end + 1
    if 65 <= m <= 79:
        return 4 + buf[i + 3] if _avail(buf, i, 4) else None
    raise _Bad(2, f"GS k type {m} out of range")


def _barcode_build(b: bytes) -> Command:
    return Barcode(b[2], b[3:-1] if b[2] <= 6 else b[4:])


def _dle_eot_check(buf: Buf, i: int) -> str | None:
    return None if 1 <= buf[i + 2] <= 4 else f"DLE EOT n={buf[i + 2]} unsupported"


def _dc4_measure(buf: Buf, i: int) -> int | None:
    if not _avail(buf, i, 3):
        return None
    fn = buf[i + 2]
    length = {1: 5, 2: 5, 8: 10}.get(fn)
    if length is None:
        raise _Bad(2, f"DLE DC4 fn={fn} unsupported")
    if not _avail(buf, i, length):
        return None
    if fn == 8 and bytes(buf[i + 3 : i + 10]) != CLEAR_BUFFERS_PARAMS:
        raise _Bad(2, "DLE DC4 8 with wrong parameters")
    return length


def _dc4_build(b: bytes) -> Command:
    return RealtimeClearBuffers() if b[2] == 8 else RealtimeDC4(b[2], b[3:])


_TABLE: dict[int, dict[int, _Spec]] = {
    ESC: {
        0x40: _fixed(2, lambda b: Initialize()),
        0x4A: _fixed(3, lambda b: PrintAndFeed(b[2])),
        0x64: _fixed(3, lambda b: PrintAndFeedLines(b[2])),
        0x33: _fixed(3, lambda b: SetLineSpacing(b[2])),
        0x32: _fixed(2, lambda b: DefaultLineSpacing()),
        0x61: _fixed(3, lambda b: Justify(b[2])),
        0x52: _fixed(3, lambda b: SelectCharset(b[2])),
        0x74: _fixed(3, lambda b: SelectCodeTable(b[2])),
        0x2A: _Spec(_column_measure, lambda b: ColumnImage(b[2], b[3] | b[4] << 8, b[5:])),
        **{c: _generic(2, 1) for c in b"!-EGMV{=UT rI"},
        **{c: _generic(2, 2) for c in b"$\\c"},
        **{c: _generic(2, 3) for c in b"p"},
        **{c: _generic(2, 0) for c in b"LS<\x0c"},
        0x57: _generic(2, 8),
    },
    GS: {
        0x76: _Spec(_raster_measure, _raster_build),
        0x28: _Spec(_gs_paren_measure, _gs_paren_build),
        0x38: _Spec(_gs8_measure, lambda b: Graphics(fn=b[8], body=b[9:], long_form=True, m=b[7])),
        0x56: _Spec(_cut_measure, _cut_build),
        0x61: _fixed(3, lambda b: AsbEnable(b[2])),
        0x72: _fixed(3, lambda b: TransmitStatus(b[2])),
        0x21: _fixed(3, lambda b: CharacterSize(b[2])),
        0x50: _fixed(4, lambda b: SetMotionUnits(b[2], b[3])),
        0x6B: _Spec(_barcode_measure, _barcode_build),
        **{c: _generic(2, 1) for c in b"BHfhwbIE|"},
        **{c: _generic(2, 2) for c in b"LW$\\"},
    },
    FS: {
        0x43: _fixed(3, lambda b: KanjiCode(b[2])),
        0x26: _fixed(2, lambda b: KanjiModeOn()),
        0x2E: _fixed(2, lambda b: KanjiModeOff()),
        **{c: _generic(2, 1) for c in b"!-W"},
        0x53: _generic(2, 2),
    },
    DLE: {
        0x04: _fixed(3, lambda b: RealtimeStatus(b[2]), _dle_eot_check),
        0x05: _fixed(
            3, lambda b: RealtimeRequest(b[2]),
            lambda buf, i: None if buf[i + 2] in (1, 2) else f"DLE ENQ n={buf[i + 2]} unsupported",
        ),
        0x14: _Spec(_dc4_measure, _dc4_build),
    },
}
_SINGLE: dict[int, _Spec] = {
    0x0A: _fixed(1, lambda b: LineFeed()),
    **{c: _generic(1, 0) for c in (0x09, 0x0C, 0x0D, 0x18)},
}


def _is_text(byte: int) -> bool:
    return byte >= 0x20 and byte != 0x7F


def _is_sjis_lead(byte: int) -> bool:
    return 0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC


def _text_end(buf: Buf, i: int, final: bool) -> int | None:
    """End of the text run at i, or None while it may still grow (held back to keep pairs whole)."""
    j, n = i, len(buf)
    while j < n and _is_text(buf[j]) and j - i < MAX_TEXT_RUN:
        j += 2 if _is_sjis_lead(buf[j]) and j + 1 < n and _is_text(buf[j + 1]) else 1
    if j < n or final:
        return j
    if j - i >= MAX_TEXT_RUN:
        return j
    return None


def _spec_at(buf: Buf, i: int) -> _Spec | int | None:
    """The spec at i; None = need more bytes; -1 = the byte starts nothing known."""
    first = buf[i]
    if first in _SINGLE:
        return _SINGLE[first]
    sub = _TABLE.get(first)
    if sub is None:
        return -1
    if not _avail(buf, i, 2):
        return None
    return sub.get(buf[i + 1], -1)


def _measure(buf: Buf, i: int, final: bool) -> tuple[int, _Spec | None] | None:
    """(length, spec) of the item at i; spec None means a text run; -length means skip as invalid."""
    if _is_text(buf[i]):
        end = _text_end(buf, i, final)
        return None if end is None else (end - i, None)
    spec = _spec_at(buf, i)
    if spec is None:
        return None if not final else (-1, None)
    if isinstance(spec, int):
        return (-1, None)
    try:
        length = spec.measure(buf, i)
    except _Bad as bad:
        return (-bad.skip, spec)
    if length is None:
        return None
    return (length, spec)


class Parser:
    """Incremental parser: :meth:`feed` bytes, get back every command completed so far.

    Incomplete commands wait in an internal buffer (their payload is the printer's image buffer);
    :meth:`flush` ends the stream, returning the tail as :class:`Invalid` when it is cut short.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held for a command that is not complete yet."""
        return len(self._buf)

    def reset(self) -> None:
        """Drop any partial command (the printer's buffer was cleared)."""
        self._buf.clear()

    def feed(self, data: bytes) -> list[Command]:
        """Add bytes; return the commands they complete, in order."""
        self._buf += data
        return self._drain(final=False)

    def flush(self) -> list[Command]:
        """End of stream: return what is left, a truncated command as :class:`Invalid`."""
        out = self._drain(final=True)
        if self._buf:
            out.append(Invalid(bytes(self._buf), "truncated at end of stream"))
            self._buf.clear()
        return out

    def _drain(self, final: bool) -> list[Command]:
        out: list[Command] = []
        buf, i = self._buf, 0
        while i < len(buf):
            measured = _measure(buf, i, final)
            if measured is None:
                break
            length, spec = measured
            if length < 0:
                skip = -length
                item: Command = Unknown(buf[i]) if skip == 1 and spec is None else Invalid(
                    bytes(buf[i : i + skip]), "parameters out of range"
                )
                out.append(item)
                i += skip
                continue
            if i + length > len(buf):
                break
            chunk = bytes(buf[i : i + length])
            out.append(Text(chunk) if spec is None else spec.build(chunk))
            i += length
        del buf[:i]
        return out


def parse(data: bytes) -> list[Command]:
    """Parse a whole stream; adjacent text runs are merged.  Never raises on any input."""
    parser = Parser()
    merged: list[Command] = []
    for cmd in parser.feed(data) + parser.flush():
        if isinstance(cmd, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].data + cmd.data)
        else:
            merged.append(cmd)
    return merged


class Framer:
    """Split a stream at command boundaries without holding payloads.

    :meth:`feed` returns, in order, ``bytes`` to pass on to the receive buffer and real-time
    :class:`Command` values taken out of the stream for immediate execution.
    """

    def __init__(self) -> None:
        self._head = bytearray()
        self._skip = 0
        self._carry = b""  # the last bytes seen, to find a clear split across two feeds

    def reset(self) -> None:
        self._head.clear()
        self._skip = 0
        self._carry = b""

    def feed(self, data: bytes) -> list[bytes | Command]:
        clear = RealtimeClearBuffers().encode()
        window = self._carry + data
        at = window.find(clear)
        if at < 0:
            self._carry = window[-(len(clear) - 1) :]
            return self._frame(data)
        # Bytes before the clear are framed as usual (whatever they add is wiped by the clear), then
        # the framing state restarts after it, as the printer's does.
        out = self._frame(data[: max(0, at - len(self._carry))])
        self.reset()
        out.append(RealtimeClearBuffers())
        return out + self.feed(data[at + len(clear) - (len(window) - len(data)) :])

    def _frame(self, data: bytes) -> list[bytes | Command]:
        out: list[bytes | Command] = []
        pos = 0
        while pos < len(data):
            if self._skip:
                take = min(self._skip, len(data) - pos)
                out.append(data[pos : pos + take])
                self._skip -= take
                pos += take
                continue
            self._head.append(data[pos])
            pos += 1
            self._advance(out)
        return out

    def _advance(self, out: list[bytes | Command]) -> None:
        head = self._head
        while head:
            if _is_text(head[0]):
                # Text needs no framing; pass it on at once.
                end = 0
                while end < len(head) and _is_text(head[end]):
                    end += 1
                out.append(bytes(head[:end]))
                del head[:end]
                continue
            measured = _measure(head, 0, final=False)
            if measured is None:
                return
            length, spec = measured
            if length < 0:
                out.append(bytes(head[: -length]))
                del head[: -length]
                continue
            if spec is not None and len(head) >= length:
                cmd = spec.build(bytes(head[:length]))
                out.append(cmd if cmd.realtime else bytes(head[:length]))
                del head[:length]
                continue
            # A payload-carrying command: pass the header on and let the payload stream through.
            self._skip = length - len(head)
            out.append(bytes(head))
            head.clear()
