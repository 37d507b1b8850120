"""Prebuilt SQL statements of the service (built once: SQLAlchemy then reuses their compiled form).

Building a Core statement per request costs more than running it on SQLite; every statement here takes
its values as bound parameters.  UPDATEs bind their WHERE values under ``b_*`` names so that the other
parameters of ``execute(stmt, {...})`` become the SET clause.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, func, insert, select, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from server_stub.store import (
    audit_head,
    audit_log,
    card_certs,
    challenges,
    documents,
    honseki_registrations,
    koseki,
    orders,
    residents,
    seal_registrations,
    sessions,
    tax_records,
)

__all__ = [
    "AUDIT_APPEND_PG",
    "AUDIT_HEAD",
    "AUDIT_HEAD_LOCKED",
    "AUDIT_HEAD_SET",
    "AUDIT_INSERT",
    "CARD",
    "CHALLENGE",
    "CHALLENGE_CLAIM",
    "CHALLENGE_CLAIM_RETURNING",
    "CHALLENGE_INSERT",
    "COMPLETE_CLAIM",
    "COUNTER_RESERVE",
    "DOCS_OF_ORDER",
    "DOCS_VOID",
    "DOCS_VOID_RETURNING",
    "DOC_INSERT",
    "DOC_STATUS",
    "FACTS",
    "FACTS_BY_CARD",
    "HOUSEHOLD",
    "KOSEKI",
    "MEMBER_SEPARATOR",
    "ORDER",
    "ORDER_FACTS",
    "ORDER_INSERT",
    "ORDER_LOCKED",
    "ORDER_LOCKED_FACTS",
    "ORDER_SET",
    "SEAL_REG",
    "SESSION",
    "SESSION_FACTS",
    "SESSION_INSERT",
    "TAX",
]

_r2 = residents.alias("r2")
_r3 = residents.alias("r3")


class _YearList(FunctionElement[str]):
    """Comma-separated fiscal years (aggregate), without bound parameters so that it runs unchanged
    through dbexec (SQLAlchemy's aggregate_strings binds its separator at execution time)."""

    type = String()
    inherit_cache = True


@compiles(_YearList)
def _year_list_sqlite(element: _YearList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_YearList, "postgresql")
def _year_list_pg(element: _YearList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS VARCHAR), ',')"


# Separates the household members' JSON documents in ``household_data``: a raw control character cannot
# occur inside JSON text (RFC 8259 requires it escaped in strings), so the split is unambiguous.
MEMBER_SEPARATOR = "\x1e"


class _MemberList(FunctionElement[str]):
    """The members' ``data`` joined by MEMBER_SEPARATOR (aggregate, no bound parameters)."""

    type = String()
    inherit_cache = True


@compiles(_MemberList)
def _member_list_sqlite(element: _MemberList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, char(30))"


@compiles(_MemberList, "postgresql")
def _member_list_pg(element: _MemberList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, chr(30))"


