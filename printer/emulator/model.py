"""The emulated printer: receive buffer, real-time layer, print engine, faults (no sockets here).

Structure follows docs/printing.md §3:

1. :meth:`PrinterModel.receive` is the receive path.  A :class:`~printer.escpos.parser.Framer`
   splits the stream at command boundaries; real-time commands (DLE EOT, DLE ENQ, DLE DC4) are
   executed at once — also while offline and while the buffer holds image data.  By default DLE EOT
   is also answered where ``10 04 n`` occurs *inside* image data, as byte-scanning printers do
   (HPRT809; ``realtime_in_data=False`` models a printer that parses first).  Everything
   else goes into a receive buffer of ``buffer_size`` bytes (4 KB).  On a serial link the printer
   sends XOFF when fewer than ``xoff_free`` bytes are free and XON at ``xon_free``; data arriving
   into a full buffer is lost (T88), as on a real printer.
2. The engine (:meth:`step`) takes bytes from the buffer at print speed (or all at once when the
   speed is 0), parses them and executes the commands on a :class:`PageRenderer`.  Each cut emits
   one finished page.  Offline (paper end, cover open, an error) the engine stops; GS r is then not
   answered, DLE EOT still is.
3. Going offline mid-page aborts the page: it is recorded as aborted and never emitted as a print.
   What is still in the buffer stays there, as in a real printer, until DLE DC4 8 (clear buffers)
   or DLE ENQ 2 discards it; otherwise it prints after recovery.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from printer.emulator.interpret import Interpreter
from printer.emulator.records import PageRecord, describe
from printer.emulator.render import PageRenderer
from printer.escpos import commands as c
from printer.escpos.parser import Framer, Parser
from printer.escpos.status import InvalidStatus, decode_asb, is_asb_rest, is_realtime_reply
from printer.profiles import PrinterProfile

__all__ = ["FAULT_FLAGS", "Injection", "PageRecord", "PrinterModel"]

log = logging.getLogger(__name__)
XON, XOFF = b"\x11", b"\x13"
_STATUS_REQUEST = re.compile(rb"\x10\x04[\x01-\x04]")
FAULT_FLAGS = (
    "paper_end", "paper_near_end", "cover_open", "cutter_error", "unrecoverable", "auto_recoverable",
)


@dataclass
class Injection:
    """Set ``flags`` once the engine has taken ``after_bytes`` more bytes or printed ``after_bands`` bands."""

    flags: dict[str, bool]
    after_bytes: int | None = None
    after_bands: int | None = None


@dataclass
class PrinterModel:
    profile: PrinterProfile
    speed_mm_s: float = 0.0
    serial: bool = False
    realtime_in_data: bool = True
    buffer_size: int = 4096
    xoff_free: int = 512
    xon_free: int = 2048
    on_page: Callable[[PageRecord], None] | None = None
    # status flags
    paper_end: bool = False
    paper_near_end: bool = False
    cover_open: bool = False
    cutter_error: bool = False
    unrecoverable: bool = False
    auto_recoverable: bool = False
    drawer: bool = False
    # test hooks: stop answering, or answer garbage
    mute: bool = False
    garbage_status: bool = False
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("bytes_received", "bytes_processed", "bytes_lost", "realtime", "status_answered", "skipped", "bands",
         "pages_printed", "pages_aborted", "xoff_sent"), 0))
    pages: list[PageRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        # Thresholds scale down with a small buffer (tests use 1 KB to provoke XOFF); XOFF leaves room
        # for what the host sends before it sees the XOFF (one write of up to 256 bytes).
        self.xoff_free = min(self.xoff_free, self.buffer_size // 2)
        self.xon_free = min(self.xon_free, self.buffer_size * 3 // 4)
        self._framer = Framer()
        self._parser = Parser()
        self._buffer = bytearray()
        self._ready: deque[c.Command] = deque()
        self._out = bytearray()
        self._renderer = PageRenderer(self.profile.width_dots, self.profile.dpi)
        self._log: list[dict[str, Any]] = []
        self._interp = Interpreter(self._renderer, self._reply)
        self._asb_mask = 0
        self._asb_last: bytes | None = None
        self._xoff = False
        self._injections: list[Injection] = []
        self._budget = 0.0
        self._page_no = 0
        self._scan_carry = b""

    # --- status -----------------------------------------------------------------------------

    @property
    def error(self) -> bool:
        return self.cutter_error or self.unrecoverable or self.auto_recoverable

    @property
    def online(self) -> bool:
        return not (self.paper_end or self.cover_open or self.error)

    def realtime_byte(self, n: int) -> int:
        """The DLE EOT n reply derived from the flags (docs/printing.md §3 "Faults")."""
        if n == 1:
            byte = 0x12 | self.drawer << 2 | (not self.online) << 3
        elif n == 2:
            byte = 0x12 | self.cover_open << 2 | self.paper_end << 5 | self.error << 6
        elif n == 3:
            byte = 0x12 | self.cutter_error << 3 | self.unrecoverable << 5 | self.auto_recoverable << 6
        else:
            byte = 0x12 | 0x0C * (self.paper_near_end or self.paper_end) | 0x60 * self.paper_end
        assert is_realtime_reply(byte)  # our own replies keep 0xx1xx10 (docs §3)
        return byte

    def asb_bytes(self) -> bytes:
        b1 = 0x10 | self.drawer << 2 | (not self.online) << 3 | self.cover_open << 5
        b2 = self.cutter_error << 3 | self.unrecoverable << 5 | self.auto_recoverable << 6
        b3 = 0x03 * (self.paper_near_end or self.paper_end) | 0x0C * self.paper_end
        data = bytes([b1, b2, b3, 0])
        assert not isinstance(decode_asb(data), InvalidStatus)  # 0**1**00 / 0**0****
        return data

    def paper_byte(self) -> int:
        byte = 0x03 * (self.paper_near_end or self.paper_end) | 0x0C * self.paper_end
        assert is_asb_rest(byte)
        return byte

    def state(self) -> dict[str, Any]:
        with self.lock:
            flags = {name: getattr(self, name) for name in FAULT_FLAGS}
            return {
                **flags, "online": self.online, "drawer": self.drawer, "profile": self.profile.name,
                "buffer_used": len(self._buffer), "buffer_size": self.buffer_size, "xoff": self._xoff,
                "asb_mask": self._asb_mask, "page_in_progress": self._page_in_progress(),
                **self.counters,
            }

    def set_state(self, **flags: bool) -> None:
        """Set fault flags (names in :data:`FAULT_FLAGS`, or ``drawer``).

        :raises KeyError: on an unknown flag name.
        """
        with self.lock:
            was_online = self.online
            for name, value in flags.items():
                if name not in (*FAULT_FLAGS, "drawer"):
                    raise KeyError(name)
                setattr(self, name, bool(value))
            if was_online and not self.online:
                self._abort_page(self._fault_reason())
            self._maybe_asb()
            if self.online and self.speed_mm_s == 0:
                self._run(len(self._buffer))

    def inject(self, injection: Injection) -> None:
        """Arm a fault that fires mid-stream (after N more bytes processed or bands printed)."""
        with self.lock:
            self._injections.append(injection)
            self._fire_due()

    def _fault_reason(self) -> str:
        for name in ("cover_open", "paper_end", "cutter_error", "unrecoverable", "auto_recoverable"):
            if getattr(self, name):
                return name
        return "offline"

    # --- receive path -----------------------------------------------------------------------

    def buffered(self) -> bytes:
        """A copy of what waits in the receive buffer (tests check nothing of an aborted job is left)."""
        with self.lock:
            return bytes(self._buffer)

    def buffer_free(self) -> int:
        with self.lock:
            return self.buffer_size - len(self._buffer)

    def receive(self, data: bytes) -> bytes:
        """Bytes from the host; returns what the printer sends back now (replies, XOFF, ASB)."""
        with self.lock:
            self.counters["bytes_received"] += len(data)
            if self.realtime_in_data:
                self._scan_status_requests(data)
            for item in self._framer.feed(data):
                if isinstance(item, bytes):
                    self._accept(item)
                else:
                    self._realtime(item)
            if self.speed_mm_s == 0:
                self._run(len(self._buffer))
            self._flow()
            return self.take_outbound()

    def take_outbound(self) -> bytes:
        with self.lock:
            out = bytes(self._out)
            self._out.clear()
            return out

    @property
    def outbound_pending(self) -> int:
        """Bytes the printer has yet to put on the link."""
        with self.lock:
            return len(self._out)

    def send_raw(self, data: bytes) -> None:
        """Test hook: put arbitrary bytes (garbage) on the link."""
        with self.lock:
            self._out += data

    def _scan_status_requests(self, data: bytes) -> None:
        """Answer every ``10 04 n`` in the raw bytes, wherever it is (the bytes stay in the stream)."""
        window = self._scan_carry + data
        for match in _STATUS_REQUEST.finditer(window):
            if match.end() > len(self._scan_carry):
                self._answer_status(window[match.end() - 1])
        self._scan_carry = window[-2:]

    def _answer_status(self, n: int) -> None:
        self.counters["status_answered"] += 1
        self._reply(bytes([0xFF if self.garbage_status else self.realtime_byte(n)]))

    def _accept(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            room = self.buffer_size - len(self._buffer)
            if room == 0 and self.speed_mm_s == 0 and self.online:
                self._run(len(self._buffer))  # an infinitely fast printer empties its buffer at once
                room = self.buffer_size - len(self._buffer)
            if room == 0:
                self.counters["bytes_lost"] += len(view)
                log.warning("receive buffer full: %d bytes lost", len(view))
                return
            self._buffer += view[:room]
            view = view[room:]

    def _reply(self, data: bytes) -> None:
        if not self.mute:
            self._out += data

    def _realtime(self, cmd: c.Command) -> None:
        self.counters["realtime"] += 1
        if isinstance(cmd, c.RealtimeStatus):
            if not self.realtime_in_data:  # otherwise the byte scan has answered it already
                self._answer_status(cmd.n)
        elif isinstance(cmd, c.RealtimeClearBuffers):
            self._clear_buffers("cleared by DLE DC4 8")
        elif isinstance(cmd, c.RealtimeRequest):
            self.cutter_error = self.auto_recoverable = False
            if cmd.n == 2:
                self._clear_buffers("cleared by DLE ENQ 2")
            self._maybe_asb()
        else:
            log.info("real-time %s", describe(cmd))

    def _clear_buffers(self, reason: str) -> None:
        self._buffer.clear()
        self._parser.reset()
        self._ready.clear()
        self._interp.graphics = None
        self._abort_page(reason)

    def _flow(self) -> None:
        if not self.serial:
            return
        free = self.buffer_size - len(self._buffer)
        if not self._xoff and free < self.xoff_free:
            self._xoff = True
            self.counters["xoff_sent"] += 1
            self._out += XOFF
        elif self._xoff and free >= self.xon_free:
            self._xoff = False
            self._out += XON

    def _maybe_asb(self) -> None:
        if not self._asb_mask:
            return
        data = self.asb_bytes()
        if data != self._asb_last:
            self._asb_last = data
            self._reply(data)

    # --- engine -----------------------------------------------------------------------------

    def bytes_per_second(self) -> float:
        if self.speed_mm_s <= 0:
            return float("inf")
        rows = self.speed_mm_s / self.profile.dot_mm
        return rows * self.profile.width_bytes

    def step(self, seconds: float) -> None:
        """Run the engine for ``seconds`` of print time (used when the speed is finite)."""
        with self.lock:
            self._budget = min(self._budget + seconds * self.bytes_per_second(), float(self.buffer_size))
            take = int(self._budget)
            if take and self.online:
                self._budget -= self._run(take)
            self._flow()

    def _run(self, limit: int) -> int:
        """Process up to ``limit`` buffered bytes while online; return how many were taken."""
        taken = 0
        self._execute_ready()
        while self.online and self._buffer and taken < limit:
            n = min(limit - taken, len(self._buffer), 4096)
            injection = self._next_byte_injection()
            if injection is not None and injection.after_bytes is not None:
                n = min(n, injection.after_bytes)
            chunk = bytes(self._buffer[:n])
            del self._buffer[:n]
            taken += n
            self.counters["bytes_processed"] += n
            self._count_bytes(n)
            self._ready.extend(self._parser.feed(chunk))
            self._execute_ready()
            self._fire_due()
        self._flow()
        return taken

    def _next_byte_injection(self) -> Injection | None:
        pending = [i for i in self._injections if i.after_bytes is not None]
        return min(pending, key=lambda i: i.after_bytes or 0) if pending else None

    def _count_bytes(self, n: int) -> None:
        for inj in self._injections:
            if inj.after_bytes is not None:
                inj.after_bytes -= n

    def _fire_due(self) -> None:
        due = [i for i in self._injections if (i.after_bytes is not None and i.after_bytes <= 0)
               or (i.after_bands is not None and i.after_bands <= 0)]
        for inj in due:
            self._injections.remove(inj)
            log.info("injected fault %s", inj.flags)
            self.set_state(**inj.flags)

    def _execute_ready(self) -> None:
        while self.online and self._ready:
            cmd = self._ready.popleft()
            self._execute(cmd)
            self._fire_due()

    def _execute(self, cmd: c.Command) -> None:
        r = self._renderer
        if not isinstance(cmd, c.Text | c.LineFeed | c.Unknown):
            self._log.append(describe(cmd))
        if not isinstance(cmd, c.Unknown):
            self._interp.last_unknown = False  # anything in between ends a run of garbage
        if isinstance(cmd, c.Text):
            r.text(cmd.data)
        elif isinstance(cmd, c.LineFeed):
            r.newline()
        elif isinstance(cmd, c.PrintAndFeed):
            r.newline(cmd.n * r.unit)
        elif isinstance(cmd, c.PrintAndFeedLines):
            for _ in range(cmd.n):
                r.newline()
        elif isinstance(cmd, c.RasterImage | c.ColumnImage):
            self._image(cmd)
        elif isinstance(cmd, c.Graphics):
            stored = self._interp.graphics is not None
            self._interpret(cmd)
            if cmd.fn == 50 and stored:
                self._band_done()
        elif isinstance(cmd, c.Cut):
            if cmd.feed:
                r.newline(cmd.feed * r.unit)
            self._finish_page()
        elif isinstance(cmd, c.Initialize):
            self._abort_page("discarded by ESC @")
            r.reset_modes()
            self._interp.reset()
            self._asb_mask = 0
        elif isinstance(cmd, c.TransmitStatus):
            self._reply(bytes([self.paper_byte() if cmd.n in (1, 49) else self.drawer]))
        elif isinstance(cmd, c.AsbEnable):
            self._asb_mask = cmd.n
            self._asb_last = None
            self._maybe_asb()
        else:
            self._mode(cmd)

    def _mode(self, cmd: c.Command) -> None:
        r, st = self._renderer, self._renderer.state
        if isinstance(cmd, c.SetMotionUnits):
            r.set_motion_units(cmd.y)
        elif isinstance(cmd, c.SetLineSpacing):
            r.line_spacing = cmd.n * r.unit
        elif isinstance(cmd, c.DefaultLineSpacing):
            r.line_spacing = round(self.profile.dpi / 6)
        elif isinstance(cmd, c.Justify):
            st.justify = cmd.n % 48
        elif isinstance(cmd, c.CharacterSize):
            st.size_w, st.size_h = min(8, (cmd.n >> 4) + 1), min(8, (cmd.n & 7) + 1)
        elif isinstance(cmd, c.SelectCharset):
            st.charset = cmd.n
        elif isinstance(cmd, c.SelectCodeTable):
            st.code_table = cmd.n
        elif isinstance(cmd, c.KanjiCode):
            st.kanji_code = cmd.n % 48
        elif isinstance(cmd, c.KanjiModeOn | c.KanjiModeOff):
            st.kanji_mode = isinstance(cmd, c.KanjiModeOn)
        else:
            self._interpret(cmd)

    def _interpret(self, cmd: c.Command) -> None:
        """Print modes, graphics functions, symbols; whatever is not emulated is recorded as skipped."""
        before = self._interp.skip_count
        if not self._interp.execute(cmd):
            self._interp.skip(cmd, "not emulated")
        self.counters["skipped"] += self._interp.skip_count - before

    def _image(self, cmd: c.RasterImage | c.ColumnImage) -> None:
        r = self._renderer
        if isinstance(cmd, c.RasterImage):
            r.raster(cmd.width_bytes, cmd.height, cmd.data, cmd.mode)
            self._band_done()
        else:
            r.column(cmd.mode, cmd.columns, cmd.data)

    def _band_done(self) -> None:
        self.counters["bands"] += 1
        for inj in self._injections:
            if inj.after_bands is not None:
                inj.after_bands -= 1

    # --- pages ------------------------------------------------------------------------------

    def _page_in_progress(self) -> bool:
        return self._renderer.has_content

    def _finish_page(self) -> None:
        if not self._renderer.has_content:
            self._log.clear()
            return
        image, text = self._renderer.finish()
        self._emit("printed", None, image, text)

    def _abort_page(self, reason: str) -> None:
        if not self._renderer.has_content:
            return
        image, text = self._renderer.finish()
        self._emit("aborted", reason, image, text)

    def _emit(self, status: str, reason: str | None, image: Image.Image, text: list[str]) -> None:
        self._page_no += 1
        record = PageRecord(
            self._page_no, status, reason, image, text, list(self._log), image.height,
            list(self._interp.skipped),
        )
        self._log.clear()
        self._interp.skipped.clear()
        self.counters["pages_printed" if status == "printed" else "pages_aborted"] += 1
        self.pages.append(record)
        del self.pages[:-100]  # keep memory bounded in long runs; pages are on disk
        log.info("page %d %s%s", record.number, status, f" ({reason})" if reason else "")
        if self.on_page is not None:
            self.on_page(record)

