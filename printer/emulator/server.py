"""The emulator's links (TCP, pty), its print engine thread, its output files and control port.

Run it in-process (tests: ``Emulator(...)`` then ``serve_tcp()`` / ``serve_pty()``, all threads) or
as ``python -m printer.emulator``.  Output: ``DIR/NNNN.png`` + ``DIR/NNNN.json`` per cut;
aborted pages go to ``DIR/aborted/`` so that nothing lost mid-page ever looks like a finished print.
"""

from __future__ import annotations

import json
import logging
import os
import select
import socket
import threading
import time
import tty
from pathlib import Path
from typing import Any

from printer.emulator.control import ControlServer
from printer.emulator.model import Injection, PageRecord, PrinterModel
from printer.profiles import get_profile

__all__ = ["Emulator"]

log = logging.getLogger(__name__)
_TICK = 0.01


class _Throttle:
    """Hold reception to the line rate: 10 bits per byte (8N1) at ``baud``."""

    def __init__(self, baud: int | None) -> None:
        self.baud = baud
        self._next = time.monotonic()

    def chunk(self) -> int:
        return 4096 if not self.baud else max(8, self.baud // 1000)

    def took(self, n: int) -> None:
        if not self.baud:
            return
        now = time.monotonic()
        self._next = max(self._next, now - 0.05) + n * 10 / self.baud
        if self._next > now:
            time.sleep(self._next - now)


class Emulator:
    """An ESC/POS printer on TCP and/or a pty, with a fault-injection API and an HTTP control port."""

    def __init__(
        self,
        out_dir: str | Path,
        profile: str = "receipt-80-203",
        *,
        speed_mm_s: float = 0.0,
        baud: int | None = None,
        buffer_size: int | None = None,
        realtime_in_data: bool = True,
    ) -> None:
        """:raises printer.profiles.UnknownProfileError: for an unknown profile name."""
        prof = get_profile(profile)
        self.out_dir = Path(out_dir)
        (self.out_dir / "aborted").mkdir(parents=True, exist_ok=True)
        self.model = PrinterModel(
            prof,
            speed_mm_s=speed_mm_s,
            buffer_size=buffer_size or prof.receive_buffer,
            on_page=self._write_page,
            realtime_in_data=realtime_in_data,
        )
        self.baud = baud
        self.jobs: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._fds: list[int] = []
        self._links: list[str] = []
        self._control: ControlServer | None = None
        self.pty_path: str | None = None
        self.tcp_address: tuple[str, int] | None = None
        if speed_mm_s > 0:
            self._spawn(self._engine_loop, "emulator-engine")

    # --- test / control API -----------------------------------------------------------------

    def set_state(self, **flags: bool) -> None:
        """Set faults now (``paper_end``, ``paper_near_end``, ``cover_open``, ``cutter_error``, ...).

        :raises KeyError: on an unknown flag.
        """
        self.model.set_state(**flags)

    def inject(
        self, *, after_bytes: int | None = None, after_bands: int | None = None, **flags: bool
    ) -> None:
        """Set faults once N more bytes were processed or N more bands printed (mid-page)."""
        self.model.inject(Injection(dict(flags), after_bytes=after_bytes, after_bands=after_bands))

    def state(self) -> dict[str, Any]:
        return self.model.state()

    def printed(self) -> list[PageRecord]:
        with self.model.lock:
            return [p for p in self.model.pages if p.status == "printed"]

    def aborted(self) -> list[PageRecord]:
        with self.model.lock:
            return [p for p in self.model.pages if p.status == "aborted"]

    def wait_pages(self, count: int, timeout: float = 10.0) -> list[PageRecord]:
        """Wait until ``count`` pages were printed in total; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.printed()
            if len(done) >= count:
                return done
            time.sleep(_TICK)
        return self.printed()

    # --- links ------------------------------------------------------------------------------

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen for one connection at a time (port 9100 style); return the bound address."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(4)
        sock.settimeout(0.1)
        self._sockets.append(sock)
        address: tuple[str, int] = sock.getsockname()[:2]
        self.tcp_address = address
        self._spawn(lambda: self._tcp_loop(sock), "emulator-tcp")
        return address

    def serve_pty(self, path: str | Path) -> str:
        """Open a pty in raw mode, symlink its slave at ``path``; serial semantics (XON/XOFF)."""
        master, slave = os.openpty()
        tty.setraw(slave)
        link = Path(path)
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.ttyname(slave))
        self._fds += [master, slave]  # the slave stays open so the master never sees EIO
        self._links.append(str(link))
        self.model.serial = True
        self.pty_path = str(link)
        self._spawn(lambda: self._pty_loop(master), "emulator-pty")
        return str(link)

    def serve_control(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        self._control = ControlServer(self, host, port)
        return self._control.address

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        if self._control is not None:
            self._control.close()
        for s in self._sockets:
            s.close()
        for fd in self._fds:
            os.close(fd)
        for link in self._links:
            Path(link).unlink(missing_ok=True)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- loops ------------------------------------------------------------------------------

    def _spawn(self, target: Any, name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _engine_loop(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(_TICK):
            now = time.monotonic()
            self.model.step(now - last)
            last = now

    def _tcp_loop(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            log.info("connection from %s:%d", *peer[:2])
            with conn:
                self._serve_stream(conn)

    def _serve_stream(self, conn: socket.socket) -> None:
        throttle = _Throttle(self.baud)
        conn.setblocking(False)
        while not self._stop.is_set():
            out = self.model.take_outbound()
            if out:
                self._send(conn, out)
            free = self.model.buffer_free()
            # TCP backpressure: read only what the receive buffer can hold; the real-time layer
            # needs a few bytes of room, which the driver's credit window leaves (docs §3).
            ready, _, _ = select.select([conn] if free > 0 else [], [], [], _TICK)
            if not ready:
                if free <= 0:
                    time.sleep(_TICK)
                continue
            try:
                data = conn.recv(min(free, throttle.chunk()))
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            if not data:
                return
            throttle.took(len(data))
            self._send(conn, self.model.receive(data))

    def _send(self, conn: socket.socket, data: bytes) -> None:
        if not data:
            return
        try:
            conn.setblocking(True)
            conn.settimeout(2)
            conn.sendall(data)
        except OSError as e:
            log.info("reply lost: %s", e)
        finally:
            conn.setblocking(False)

    def _pty_loop(self, master: int) -> None:
        throttle = _Throttle(self.baud)
        full_since: float | None = None
        while not self._stop.is_set():
            out = self.model.take_outbound()
            if out:
                os.write(master, out)
            free = self.model.buffer_free()
            if free > 0:
                size, full_since = min(throttle.chunk(), free), None
            else:
                # Full: a serial printer still takes bytes off the line, to execute real-time commands
                # (Epson: DLE EOT works with a full buffer); data among them is lost.  Wait a little
                # first so that bytes the host sent before it saw our XOFF find room once we print.
                full_since = full_since or time.monotonic()
                if time.monotonic() - full_since < 0.05:
                    time.sleep(_TICK)
                    continue
                size = 16
            ready, _, _ = select.select([master], [], [], _TICK)
            if not ready:
                continue
            try:
                data = os.read(master, size)
            except OSError:
                time.sleep(_TICK)  # no reader on the slave side yet
                continue
            throttle.took(len(data))
            reply = self.model.receive(data)
            if reply:
                os.write(master, reply)

    # --- output -----------------------------------------------------------------------------

    def _write_page(self, record: PageRecord) -> None:
        folder = self.out_dir if record.status == "printed" else self.out_dir / "aborted"
        stem = folder / f"{record.number:04d}"
        if record.image is not None:
            record.image.save(stem.with_suffix(".png"))
        entry = {**record.summary(), "png": str(stem.with_suffix(".png").relative_to(self.out_dir))}
        doc = {**entry, "commands": record.commands, "skipped_commands": record.skipped}
        stem.with_suffix(".json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        self.jobs.append(entry)
