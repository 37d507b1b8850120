"""Prebuilt SQL statements of the service (built once: SQLAlchemy then reuses their compiled form).

Building a Core statement per request costs more than running it on SQLite; every statement here takes
its values as bound parameters.  UPDATEs bind their WHERE values under ``b_*`` names so that the other
parameters of ``execute(stmt, {...})`` become the SET clause.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, update

from server_stub.store import (
    audit_head,
    audit_log,
    card_certs,
    challenges,
    counters,
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
    "AUDIT_HEAD",
    "AUDIT_HEAD_LOCKED",
    "AUDIT_HEAD_SET",
    "AUDIT_INSERT",
    "CARD",
    "CHALLENGE",
    "CHALLENGE_CLAIM",
    "CHALLENGE_CLAIM_RETURNING",
    "CHALLENGE_INSERT",
    "COUNTER_BUMP",
    "DOCS_OF_ORDER",
    "DOCS_VOID",
    "DOC_INSERT",
    "DOC_STATUS",
    "FACTS",
    "HOUSEHOLD",
    "KOSEKI",
    "ORDER",
    "ORDER_INSERT",
    "ORDER_LOCKED",
    "ORDER_SET",
    "SEAL_REG",
    "SESSION",
    "SESSION_INSERT",
    "TAX",
    "TAX_YEARS",
]

_r2 = residents.alias("r2")

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
FACTS = select(
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
).where(residents.c.resident_id == bindparam("rid"))
TAX_YEARS = select(tax_records.c.fiscal_year).where(tax_records.c.resident_id == bindparam("rid"))
SESSION_INSERT = insert(sessions)
SESSION = select(sessions).where(sessions.c.session_id == bindparam("sid"))
ORDER_INSERT = insert(orders)
ORDER = select(orders).where(orders.c.order_id == bindparam("oid"))
ORDER_LOCKED = ORDER.with_for_update()
ORDER_SET = update(orders).where(orders.c.order_id == bindparam("b_oid"))
DOCS_OF_ORDER = (
    select(documents.c.seal_id, documents.c.document)
    .where(documents.c.order_id == bindparam("oid"))
    .order_by(documents.c.copy_index)
)
DOC_INSERT = insert(documents)
DOCS_VOID = update(documents).where(documents.c.order_id == bindparam("b_oid"))
DOC_STATUS = select(documents.c.status).where(documents.c.seal_id == bindparam("seal_id"))
HOUSEHOLD = select(residents.c.data).where(
    residents.c.household_id == bindparam("hh"), residents.c.status == "active"
)
KOSEKI = select(koseki.c.data).where(koseki.c.koseki_id == bindparam("kid"))
TAX = select(tax_records.c.data).where(
    tax_records.c.resident_id == bindparam("rid"), tax_records.c.fiscal_year == bindparam("year")
)
SEAL_REG = select(seal_registrations.c.data).where(seal_registrations.c.resident_id == bindparam("rid"))
COUNTER_BUMP = (
    update(counters)
    .where(counters.c.name == bindparam("b_name"))
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)
AUDIT_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
AUDIT_HEAD_LOCKED = AUDIT_HEAD.with_for_update()
AUDIT_INSERT = insert(audit_log)
AUDIT_HEAD_SET = update(audit_head).where(audit_head.c.id == 1)
