"""What the console and the metrics read besides the fleet: issuance counts and the CRL's age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from sqlalchemy import Engine, func, select

from server_stub.store import municipalities, orders

__all__ = ["CrlState", "Issuance", "crl_state", "issuance"]


@dataclass(frozen=True)
class Issuance:
    by_municipality: list[tuple[str, str, int]]  # (code, name, documents issued)
    by_hour: list[tuple[int, int]]  # (hour start, epoch seconds; documents issued), oldest first
    by_state: dict[str, int]  # orders by state (ordered, issued, printed, failed)


def issuance(engine: Engine, now: float, hours: int = 24) -> Issuance:
    """Documents issued (orders ``issued`` or ``printed``, counted in copies) per municipality, per hour
    over the last ``hours``, and orders per state."""
    import json

    done = orders.c.state.in_(("issued", "printed"))
    start = (int(now) // 3600 - hours + 1) * 3600
    with engine.connect() as conn:
        names = {r.code: json.loads(r.data).get("name", r.code) for r in conn.execute(select(municipalities))}
        per_m = conn.execute(
            select(orders.c.municipality, func.sum(orders.c.copies))
            .where(done)
            .group_by(orders.c.municipality)
        ).all()
        times = conn.execute(
            select(orders.c.issued_at, orders.c.copies).where(done, orders.c.issued_at >= start)
        ).all()
        states = conn.execute(select(orders.c.state, func.count()).group_by(orders.c.state)).all()
    buckets = dict.fromkeys(range(start, start + hours * 3600, 3600), 0)
    for at, copies in times:
        h = int(at) // 3600 * 3600
        if h in buckets:
            buckets[h] += int(copies)
    return Issuance(
        sorted(((c, str(names.get(c, c)), int(n or 0)) for c, n in per_m), key=lambda x: (-x[2], x[0])),
        sorted(buckets.items()),
        {str(s): int(n) for s, n in states},
    )


@dataclass(frozen=True)
class CrlState:
    age: float  # seconds since thisUpdate
    stale: bool  # past nextUpdate (the center then refuses every authentication)
    next_update: dt.datetime | None


def crl_state(data_dir: Path, now: float) -> CrlState:
    """The user-authentication CRL the center checks (``pki/auth-crl.pem``); unreadable counts as stale."""
    try:
        crl = x509.load_pem_x509_crl((data_dir / "pki" / "auth-crl.pem").read_bytes())
    except (OSError, ValueError):
        return CrlState(float("inf"), True, None)
    nxt = crl.next_update_utc
    return CrlState(now - crl.last_update_utc.timestamp(), nxt is None or now > nxt.timestamp(), nxt)
