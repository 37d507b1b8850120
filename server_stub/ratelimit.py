"""Token buckets per client (a kiosk id, or a peer address on the public listener); sans-IO.

A kiosk in a retry loop, or an anonymous client hammering the public seal route, is told to back off
(429 ``rate_limited`` with ``retry_after``) instead of being served without bound.  The table of
buckets is itself bounded: past ``max_keys`` the least recently seen client is forgotten, which only
ever gives that client a full bucket again, never more than ``burst`` requests at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from server_stub.errors import RequestError

__all__ = ["RateLimiter", "rate_limited"]


@dataclass
class _Bucket:
    tokens: float
    at: float


def rate_limited(retry_after: float) -> RequestError:
    """The typed refusal; ``retry_after`` (whole seconds, at least 1) goes to the body and the header."""
    exc = RequestError(
        "要求が多すぎます。しばらく待ってから再試行してください / too many requests, back off",
        code="rate_limited",
        status=429,
    )
    exc.retry_after = max(1, int(retry_after + 0.999))
    return exc


class RateLimiter:
    """``rate`` requests per second sustained, ``burst`` at once, per key.  ``rate <= 0``: no limit."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 65536,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        b = self._buckets.get(key)
        if b is None:
            b = _Bucket(self.burst, now)
            self._buckets[key] = b
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            b.tokens = min(self.burst, b.tokens + (now - b.at) * self.rate)
            b.at = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) / self.rate
