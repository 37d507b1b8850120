"""Connection admission of the HTTPS server: limits, the handshake pool, the established pool.

Sans-IO apart from aborting transports; used by :mod:`server_stub.httpserver` (which says in what order
they apply) and measured by bench/hostile.py.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections import OrderedDict
from dataclasses import dataclass

__all__ = [
    "TLS_READ_BUFFER",
    "Handshakes",
    "Limits",
    "Slots",
    "return_freed_memory",
    "shrink_tls_buffers",
    "trim_memory",
]

TLS_READ_BUFFER = 32 * 1024  # two full TLS records; asyncio's default is 256 KiB per connection


def shrink_tls_buffers() -> None:
    """Give every TLS connection of this process a 32 KiB read buffer instead of asyncio's 256 KiB.

    asyncio (3.11) allocates ``SSLProtocol.max_size`` bytes per connection up front and offers no
    parameter for it; the class attribute is the only handle.  A TLS record is at most 16 KiB, so
    32 KiB costs no extra system calls for this server's small requests, and an idle connection then
    costs about a fifth of the memory (docs/center.md "Memory per connection").  Called by ``serve``
    only: a process-wide setting, not something importing this module does.
    """
    import asyncio.sslproto

    asyncio.sslproto.SSLProtocol.max_size = TLS_READ_BUFFER


@dataclass(frozen=True)
class Limits:
    """Connection and time limits of one listener (``serve`` options; docs/center.md)."""

    max_connections: int = 1024
    max_per_peer: int = 128
    max_handshaking: int = 256
    max_handshaking_per_peer: int = 32
    max_waiting: int = 256
    slot_wait: float = 2.0
    handshake_timeout: float = 3.0
    request_timeout: float = 15.0  # a whole request (head and body) must arrive within this
    idle_timeout: float = 60.0  # keep-alive connections idle longer are closed


class Handshakes:
    """The handshake pool: bounded in total and per peer; when full, the oldest handshake is cut."""

    def __init__(self, total: int, per_peer: int) -> None:
        self.cap, self.cap_per_peer = total, per_peer
        self.active: OrderedDict[int, tuple[str, asyncio.WriteTransport]] = OrderedDict()
        self.per_peer: dict[str, int] = {}
        self.evicted = 0

    def admit(self, key: int, peer: str, transport: asyncio.WriteTransport) -> None:
        if self.per_peer.get(peer, 0) >= self.cap_per_peer:
            self._evict(next(k for k, (p, _t) in self.active.items() if p == peer))
        elif len(self.active) >= self.cap:
            self._evict(next(iter(self.active)))
        self.active[key] = (peer, transport)
        self.per_peer[peer] = self.per_peer.get(peer, 0) + 1

    def _forget(self, key: int) -> asyncio.WriteTransport | None:
        entry = self.active.pop(key, None)
        if entry is None:
            return None
        peer, transport = entry
        n = self.per_peer[peer] - 1
        if n:
            self.per_peer[peer] = n
        else:
            del self.per_peer[peer]
        return transport

    def _evict(self, key: int) -> None:
        transport = self._forget(key)
        if transport is not None:
            self.evicted += 1
            transport.abort()

    def done(self, key: int) -> None:
        """The handshake ended (either way); no-op for one that was cut."""
        self._forget(key)


class Slots:
    """Connection slots counted per peer address and in total, with a bounded wait."""

    def __init__(self, total: int, per_peer: int, limits: Limits) -> None:
        self.cap, self.cap_per_peer = total, per_peer
        self.limits = limits
        self.total = 0
        self.per_peer: dict[str, int] = {}
        self.waiting = 0
        self.refused = 0
        self.released = 0  # connections closed so far (serve trims memory after some closed)
        self._freed = asyncio.Condition()

    def _free(self, peer: str) -> bool:
        return self.total < self.cap and self.per_peer.get(peer, 0) < self.cap_per_peer

    def _take(self, peer: str) -> None:
        self.total += 1
        self.per_peer[peer] = self.per_peer.get(peer, 0) + 1

    async def acquire(self, peer: str) -> bool:
        if self._free(peer):
            self._take(peer)
            return True
        if self.waiting >= self.limits.max_waiting or self.limits.slot_wait <= 0:
            self.refused += 1
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(self.limits.slot_wait), self._freed:
                await self._freed.wait_for(lambda: self._free(peer))
                self._take(peer)
                return True
        except TimeoutError:
            self.refused += 1
            return False
        finally:
            self.waiting -= 1

    async def release(self, peer: str) -> None:
        self.total -= 1
        self.released += 1
        n = self.per_peer.get(peer, 1) - 1
        if n:
            self.per_peer[peer] = n
        else:
            self.per_peer.pop(peer, None)
        if self.waiting:
            async with self._freed:
                self._freed.notify_all()


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def return_freed_memory() -> None:
    """Make glibc give the buffers of closed connections back to the OS (docs/center.md).

    glibc serves large blocks by mmap only until the first one is freed: its *dynamic* mmap threshold
    then rises and later buffers come from the heap, which fragments and was never returned (RSS stayed
    at +280 MiB after 1,000 connections closed).  Pinning the threshold keeps large buffers mmaps of
    their own; :func:`trim_memory` returns the rest.  A no-op where the C library is not glibc.
    """
    libc = _libc()
    if libc is not None:
        m_mmap_threshold = -3
        libc.mallopt(m_mmap_threshold, 128 * 1024)


def trim_memory() -> None:
    """``malloc_trim(0)``: hand free heap pages back to the OS (``serve`` calls it every few seconds)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