CHALLENGE_INSERT = insert(challenges)
# One conditional UPDATE claims the challenge: two processes cannot both succeed.
CHALLENGE_CLAIM = update(challenges).where(
    challenges.c.challenge_id == bindparam("b_cid"),
    challenges.c.kiosk_id == bindparam("b_kiosk"),
    challenges.c.used_at.is_(None),
)
CHALLENGE_CLAIM_RETURNING = CHALLENGE_CLAIM.returning(challenges.c.nonce, challenges.c.expires_at)
CHALLENGE = select(challenges).where(challenges.c.challenge_id == bindparam("cid"))
CARD = select(card_certs.c.resident_id).where(
    card_certs.c.serial == bindparam("serial"), card_certs.c.kind == "auth"
)
# What the rules need about a resident, in one round trip (DB round trips are the cost on PostgreSQL):
# the registry row, whether a seal is registered, the registered 本籍地, the household size and the
# tax years on file (comma-separated).
_FACT_COLUMNS = (
    residents.c.data,
    select(func.count())
    .select_from(seal_registrations)
    .where(seal_registrations.c.resident_id == residents.c.resident_id)
    .scalar_subquery()
    .label("seals"),
    select(func.max(honseki_registrations.c.municipality))
    .where(honseki_registrations.c.resident_id == residents.c.resident_id)
    .scalar_subquery()
    .label("registered"),
    select(func.count())
    .select_from(_r2)
    .where(_r2.c.household_id == residents.c.household_id, _r2.c.status == "active")
    .scalar_subquery()
    .label("household"),
    select(_YearList(tax_records.c.fiscal_year))
    .where(tax_records.c.resident_id == residents.c.resident_id)
    .scalar_subquery()
    .label("tax_years"),
    # The household's active members (what HOUSEHOLD reads), so that a household costs no round trip
    # of its own; read only when the household has more than one member.
    select(_MemberList(_r3.c.data))
    .where(
        _r3.c.household_id == residents.c.household_id,
        _r3.c.status == "active",
        select(func.count())
        .select_from(_r2)
        .where(_r2.c.household_id == residents.c.household_id, _r2.c.status == "active")
        .scalar_subquery()
        > 1,
    )
    .scalar_subquery()
    .label("household_data"),
)
FACTS = select(*_FACT_COLUMNS).where(residents.c.resident_id == bindparam("rid"))
FACTS_BY_CARD = select(residents.c.resident_id, *_FACT_COLUMNS).where(
    residents.c.resident_id
    == select(card_certs.c.resident_id)
    .where(card_certs.c.serial == bindparam("serial"), card_certs.c.kind == "auth")
    .scalar_subquery()
)
# The session and its resident's facts (NULL when the resident row is gone).
SESSION_FACTS = (
    select(sessions, *_FACT_COLUMNS)
    .select_from(sessions.outerjoin(residents, residents.c.resident_id == sessions.c.resident_id))
    .where(sessions.c.session_id == bindparam("sid"))
)
SESSION_INSERT = insert(sessions)
SESSION = select(sessions).where(sessions.c.session_id == bindparam("sid"))
ORDER_INSERT = insert(orders)
ORDER = select(orders).where(orders.c.order_id == bindparam("oid"))
# The order and its resident's facts in one unlocked read (the municipal step before issuing).
ORDER_FACTS = (
    select(orders, *_FACT_COLUMNS)
    .select_from(orders.outerjoin(residents, residents.c.resident_id == orders.c.resident_id))
    .where(orders.c.order_id == bindparam("oid"))
)
ORDER_LOCKED = ORDER.with_for_update()
# The issuing transaction's first statement on PostgreSQL: the order row locked (FOR UPDATE OF orders
# only: the session and resident rows are read, not locked), its session's owner and expiry, and its
# resident's facts.  The row lock serializes issue/complete of one order across center processes; after
# waiting for it, READ COMMITTED hands back the newest order row (state, idempotency key).
ORDER_LOCKED_FACTS = (
    select(
        orders,
        sessions.c.kiosk_id.label("s_kiosk_id"),
        sessions.c.expires_at.label("s_expires_at"),
        *_FACT_COLUMNS,
    )
    .select_from(
        orders.outerjoin(sessions, sessions.c.session_id == orders.c.session_id).outerjoin(
            residents, residents.c.resident_id == orders.c.resident_id
        )
    )
    .where(orders.c.order_id == bindparam("oid"))
    .with_for_update(of=orders)
)
# complete(): one conditional UPDATE moves an issued order of this kiosk to its final state (the row
# lock of the UPDATE serializes concurrent reports); no row → the caller reads the order to say why.
COMPLETE_CLAIM = (
    update(orders)
    .where(
        orders.c.order_id == bindparam("b_oid"),
        orders.c.kiosk_id == bindparam("b_kiosk"),
        orders.c.state == "issued",
    )
    .returning(orders.c.charged, orders.c.copies)
)
ORDER_SET = update(orders).where(orders.c.order_id == bindparam("b_oid"))
DOCS_OF_ORDER = (
    select(documents.c.seal_id, documents.c.document)
    .where(documents.c.order_id == bindparam("oid"))
    .order_by(documents.c.copy_index)
)
DOC_INSERT = insert(documents)
DOCS_VOID = update(documents).where(documents.c.order_id == bindparam("b_oid"))
DOCS_VOID_RETURNING = DOCS_VOID.returning(documents.c.seal_id, documents.c.copy_index)
DOC_STATUS = select(documents.c.status).where(documents.c.seal_id == bindparam("seal_id"))
HOUSEHOLD = select(residents.c.data).where(
    residents.c.household_id == bindparam("hh"), residents.c.status == "active"
)
KOSEKI = select(koseki.c.data).where(koseki.c.koseki_id == bindparam("kid"))
TAX = select(tax_records.c.data).where(
    tax_records.c.resident_id == bindparam("rid"), tax_records.c.fiscal_year == bindparam("year")
)
SEAL_REG = select(seal_registrations.c.data).where(seal_registrations.c.resident_id == bindparam("rid"))
# Reserve ``n`` consecutive issue numbers in one statement: the upsert creates the day's counter or
# bumps it under its row lock (serialized across processes; ON CONFLICT DO UPDATE is atomic under READ
# COMMITTED) and returns the last number reserved.
COUNTER_RESERVE = text(
    "INSERT INTO counters (name, value) VALUES (:name, :n) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value"
)
AUDIT_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
AUDIT_HEAD_LOCKED = AUDIT_HEAD.with_for_update()
AUDIT_INSERT = insert(audit_log)
AUDIT_HEAD_SET = update(audit_head).where(audit_head.c.id == 1)
# PostgreSQL: append one audit entry in one round trip.  The CTE locks the head row (serializing appends
# across processes; after the wait READ COMMITTED yields the newest head), the UPDATE advances it and
# computes the entry hash in the database with the same formula as audit._entry_hash: SHA-256 over
# ``prev || "\n" || body``, where the canonical body JSON ends with the sequence number (keys sorted:
# at, detail, event, kiosk_id, seq), so the caller sends everything before it as :prefix.
AUDIT_APPEND_PG = text(
    "WITH old AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE), "
    "new AS (UPDATE audit_head SET seq = old.seq + 1, "
    "hash = encode(sha256(convert_to(old.hash || E'\\n' || :prefix || (old.seq + 1)::text || '}', 'UTF8')), "
    "'hex') FROM old WHERE audit_head.id = 1 RETURNING audit_head.seq, audit_head.hash, old.hash AS prev) "
    "INSERT INTO audit_log (seq, at, kiosk_id, event, detail, prev_hash, hash) "
    "SELECT seq, :at, :kiosk_id, :event, :detail, prev, hash FROM new RETURNING seq"
)
