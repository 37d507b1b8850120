"""A municipal issuance server's own storage: its registry and the requests it has answered.

The registry tables have the center stub's shapes (server_stub/store.py); ``municipal_requests``
makes the protocol idempotent on the center's request id, across every process on one database.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, Text, insert, select

from server_stub.store import (
    honseki_registrations,
    koseki,
    municipalities,
    residents,
    seal_registrations,
    tax_records,
)

__all__ = ["REGISTRY_TABLES", "copy_registry", "create_tables", "requests"]

REGISTRY_TABLES = (municipalities, residents, honseki_registrations, koseki, tax_records, seal_registrations)

own = MetaData()
requests = Table(
    "municipal_requests",
    own,
    Column("request_id", String(64), primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("answer", Text, nullable=False),
    Column("answered_at", Float, nullable=False),
)


def create_tables(engine: Engine) -> None:
    for t in REGISTRY_TABLES:
        t.drop(engine, checkfirst=True)
    requests.drop(engine, checkfirst=True)
    for t in REGISTRY_TABLES:
        t.create(engine)
    requests.create(engine)


def copy_registry(source: Engine, target: Engine, *, batch: int = 500) -> dict[str, int]:
    """The registry tables of a center database into a fresh municipal database; row counts."""
    create_tables(target)
    counts: dict[str, int] = {}
    with source.connect() as s, target.begin() as d:
        for table in REGISTRY_TABLES:
            rows = [dict(r._mapping) for r in s.execute(select(table))]
            for i in range(0, len(rows), batch):
                d.execute(insert(table), rows[i : i + batch])
            counts[table.name] = len(rows)
    return counts
