"""Running the service's prebuilt statements (queries.py) inside a SQLAlchemy transaction.

On PostgreSQL the center is CPU-bound in Python, and SQLAlchemy Core costs about 150 µs of CPU per
statement where the psycopg cursor underneath costs about 60 µs (measured on the development box).  So
on PostgreSQL :func:`run` compiles each statement once (per set of parameter names, as SQLAlchemy's own
compiled cache does) and sends it on the psycopg connection of the caller's pooled SQLAlchemy
connection.  The transaction stays SQLAlchemy's: psycopg sends BEGIN before the first statement and
SQLAlchemy commits or rolls back.  Other databases (SQLite) go through ``Connection.execute``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

from server_stub.errors import StoreError

__all__ = ["Rows", "run", "send", "transaction"]

log = logging.getLogger(__name__)
Params = dict[str, Any] | list[dict[str, Any]] | None

_compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, str, dict[str, Any]]] = {}
_lock = threading.Lock()


class Rows(list[Any]):
    """The rows of one statement (attribute access by column name), with SQLAlchemy's accessors."""

    def one(self) -> Any:
        """:raises StoreError: unless exactly one row."""
        if len(self) != 1:
            raise StoreError(f"データが不整合です / expected one row, got {len(self)}")
        return self[0]

    def one_or_none(self) -> Any:
        """:raises StoreError: when more than one row."""
        if len(self) > 1:
            raise StoreError(f"データが不整合です / expected at most one row, got {len(self)}")
        return self[0] if self else None

    def scalar_one(self) -> Any:
        """:raises StoreError: unless exactly one row."""
        return self.one()[0]

    def all(self) -> list[Any]:
        return list(self)


def _compile(conn: Connection, stmt: Executable, keys: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    key = (id(stmt), keys)
    hit = _compiled.get(key)
    if hit is None:
        # column_keys picks the SET/VALUES columns of UPDATE and INSERT, as Connection.execute does.
        c = stmt.compile(dialect=conn.dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        assert isinstance(c, SQLCompiler)
        if c.literal_execute_params or c.post_compile_params:
            raise TypeError("statements with post-compile parameters cannot run on the raw driver")
        hit = (stmt, c.string, {k: v for k, v in c.params.items() if k not in keys})
        with _lock:
            _compiled[key] = hit  # the statement is kept so that its id is never reused
    return hit[1], hit[2]


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


def _store_error(exc: psycopg.Error) -> StoreError:
    log.error("database error: %s", type(exc).__name__)
    return StoreError("データベースが利用できません / database unavailable")


def run(conn: Connection, stmt: Executable, params: dict[str, Any] | None = None) -> Rows:
    """Execute ``stmt``, which returns rows, in ``conn``'s transaction and wait for its rows.

    :raises StoreError: when PostgreSQL fails (SQLite errors stay SQLAlchemy's, as before).
    """
    if conn.dialect.name != "postgresql":
        return Rows(conn.execute(stmt, params or {}).all())
    text, defaults = _compile(conn, stmt, tuple(params or ()))
    try:
        with _driver(conn).cursor(row_factory=namedtuple_row) as cur:
            cur.execute(text, {**defaults, **(params or {})})
            return Rows(cur.fetchall())
    except psycopg.Error as exc:
        raise _store_error(exc) from exc


def send(conn: Connection, stmt: Executable, params: Params = None) -> None:
    """Execute ``stmt`` without reading a result; a list of parameter sets runs as one batch.

    Inside :func:`transaction` on PostgreSQL the statement is only queued: it travels with the next
    statement that needs an answer, or at the end of the transaction (psycopg pipeline mode), so a
    transaction's trailing writes cost one round trip together.  Errors then surface there.

    :raises StoreError: when PostgreSQL fails.
    """
    if conn.dialect.name != "postgresql":
        conn.execute(stmt, params or {})
        return
    rows = params if isinstance(params, list) else [params or {}]
    text, defaults = _compile(conn, stmt, tuple(rows[0]) if rows else ())
    # Not closed here: in pipeline mode its result arrives later (psycopg keeps the cursor until then).
    cur = _driver(conn).cursor()
    try:
        if isinstance(params, list):
            cur.executemany(text, [{**defaults, **p} for p in params])
        else:
            cur.execute(text, {**defaults, **rows[0]})
    except psycopg.Error as exc:
        raise _store_error(exc) from exc


@contextlib.contextmanager
def transaction(engine: Engine, *, autocommit: bool = False) -> Iterator[Connection]:
    """``engine.begin()``; on PostgreSQL in psycopg pipeline mode (BEGIN travels with the first
    statement, :func:`send` queues).  ``autocommit`` (PostgreSQL): no BEGIN/COMMIT at all, for a
    transaction of a single statement.

    :raises StoreError: when PostgreSQL fails, also for a queued statement.
    """
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    opts = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    try:
        with engine.connect().execution_options(**opts) as conn, conn.begin(), _driver(conn).pipeline():
            yield conn
    except psycopg.Error as exc:
        raise _store_error(exc) from exc
