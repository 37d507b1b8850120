"""What the center forgets, and when (docs/center.md "Retention").

``purge`` deletes challenges and sessions some time after they expired and orders that were never
issued (abandoned before payment: nothing was charged, no document exists).  Orders that were issued
stay: they are money (charged, refunded) and the kiosk may still report their outcome.  Document rows
keep only the digest and the seal's metadata from ``complete`` on (server_stub/orders.py).  The times
come from ``center.json`` ``"retention"``; ``serve`` runs the purge every ``purge_interval_s``, the
``purge`` command on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete

from server_stub import audit
from server_stub.store import challenges, is_postgres, orders, sessions

__all__ = ["Retention", "purge"]


@dataclass(frozen=True)
class Retention:
    """Seconds each kind of row is kept past its expiry (orders: past creation)."""

    challenge_s: float = 3600.0
    session_s: float = 86400.0
    abandoned_order_s: float = 86400.0
    purge_interval_s: float = 300.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Retention:
        r = config.get("retention") or {}
        d = cls()
        return cls(
            challenge_s=float(r.get("challenge_s", d.challenge_s)),
            session_s=float(r.get("session_s", d.session_s)),
            abandoned_order_s=float(r.get("abandoned_order_s", d.abandoned_order_s)),
            purge_interval_s=float(r.get("purge_interval_s", d.purge_interval_s)),
        )


def purge(engine: Engine, now: float, retention: Retention) -> dict[str, int]:
    """Delete what is past its retention, in one transaction; counts per table (also audited)."""
    # engine.begin(), not dbexec.transaction: the row counts are needed (no pipelining), and a purge
    # is rare enough that its round trips do not matter.
    with engine.begin() as conn:
        counts = {
            "challenges": conn.execute(
                delete(challenges).where(challenges.c.expires_at < now - retention.challenge_s)
            ).rowcount,
            "sessions": conn.execute(
                delete(sessions).where(sessions.c.expires_at < now - retention.session_s)
            ).rowcount,
            "orders": conn.execute(
                delete(orders).where(
                    orders.c.state == "ordered", orders.c.created_at < now - retention.abandoned_order_s
                )
            ).rowcount,
        }
        if any(counts.values()):
            audit.append(
                conn, at=now, kiosk_id=None, event="purged", detail=counts, postgres=is_postgres(engine)
            )
    return counts
