"""Printer status: decoding DLE EOT, ASB and GS r replies, and demultiplexing the inbound stream.

Bit layouts from docs/printing.md §1.  Every reply format has fixed bits so that the host can tell
replies apart on one serial line (CIT5.3): DLE EOT ``0xx1xx10``, ASB first byte ``0**1**00``, ASB
bytes 2–4 and GS r ``0**0****``, XON 0x11 / XOFF 0x13.  A byte that fits none of them is garbage
and is reported as such, never guessed at.  Unknown stays unknown: a field is ``None`` until a reply
has said something about it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, replace

__all__ = [
    "XOFF",
    "XON",
    "AsbReply",
    "Fault",
    "FlowControl",
    "GarbageByte",
    "InboundDecoder",
    "InboundEvent",
    "InvalidStatus",
    "PrinterStatus",
    "RealtimeReply",
    "TransmitReply",
    "decode_asb",
    "decode_realtime",
    "decode_transmit_status",
    "is_asb_first",
    "is_asb_rest",
    "is_realtime_reply",
]

XON, XOFF = 0x11, 0x13


def _bit(byte: int, n: int) -> bool:
    return bool(byte >> n & 1)


def is_realtime_reply(byte: int) -> bool:
    """``0xx1xx10``: bits 1 and 4 set, bits 0 and 7 clear."""
    return byte & 0x93 == 0x12


def is_asb_first(byte: int) -> bool:
    """``0**1**00``: bit 4 set, bits 0, 1 and 7 clear."""
    return byte & 0x93 == 0x10


def is_asb_rest(byte: int) -> bool:
    """``0**0****``: bits 4 and 7 clear (ASB bytes 2–4 and GS r replies)."""
    return byte & 0x90 == 0


class Fault(enum.Enum):
    """Why a printer cannot print, most specific first (see :attr:`PrinterStatus.fault`)."""

    COVER_OPEN = "cover_open"
    PAPER_END = "paper_end"
    CUTTER_ERROR = "cutter_error"
    UNRECOVERABLE = "unrecoverable"
    AUTO_RECOVERABLE = "auto_recoverable"
    OFFLINE = "offline"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer has told us; ``None`` = not reported (unknown), never a guess."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_end: bool | None = None
    paper_near_end: bool | None = None
    cutter_error: bool | None = None
    unrecoverable: bool | None = None
    auto_recoverable: bool | None = None
    drawer: bool | None = None
    feed_button: bool | None = None
    error: bool | None = None

    def merge(self, newer: PrinterStatus) -> PrinterStatus:
        """Fields the newer status knows override ours."""
        known = ((f.name, getattr(newer, f.name)) for f in fields(newer))
        changes = {name: value for name, value in known if value is not None}
        return replace(self, **changes)

    @property
    def fault(self) -> Fault | None:
        """The most specific reason not to print, or None when nothing reported stops printing."""
        order = (
            (self.cover_open, Fault.COVER_OPEN),
            (self.paper_end, Fault.PAPER_END),
            (self.cutter_error, Fault.CUTTER_ERROR),
            (self.unrecoverable, Fault.UNRECOVERABLE),
            (self.auto_recoverable, Fault.AUTO_RECOVERABLE),
        )
        for flag, fault in order:
            if flag:
                return fault
        if self.online is False or self.error:
            return Fault.OFFLINE
        return None

    def as_dict(self) -> dict[str, bool | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class InvalidStatus:
    """A reply byte whose fixed bits are wrong: garbage on the link, not a status."""

    request: str
    data: bytes
    reason: str


def decode_realtime(n: int, byte: int) -> PrinterStatus | InvalidStatus:
    """Decode the reply to DLE EOT n (n = 1..4)."""
    if not is_realtime_reply(byte):
        return InvalidStatus(f"DLE EOT {n}", bytes([byte]), "fixed bits 0xx1xx10 do not match")
    if n == 1:
        return PrinterStatus(drawer=_bit(byte, 2), online=not _bit(byte, 3))
    if n == 2:
        return PrinterStatus(
            cover_open=_bit(byte, 2), feed_button=_bit(byte, 3), paper_end=_bit(byte, 5), error=_bit(byte, 6)
        )
    if n == 3:
        return PrinterStatus(
            cutter_error=_bit(byte, 3), unrecoverable=_bit(byte, 5), auto_recoverable=_bit(byte, 6)
        )
    if n == 4:
        # Near end is bits 2+3 together and paper end bits 5+6 together; one bit alone is not a
        # reading we trust (bit 3 alone is *not* paper out: docs/printing.md §3, PREV).
        near = byte & 0x0C
        end = byte & 0x60
        return PrinterStatus(
            paper_near_end=None if near in (0x04, 0x08) else near == 0x0C,
            paper_end=None if end in (0x20, 0x40) else end == 0x60,
        )
    return InvalidStatus(f"DLE EOT {n}", bytes([byte]), "no such status request")


def decode_asb(data: bytes) -> PrinterStatus | InvalidStatus:
    """Decode a 4-byte automatic status back (Epson TM layout; bytes 2–4 UNCONFIRMED on other makes)."""
    if len(data) != 4 or not is_asb_first(data[0]) or not all(is_asb_rest(b) for b in data[1:]):
        return InvalidStatus("ASB", data, "fixed bits 0**1**00 / 0**0**** do not match")
    b1, b2, b3 = data[0], data[1], data[2]
    near, end = b3 & 0x03, b3 & 0x0C
    return PrinterStatus(
        drawer=_bit(b1, 2),
        online=not _bit(b1, 3),
        cover_open=_bit(b1, 5),
        feed_button=_bit(b1, 6),
        cutter_error=_bit(b2, 3),
        unrecoverable=_bit(b2, 5),
        auto_recoverable=_bit(b2, 6),
        paper_near_end=None if near in (0x01, 0x02) else near == 0x03,
        paper_end=None if end in (0x04, 0x08) else end == 0x0C,
    )


def decode_transmit_status(n: int, byte: int) -> PrinterStatus | InvalidStatus:
    """Decode the reply to GS r n (1/49 paper sensor: 03 near end, 0C end)."""
    if not is_asb_rest(byte):
        return InvalidStatus(f"GS r {n}", bytes([byte]), "fixed bits 0**0**** do not match")
    if n in (1, 49):
        near, end = byte & 0x03, byte & 0x0C
        return PrinterStatus(
            paper_near_end=None if near in (0x01, 0x02) else near == 0x03,
            paper_end=None if end in (0x04, 0x08) else end == 0x0C,
        )
    if n in (2, 50):
        return PrinterStatus(drawer=_bit(byte, 0))
    return InvalidStatus(f"GS r {n}", bytes([byte]), "no such status request")


@dataclass(frozen=True)
class FlowControl:
    xoff: bool


@dataclass(frozen=True)
class RealtimeReply:
    byte: int


@dataclass(frozen=True)
class AsbReply:
    data: bytes


@dataclass(frozen=True)
class TransmitReply:
    byte: int


@dataclass(frozen=True)
class GarbageByte:
    byte: int


InboundEvent = FlowControl | RealtimeReply | AsbReply | TransmitReply | GarbageByte


class InboundDecoder:
    """Tell apart what a printer sends back on one line: XON/XOFF, DLE EOT, ASB, GS r, garbage."""

    def __init__(self) -> None:
        self._asb = bytearray()

    def feed(self, data: bytes) -> list[InboundEvent]:
        out: list[InboundEvent] = []
        for byte in data:
            out.extend(self._one(byte))
        return out

    def _one(self, byte: int) -> list[InboundEvent]:
        if byte in (XON, XOFF):
            return [FlowControl(xoff=byte == XOFF)]
        if self._asb:
            if is_asb_rest(byte):
                self._asb.append(byte)
                if len(self._asb) == 4:
                    done = AsbReply(bytes(self._asb))
                    self._asb.clear()
                    return [done]
                return []
            broken = [GarbageByte(b) for b in self._asb]
            self._asb.clear()
            return [*broken, *self._one(byte)]
        if is_realtime_reply(byte):
            return [RealtimeReply(byte)]
        if is_asb_first(byte):
            self._asb.append(byte)
            return []
        if is_asb_rest(byte):
            return [TransmitReply(byte)]
        return [GarbageByte(byte)]
