"""What the center knows about a resident: the J-LIS side of the card, and the session's scope.

J-LIS issues the JPKI user certificate, so it knows which resident id and residence municipality a
certificate serial belongs to (``card_certs``), and nothing else of the registry: names, households,
eligibility and fees come from the municipality (``POST /m1/eligibility``, docs/center.md "Tiers").
The statements here are the only ones the center's routes use to find a resident; none of them reads
a registry table (tests/integration/center/test_center_no_registry.py drops them and issues).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, inspect, select, text

from server_stub.store import card_certs, orders, sessions

__all__ = [
    "CARD_HOLDER",
    "ORDER_LOCKED_SESSION",
    "ORDER_SESSION",
    "Scope",
    "ensure_card_municipality",
    "scope_json",
]

# Certificate serial → (resident id, residence municipality): the J-LIS mapping from issuing the card.
CARD_HOLDER = select(card_certs.c.resident_id, card_certs.c.municipality).where(
    card_certs.c.serial == bindparam("serial"), card_certs.c.kind == "auth"
)
_ORDER_WITH_SESSION = (
    select(
        orders,
        sessions.c.kiosk_id.label("s_kiosk_id"),
        sessions.c.expires_at.label("s_expires_at"),
        sessions.c.municipalities.label("s_scope"),
    )
    .select_from(orders.outerjoin(sessions, sessions.c.session_id == orders.c.session_id))
    .where(orders.c.order_id == bindparam("oid"))
)
ORDER_SESSION = _ORDER_WITH_SESSION
# The issuing transaction's first statement: the order row locked (PostgreSQL; FOR UPDATE OF orders
# only), its session's owner, expiry and scope (the holder's name the documents must show).
ORDER_LOCKED_SESSION = _ORDER_WITH_SESSION.with_for_update(of=orders)


@dataclass(frozen=True)
class Scope:
    """A session's scope (``sessions.municipalities``): the municipalities it may order from, with
    their relation and whether they answered at authentication, and the holder's registered name."""

    municipalities: dict[str, tuple[str, bool]]
    holder: str | None

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        raw: Any = json.loads(text) if text else {}
        if isinstance(raw, list):  # a session opened before the tiers: [[code, relation], ...]
            return cls({str(c): (str(r), True) for c, r in raw}, None)
        munis = {str(c): (str(r), bool(ok)) for c, r, ok in raw.get("m", [])}
        holder = raw.get("holder")
        return cls(munis, holder if isinstance(holder, str) else None)


def scope_json(entries: list[tuple[str, str, bool]], holder: str | None) -> str:
    """What ``sessions.municipalities`` stores: ``{"m": [[code, relation, answered]], "holder"}``."""
    return json.dumps({"m": [list(e) for e in entries], "holder": holder}, ensure_ascii=False)


def ensure_card_municipality(engine: Engine) -> bool:
    """A data dir made before the tiers gets ``card_certs.municipality`` once, filled from its registry
    (the last time the center reads one); True when the column was added."""
    insp = inspect(engine)
    if "municipality" in {c["name"] for c in insp.get_columns("card_certs")}:
        return False
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE card_certs ADD COLUMN municipality VARCHAR(6)"))
        if insp.has_table("residents"):
            conn.execute(
                text(
                    "UPDATE card_certs SET municipality = (SELECT r.municipality FROM residents r "
                    "WHERE r.resident_id = card_certs.resident_id)"
                )
            )
    return True
