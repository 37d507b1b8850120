"""The virtual card's link to pcscd's vpcd driver (vsmartcard ``virtualsmartcard/src/vpcd``).

Protocol, as vpcd.c implements it: the driver *listens* (one port per reader: "Virtual PCD 00 00"
on 35963, "Virtual PCD 00 01" on 35964 with Debian's reader.conf) and the card *connects*.  Every
message either way is a 2-byte big-endian length and the payload.  A 1-byte payload from the driver
is a control code: 0x00 power off, 0x01 power on, 0x02 reset (no answer to any of these), 0x04 get
ATR (answer the ATR).  Anything longer is a command APDU, answered with the response APDU.  The
driver polls presence by asking for the ATR; when the socket closes it reports the card removed.
So ``remove()`` closes the connection and ``insert()`` opens it again.

``FrameDecoder`` and ``VpcdSession`` are sans-IO; ``VpcdLink`` owns the socket and a thread, and
reconnects when pcscd restarts.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from card.errors import VpcdLinkError

__all__ = [
    "CTRL_ATR",
    "CTRL_OFF",
    "CTRL_ON",
    "CTRL_RESET",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "FrameDecoder",
    "Throttle",
    "VirtualCard",
    "VpcdLink",
    "VpcdSession",
    "encode_frame",
    "parse_hostport",
    "reader_name_for_port",
]

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963  # VPCDPORT in vpcd.h; 0x8C7B in Debian's /etc/reader.conf.d/vpcd
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04
MAX_FRAME = 0xFFFF
FRAME_TIMEOUT = 5.0  # once a frame has started, the rest must arrive within this


def reader_name_for_port(port: int) -> str:
    """PC/SC reader name Debian's vpcd gives the slot on ``port`` ("Virtual PCD 00 00" for 35963)."""
    return f"Virtual PCD 00 {port - DEFAULT_PORT:02d}"


