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

__all__ = ["Handshakes", "Limits", "Slots", "return_freed_memory"]


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
        n = self.per_peer.get(peer, 1) - 1
        if n:
            self.per_peer[peer] = n
        else:
            self.per_peer.pop(peer, None)
        if self.waiting:
            async with self._freed:
                self._freed.notify_all()


def return_freed_memory() -> None:
    """Make glibc give freed TLS buffers back to the OS (docs/center.md "Memory per connection").

    asyncio's TLS layer allocates a 256 KiB buffer per connection.  glibc serves such blocks by mmap
    only until the first one is freed: its *dynamic* mmap threshold then rises above 256 KiB and later
    buffers come from the heap, which fragments and is never returned (RSS stayed at +280 MiB after
    1,000 connections closed).  Pinning the threshold keeps every such buffer an mmap of its own,
    unmapped when its connection closes.  A no-op where the C library is not glibc.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_mmap_threshold = -3
    mallopt(m_mmap_threshold, 128 * 1024)
