"""Append-only audit log with a hash chain.

Each entry's hash is SHA-256 over the previous hash and the entry's canonical JSON, so deleting,
reordering or editing any entry breaks every later hash (checked by :func:`verify_chain`).  Appending
locks the single ``audit_head`` row (FOR UPDATE on PostgreSQL, in the one statement that also advances
the head and inserts the entry, hashing in the database; SQLite transactions are already exclusive),
which serializes appends across center processes.  Callers pass only ids and codes: never a
PIN, a My Number, a name, an address or a raw certificate.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, insert, select

from server_stub import queries as sql
from server_stub.dbexec import run, send
from server_stub.store import audit_head, audit_log, dumps

__all__ = ["GENESIS", "append", "init_head", "queue", "verify_chain"]

GENESIS = "0" * 64
FORBIDDEN_KEYS = frozenset({"pin", "my_number", "name", "address", "certificate", "furigana"})


def _entry_hash(prev: str, seq: int, at: float, kiosk_id: str | None, event: str, detail: str) -> str:  # noqa: PLR0917
    body = dumps({"seq": seq, "at": round(at, 6), "kiosk_id": kiosk_id, "event": event, "detail": detail})
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def _body_prefix(at: float, kiosk_id: str | None, event: str, detail: str) -> str:
    """The canonical body of :func:`_entry_hash` up to its sequence number, which sorts last."""
    head = dumps({"at": round(at, 6), "kiosk_id": kiosk_id, "event": event, "detail": detail})
    return head[:-1] + ',"seq":'


def init_head(conn: Connection) -> None:
    conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))


def _pg_params(at: float, kiosk_id: str | None, event: str, text: str) -> dict[str, Any]:
    return {
        "prefix": _body_prefix(at, kiosk_id, event, text),
        "at": round(at, 6),
        "kiosk_id": kiosk_id,
        "event": event,
        "detail": text,
    }


def _detail_text(detail: dict[str, Any]) -> str:
    bad = FORBIDDEN_KEYS & set(detail)
    if bad:
        raise ValueError(f"audit detail must not contain {sorted(bad)}")
    return dumps(detail)


def append(
    conn: Connection, *, at: float, kiosk_id: str | None, event: str, detail: dict[str, Any], postgres: bool
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number.

    :raises ValueError: when ``detail`` carries a key that would put personal data in the log.
    """
    text = _detail_text(detail)
    if postgres:
        # One statement: lock the head, advance it and insert the entry (queries.AUDIT_APPEND_PG).
        return int(run(conn, sql.AUDIT_APPEND_PG, _pg_params(at, kiosk_id, event, text)).scalar_one())
    return _append_sqlite(conn, at, kiosk_id, event, text)


def queue(
    conn: Connection, *, at: float, kiosk_id: str | None, event: str, detail: dict[str, Any], postgres: bool
) -> None:
    """:func:`append` without waiting for the sequence number: on PostgreSQL, inside
    dbexec.transaction, the entry travels with the transaction's other trailing writes.

    :raises ValueError: when ``detail`` carries a key that would put personal data in the log.
    """
    text = _detail_text(detail)
    if postgres:
        send(conn, sql.AUDIT_APPEND_PG, _pg_params(at, kiosk_id, event, text))
    else:
        _append_sqlite(conn, at, kiosk_id, event, text)


def _append_sqlite(conn: Connection, at: float, kiosk_id: str | None, event: str, text: str) -> int:
    row = run(conn, sql.AUDIT_HEAD).one()  # SQLite transactions are exclusive (BEGIN IMMEDIATE)
    seq, prev = int(row.seq) + 1, str(row.hash)
    h = _entry_hash(prev, seq, at, kiosk_id, event, text)
    entry = {"seq": seq, "at": round(at, 6), "kiosk_id": kiosk_id, "event": event, "detail": text}
    send(conn, sql.AUDIT_INSERT, entry | {"prev_hash": prev, "hash": h})
    send(conn, sql.AUDIT_HEAD_SET, {"seq": seq, "hash": h})
    return seq


def verify_chain(conn: Connection) -> int | None:
    """``None`` when the whole chain is intact, else the first sequence number that breaks it."""
    prev = GENESIS
    expected = 1
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)):
        if row.seq != expected or row.prev_hash != prev:
            return int(row.seq)
        if _entry_hash(prev, row.seq, row.at, row.kiosk_id, row.event, row.detail) != row.hash:
            return int(row.seq)
        prev, expected = row.hash, expected + 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    if head.seq != expected - 1 or head.hash != prev:
        return expected
    return None