def parse_hostport(text: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """``HOST:PORT``, ``HOST`` or ``PORT`` → (host, port).

    :raises ValueError: when the port is not 0..65535.
    """
    if ":" in text:
        host, port_text = text.rsplit(":", 1)
    elif text.isdigit():
        host, port_text = "", text
    else:
        host, port_text = text, str(default_port)
    port = int(port_text)
    if not 0 <= port < 65536:
        raise ValueError(f"port out of range: {port}")
    return host or DEFAULT_HOST, port


def encode_frame(payload: bytes) -> bytes:
    """Length-prefix ``payload`` (2 bytes, big endian).

    :raises VpcdLinkError: when the payload is longer than 65535 bytes.
    """
    if len(payload) > MAX_FRAME:
        raise VpcdLinkError(f"vpcd frame too long ({len(payload)} bytes)")
    return len(payload).to_bytes(2, "big") + payload


def _quickack(sock: socket.socket) -> None:
    # Debian's vpcd (3.3) writes the 2-byte length and the payload with two send() calls; with Nagle
    # on its side, the payload waits for our ACK of the length, which Linux delays by ~40 ms.  ACK at
    # once (TCP_QUICKACK is reset by the kernel after each recv, so set it every time).  Measured:
    # 48 ms -> 0.1 ms per APDU through pcscd (bench/card.py).
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class FrameDecoder:
    """Splits a byte stream into vpcd frames; feed it whatever ``recv`` returned."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> bool:
        """True while a frame has started but not finished."""
        return bool(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        frames: list[bytes] = []
        while len(self._buf) >= 2:
            size = int.from_bytes(self._buf[:2], "big")
            if len(self._buf) < 2 + size:
                break
            frames.append(bytes(self._buf[2 : 2 + size]))
            del self._buf[: 2 + size]
        return frames


class VirtualCard(Protocol):
    """What the link needs from a card model."""

    atr: bytes

    def execute(self, apdu: bytes) -> bytes: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class Throttle:
    """Emulates a slow link (e.g. contactless at 212 kbit/s): per-APDU latency + bytes at a bit rate."""

    kbps: float
    latency_ms: float = 0.0

    def delay(self, nbytes: int) -> float:
        return self.latency_ms / 1000.0 + (nbytes * 8) / (self.kbps * 1000.0)


class VpcdSession:
    """Sans-IO: one vpcd payload in, the payload to answer (or ``None``) out."""

    def __init__(self, card: VirtualCard) -> None:
        self.card = card
        self.apdus = 0

    def handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code == CTRL_ATR:
                return self.card.atr
            if code in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                self.card.reset()
                return None
            log.warning("vpcd: unknown control code %02X ignored", code)
            return None
        if not payload:
            return None
        self.apdus += 1
        return self.card.execute(payload)


class VpcdLink:
    """Serves ``card`` to the vpcd slot at ``host:port`` from a background thread.

    The card starts inserted; ``remove()``/``insert()`` simulate taking it out and putting it back.
    When the driver goes away (pcscd stopped) the link retries every ``retry_interval`` seconds.
    """

    def __init__(self, card: VirtualCard, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 retry_interval: float = 0.2, throttle: Throttle | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.card = card
        self.host, self.port = host, port
        self.retry_interval = retry_interval
        self.throttle = throttle
        self._sleep = sleep
        self.session = VpcdSession(card)
        self._inserted = threading.Event()
        self._inserted.set()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._sock: socket.socket | None = None
        self._sock_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- control ----------------------------------------------------------------------------------------
    @property
    def inserted(self) -> bool:
        return self._inserted.is_set()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> VpcdLink:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"vpcd-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._inserted.set()  # wake the thread if it waits for insertion
        self._shutdown()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def remove(self) -> None:
        """Take the card out: close the connection; vpcd reports the card absent on its next poll."""
        self._inserted.clear()
        self._shutdown()

    def insert(self) -> None:
        """Put the card back: reconnect to vpcd (a fresh reset card, as after a real insertion)."""
        self._inserted.set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def __enter__(self) -> VpcdLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- thread -----------------------------------------------------------------------------------------
    def _shutdown(self) -> None:
        # Only shut down here (from any thread): the serving thread sees EOF and closes the socket
        # itself, so it never selects on a closed descriptor.
        with self._sock_lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def _close(self) -> None:
        with self._sock_lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _run(self) -> None:
        refused_logged = False
        while not self._stop.is_set():
            if not self._inserted.wait(0.5):
                continue
            if self._stop.is_set():
                break
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                if not refused_logged:
                    log.info("vpcd %s:%d not reachable (%s); retrying", self.host, self.port, exc)
                    refused_logged = True
                self._stop.wait(self.retry_interval)
                continue
            refused_logged = False
            with self._sock_lock:
                self._sock = sock
            if not self._inserted.is_set() or self._stop.is_set():
                self._close()
                continue
            self.card.reset()  # a freshly inserted card starts from reset
            self._connected.set()
            log.info("virtual card connected to vpcd %s:%d", self.host, self.port)
            try:
                self._serve(sock)
            except (OSError, VpcdLinkError) as exc:
                log.info("vpcd link %s:%d closed: %s", self.host, self.port, exc)
            finally:
                self._connected.clear()
                self._close()
                self.card.reset()

    def _serve(self, sock: socket.socket) -> None:
        decoder = FrameDecoder()
        started = 0.0
        sock.setblocking(False)
        while not self._stop.is_set():
            ready, _, _ = select.select([sock], [], [], 0.2)
            if not ready:
                if decoder.pending and time.monotonic() - started > FRAME_TIMEOUT:
                    raise VpcdLinkError("incomplete frame from vpcd")
                continue
            data = sock.recv(65536)
            _quickack(sock)
            if not data:
                return  # driver closed the connection (pcscd stopped)
            if not decoder.pending:
                started = time.monotonic()
            for frame in decoder.feed(data):
                answer = self.session.handle(frame)
                if answer is None:
                    continue
                if self.throttle is not None and len(frame) > 1:
                    self._sleep(self.throttle.delay(len(frame) + len(answer)))
                sock.settimeout(FRAME_TIMEOUT)  # bounded: a stuck driver ends the link, not the thread
                sock.sendall(encode_frame(answer))
                sock.setblocking(False)
