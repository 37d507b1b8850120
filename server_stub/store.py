"""Storage through SQLAlchemy Core: SQLite (WAL) by default, PostgreSQL by URL.

Every API call is one short transaction (service.py).  Rows that several center processes may race on
are claimed with a single conditional UPDATE (challenges) or locked with SELECT ... FOR UPDATE on
PostgreSQL (orders, counters, the audit head); SQLite transactions start with BEGIN IMMEDIATE, so they
are serialized outright.  Nothing about a transaction lives in process memory.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.pool import QueuePool

__all__ = ["TABLES", "dumps", "is_postgres", "make_engine", "metadata"]

log = logging.getLogger(__name__)
metadata = MetaData()

municipalities = Table(
    "municipalities",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("data", Text, nullable=False),
)
residents = Table(
    "residents",
    metadata,
    Column("resident_id", String(16), primary_key=True),
    Column("municipality", String(6), nullable=False, index=True),
    Column("household_id", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("data", Text, nullable=False),
)
card_certs = Table(
    "card_certs",
    metadata,
    Column("serial", String(40), primary_key=True),  # hex, upper case
    Column("resident_id", String(16), nullable=False, index=True),
    Column("kind", String(8), nullable=False),
    # The residence municipality when the card was issued: with resident_id, all J-LIS knows (tiers).
    Column("municipality", String(6), nullable=True),
)
honseki_registrations = Table(
    "honseki_registrations",
    metadata,
    Column("resident_id", String(16), primary_key=True),
    Column("municipality", String(6), primary_key=True),
)
koseki = Table(
    "koseki",
    metadata,
    Column("koseki_id", String(16), primary_key=True),
    Column("municipality", String(6), nullable=False),
    Column("data", Text, nullable=False),
)
tax_records = Table(
    "tax_records",
    metadata,
    Column("resident_id", String(16), primary_key=True),
    Column("fiscal_year", Integer, primary_key=True),
    Column("data", Text, nullable=False),
)
seal_registrations = Table(
    "seal_registrations",
    metadata,
    Column("resident_id", String(16), primary_key=True),
    Column("data", Text, nullable=False),
)
challenges = Table(
    "challenges",
    metadata,
    Column("challenge_id", String(40), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("nonce", LargeBinary(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
)
sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(40), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("resident_id", String(16), nullable=False),
    Column("cert_serial", String(40), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("municipalities", Text, nullable=False),  # JSON list of (code, relation) the session may use
)
orders = Table(
    "orders",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("session_id", String(40), nullable=False, index=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("resident_id", String(16), nullable=False),
    Column("municipality", String(6), nullable=False),
    Column("relation", String(12), nullable=False),
    Column("certificate", String(16), nullable=False),
    Column("options", Text, nullable=False),
    Column("copies", Integer, nullable=False),
    Column("fee_each", Integer, nullable=False),
    Column("fee_total", Integer, nullable=False),
    Column("state", String(12), nullable=False),  # ordered | issued | printed | failed
    Column("created_at", Float, nullable=False),
    Column("idempotency_key", String(128), nullable=True),
    Column("request_hash", String(64), nullable=True),
    Column("payment", Text, nullable=True),
    Column("charged", Integer, nullable=False, default=0),  # yen charged; set exactly once at issue
    Column("issued_at", Float, nullable=True),
    Column("completed_at", Float, nullable=True),
    Column("pages_printed", Integer, nullable=True),
)
documents = Table(
    "documents",
    metadata,
    Column("seal_id", String(40), primary_key=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("copy_index", Integer, nullable=False),
    Column("resident_id", String(16), nullable=False),
    Column("certificate", String(16), nullable=False),
    Column("status", String(8), nullable=False),  # valid | voided
    Column("digest", String(64), nullable=False),
    Column("document", Text, nullable=False),  # {"content", "seal"} exactly as answered
)
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("kiosk_id", String(64), nullable=True),
    Column("event", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Fleet operations (server_stub/fleet.py): each kiosk's latest health report, a bounded history of
# them, and the remote commands operators gave (delivered in the answer to a report until applied).
kiosk_status = Table(
    "kiosk_status",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("at", Float, nullable=False),
    Column("report", Text, nullable=False),
)
kiosk_reports = Table(
    "kiosk_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("report", Text, nullable=False),
)
kiosk_commands = Table(
    "kiosk_commands",
    metadata,
    Column("command_id", String(40), primary_key=True),
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("operator", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("applied_at", Float, nullable=True),
    Column("result", String(16), nullable=True),
)

TABLES = {t.name: t for t in metadata.sorted_tables}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The pysqlite driver's own transaction handling is turned off so that "begin" below controls it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    """Create the engine; for SQLite, WAL + BEGIN IMMEDIATE (serialized writers, no upgrade deadlocks).

    A SQLite engine gets one pooled connection: threads of one process queue in the pool instead of
    spinning in SQLite's busy handler.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            connect_args={"check_same_thread": False, "timeout": 10},
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,  # a ping per checkout is one more round trip per transaction
        pool_recycle=1800,
        isolation_level="READ COMMITTED",
    )
