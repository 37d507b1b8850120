"""The driver's side of an ESC/POS link: flow control, fences and status polling over a transport.

Flow control is credit-based so that status always gets through (docs/printing-driver.md):

* Data goes out in blocks of whole commands of at most ``chunk`` bytes (a quarter of the printer's
  receive buffer unless configured), each followed by ``GS r 1``.  GS r is queued behind the data and
  answered only once the printer has *processed* everything before it, so each reply is an
  acknowledgement.  At most ``window`` blocks are unacknowledged; with the defaults (2 × 1 KB for a
  4 KB buffer) the buffer never fills, so a DLE EOT can always be received, even when the printer
  stopped mid-page.  Fences and status requests only ever go *between* commands: inside raster data
  they would be image bits.  Callers therefore split raster bands into blocks (:mod:`printer.job`).
* XON/XOFF from the printer pauses data (not DLE EOT, which Epson serial models execute even with a
  full buffer); the replies' fixed bits keep them apart (:class:`~printer.escpos.status.InboundDecoder`).
* While waiting for an acknowledgement the link asks DLE EOT 1 every ``poll_interval``; offline
  means DLE EOT 1–4 and a typed fault error.  No reply within ``status_timeout``, or no progress
  while online for ``progress_timeout``, is a :class:`PrinterTimeoutError`.  Any byte that is not a
  valid, expected reply is a :class:`StatusProtocolError`: a link that carries garbage is not trusted.
* Printers that scan for DLE EOT in raw bytes answer ``10 04 n`` even inside image data (HPRT809,
  docs/printing.md §1).  The link counts such sequences in every block it sends and absorbs up to that
  many unrequested replies; before asking a status of its own it lets them arrive (the block's fence,
  or a quiet spell when the printer has stopped), so a reply is never mistaken for another.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from printer.escpos.commands import Command, Initialize, RealtimeClearBuffers
from printer.escpos.encoder import encode, fence, job_prologue, status_requests
from printer.escpos.status import (
    AsbReply,
    Fault,
    FlowControl,
    GarbageByte,
    InboundDecoder,
    InboundEvent,
    InvalidStatus,
    PrinterStatus,
    RealtimeReply,
    TransmitReply,
    decode_asb,
    decode_realtime,
    decode_transmit_status,
)
from printer.transport.base import PrinterTransport
from printer.transport.errors import (
    CoverOpenError,
    CutterError,
    PaperEndError,
    PrinterHardwareError,
    PrinterOfflineError,
    PrinterTimeoutError,
    PrintJobError,
    StatusProtocolError,
    TransportError,
)

__all__ = ["LinkConfig", "PrinterLink", "fault_error"]

log = logging.getLogger(__name__)
_READ = 256
# What a byte-scanning printer takes for DLE EOT n (same non-overlapping scan as the emulator's).
_STATUS_REQUEST = re.compile(rb"\x10\x04[\x01-\x04]")

_FAULT_ERRORS: dict[Fault, tuple[type[PrintJobError], str]] = {
    Fault.COVER_OPEN: (CoverOpenError, "printer cover is open"),
    Fault.PAPER_END: (PaperEndError, "printer is out of paper"),
    Fault.CUTTER_ERROR: (CutterError, "printer cutter error"),
    Fault.UNRECOVERABLE: (PrinterHardwareError, "printer reports an unrecoverable error"),
    Fault.AUTO_RECOVERABLE: (PrinterHardwareError, "printer reports an auto-recoverable error"),
    Fault.OFFLINE: (PrinterOfflineError, "printer is offline"),
}


def fault_error(status: PrinterStatus) -> PrintJobError | None:
    """The typed error for a status that stops printing, or None."""
    fault = status.fault
    if fault is None:
        return None
    cls, message = _FAULT_ERRORS[fault]
    return cls(message, status=status)


@dataclass(frozen=True)
class LinkConfig:
    chunk: int | None = None  # bytes per fenced block; None = a quarter of the receive buffer
    window: int = 2
    piece: int = 256  # write granularity: XOFF is obeyed within this many bytes
    status_timeout: float = 2.0
    poll_interval: float = 0.25
    progress_timeout: float = 30.0
    quiet: float = 0.05  # silence that ends the discarding of stale input at job start


class PrinterLink:
    """One job's conversation with an ESC/POS printer over a :class:`PrinterTransport`."""

    def __init__(
        self,
        transport: PrinterTransport,
        config: LinkConfig | None = None,
        *,
        buffer_size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.config = config or LinkConfig()
        self.buffer_size = buffer_size
        self._clock = clock
        self._decoder = InboundDecoder()
        self._realtime: deque[int] = deque()
        self._expect_realtime = 0
        # One entry per fenced block not yet acknowledged: how many DLE EOT look-alikes it carried.
        self._blocks: deque[int] = deque()
        self._xoff = False
        self.status = PrinterStatus()
        self.bytes_sent = 0
        self.blind = not transport.bidirectional

    # --- job framing ------------------------------------------------------------------------

    def start(self, dpi: int) -> PrinterStatus:
        """Clear what an earlier job may have left in the printer, discard stale replies, check status.

        :raises PrintJobError: typed by the fault when the printer cannot print.
        """
        self._write_raw(RealtimeClearBuffers().encode())
        self._discard_input()
        status = self.check()
        self.send(job_prologue(dpi)[1:])
        return status

    def abort(self) -> None:
        """Best effort: make the printer drop the rest of this job (DLE DC4 8, then ESC @).

        The clear is real-time, so it acts even while the printer is offline with our data still in
        its buffer; without it the rest of the page would print after recovery, for the next customer.
        """
        try:
            self._write_raw(RealtimeClearBuffers().encode() + Initialize().encode())
        except TransportError as e:
            log.warning("could not send the abort clear to the printer: %s", e)
        self._blocks.clear()
        self._expect_realtime = 0
        self._realtime.clear()

    # --- status -----------------------------------------------------------------------------

    def query(self, ns: Sequence[int] = (1, 2, 3, 4), *, stalled: bool = False) -> PrinterStatus:
        """Ask DLE EOT n for each n; return what they say (merged into :attr:`status`).

        ``stalled``: the printer has stopped acknowledging (see :meth:`_settle`).

        :raises PrinterTimeoutError: when a reply does not come within ``status_timeout``.
        :raises StatusProtocolError: when a reply's fixed bits are wrong.
        """
        if self.blind:
            return PrinterStatus()
        self._settle(stalled)
        self._expect_realtime += len(ns)
        self._write_raw(encode(status_requests(ns)))
        replies = self._await_realtime(len(ns))
        fresh = PrinterStatus()
        for n, byte in zip(ns, replies, strict=True):
            decoded = decode_realtime(n, byte)
            if isinstance(decoded, InvalidStatus):
                raise StatusProtocolError(
                    f"garbage reply 0x{byte:02x} to {decoded.request}: {decoded.reason}", status=self.status
                )
            fresh = fresh.merge(decoded)
        self.status = self.status.merge(fresh)
        return fresh

    def check(self) -> PrinterStatus:
        """Full status (DLE EOT 1–4).

        :raises PrintJobError: the typed fault when the printer cannot print.
        """
        status = self.query()
        error = fault_error(status)
        if error is not None:
            raise error
        return status

    def poll(self, *, stalled: bool = False) -> None:
        """Cheap check between bands: DLE EOT 1, and the full status when it says offline.

        :raises PrintJobError: the typed fault.
        """
        if self.blind:
            return
        if self.query((1,), stalled=stalled).online is False:
            status = self.query(stalled=True)
            raise fault_error(status) or PrinterOfflineError("printer is offline", status=status)

    # --- data -------------------------------------------------------------------------------

    @property
    def chunk(self) -> int:
        """Bytes per fenced block."""
        return self.config.chunk or max(256, self.buffer_size // 4)

    def send(self, commands: Sequence[Command]) -> None:
        """Send commands with flow control: blocks of whole commands, each fenced (see the module doc).

        A single command larger than :attr:`chunk` goes out as a block of its own.

        :raises PrintJobError: a fault seen while waiting, a timeout or garbage on the link.
        """
        block = bytearray()
        for cmd in commands:
            data = cmd.encode()
            if block and len(block) + len(data) > self.chunk:
                self.send_block(bytes(block))
                block.clear()
            block += data
        if block:
            self.send_block(bytes(block))

    def send_block(self, data: bytes) -> None:
        """Send one block of whole commands followed by a fence (no fence on a blind link).

        :raises PrintJobError: a fault seen while waiting, a timeout or garbage on the link.
        """
        self._wait_fences(self.config.window - 1)
        if self.blind:
            self._write_flow(data)
            return
        # Registered before the first byte leaves: its look-alikes may be answered mid-write.
        self._blocks.append(len(_STATUS_REQUEST.findall(data)))
        self._write_flow(data + fence().encode())

    def drain(self) -> None:
        """Wait until the printer has processed everything sent so far.

        :raises PrintJobError: a fault seen while waiting, a timeout or garbage on the link.
        """
        self._wait_fences(0)

    # --- internals --------------------------------------------------------------------------

    def _write_raw(self, data: bytes) -> None:
        self.transport.write(data)
        self.bytes_sent += len(data)

    def _write_flow(self, data: bytes) -> None:
        cfg = self.config
        for off in range(0, len(data), cfg.piece):
            self._pump(0)
            if self._xoff:
                # Between blocks we may ask DLE EOT; inside one it would land in the command's data.
                self._wait_xon(may_poll=off == 0)
            self._write_raw(data[off : off + cfg.piece])

    def _wait_xon(self, *, may_poll: bool) -> None:
        cfg = self.config
        start = last_poll = self._clock()
        while self._xoff:
            self._pump(cfg.poll_interval)
            now = self._clock()
            if may_poll and self._xoff and now - last_poll >= cfg.poll_interval:
                self.poll(stalled=True)
                last_poll = now
            if now - start > cfg.progress_timeout:
                raise PrinterTimeoutError(
                    f"printer held XOFF for {cfg.progress_timeout} s", status=self.status
                )

    @property
    def _fences(self) -> int:
        return len(self._blocks)

    def _settle(self, stalled: bool) -> None:
        """Let replies a byte-scanning printer makes to look-alikes in our data arrive before we ask.

        A block's look-alikes are answered on reception, before its fence, so a progressing printer
        settles when those fences are in.  A stalled one sends no fences; then a quiet spell means it
        has received, and answered, all we sent (the credit window leaves it room to receive).
        """
        deadline = self._clock() + self.config.status_timeout
        while any(self._blocks) and self._clock() < deadline:
            before = (len(self._blocks), sum(self._blocks))
            self._pump(self.config.quiet)
            if stalled and (len(self._blocks), sum(self._blocks)) == before:
                break
        for i in range(len(self._blocks)):
            self._blocks[i] = 0

    def _wait_fences(self, max_pending: int) -> None:
        if self.blind:
            return
        cfg = self.config
        last_progress = last_poll = self._clock()
        while self._fences > max_pending:
            before = self._fences
            self._pump(cfg.poll_interval)
            now = self._clock()
            if self._fences < before:
                last_progress = now
                continue
            if now - last_poll >= cfg.poll_interval:
                self.poll(stalled=True)
                last_poll = now
            if now - last_progress > cfg.progress_timeout:
                raise PrinterTimeoutError(
                    f"printer online but made no progress for {cfg.progress_timeout} s", status=self.status
                )

    def _await_realtime(self, count: int) -> list[int]:
        deadline = self._clock() + self.config.status_timeout
        while len(self._realtime) < count:
            remaining = deadline - self._clock()
            if remaining <= 0:
                self._expect_realtime = 0
                self._realtime.clear()
                raise PrinterTimeoutError(
                    f"no status reply within {self.config.status_timeout} s", status=self.status
                )
            self._pump(remaining)
        return [self._realtime.popleft() for _ in range(count)]

    def discard_input(self) -> None:
        """Drop whatever the printer sent before we asked anything (stale replies, ASB)."""
        self._discard_input()

    def _discard_input(self) -> None:
        while self.transport.read(_READ, self.config.quiet):
            pass
        self._decoder = InboundDecoder()
        self._xoff = False

    def _pump(self, timeout: float) -> None:
        data = self.transport.read(_READ, timeout)
        for event in self._decoder.feed(data):
            self._handle(event)

    def _handle(self, event: InboundEvent) -> None:
        if isinstance(event, FlowControl):
            self._xoff = event.xoff
        elif isinstance(event, RealtimeReply):
            if self._expect_realtime > 0:
                self._expect_realtime -= 1
                self._realtime.append(event.byte)
            elif any(self._blocks):
                self._absorb_lookalike_reply()
            else:
                raise StatusProtocolError(f"unsolicited status byte 0x{event.byte:02x}", status=self.status)
        elif isinstance(event, TransmitReply):
            if not self._blocks:
                raise StatusProtocolError(
                    f"unexpected byte 0x{event.byte:02x} on the link", status=self.status
                )
            self._blocks.popleft()  # acknowledged: any look-alike replies of it came before
            self._merge(decode_transmit_status(1, event.byte))
        elif isinstance(event, AsbReply):
            self._merge(decode_asb(event.data))
        elif isinstance(event, GarbageByte):
            raise StatusProtocolError(f"garbage byte 0x{event.byte:02x} from the printer", status=self.status)

    def _absorb_lookalike_reply(self) -> None:
        for i, count in enumerate(self._blocks):
            if count:
                self._blocks[i] = count - 1
                return

    def _merge(self, decoded: PrinterStatus | InvalidStatus) -> None:
        if isinstance(decoded, InvalidStatus):
            raise StatusProtocolError(
                f"invalid {decoded.request} reply {decoded.data.hex()}", status=self.status
            )
        self.status = self.status.merge(decoded)
