"""Running the service's prebuilt statements (queries.py) inside a SQLAlchemy transaction.

On PostgreSQL the center is CPU-bound in Python, and SQLAlchemy Core costs about 150 µs of CPU per
statement where the psycopg cursor underneath costs about 60 µs (measured on the development box).  So
on PostgreSQL :func:`run` compiles each statement once (per set of parameter names, as SQLAlchemy's own
compiled cache does) and sends it on the psycopg connection of the caller's pooled SQLAlchemy
connection.  The transaction stays SQLAlchemy's: psycopg sends BEGIN before the first statement and
SQLAlchemy commits or rolls back.  SQLite takes the same path on its sqlite3 cursor (SQLAlchemy's
execute was about a quarter of the center's CPU there, bench/center.py --profile); its BEGIN IMMEDIATE
is still sent by the engine's ``begin`` event when the transaction starts.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

from server_stub.errors import StoreError

__all__ = ["Rows", "run", "send", "transaction"]

log = logging.getLogger(__name__)
Params = dict[str, Any] | list[dict[str, Any]] | None

# (statement, dialect, parameter names) → (statement, SQL text, default values, positional names or None)
_Compiled = tuple[Executable, str, dict[str, Any], tuple[str, ...] | None]
_compiled: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}
_row_types: dict[tuple[str, ...], Callable[..., Any]] = {}
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


def _compile(conn: Connection, stmt: Executable, keys: tuple[str, ...]) -> _Compiled:
    key = (id(stmt), conn.dialect.name, keys)
    hit = _compiled.get(key)
    if hit is None:
        # column_keys picks the SET/VALUES columns of UPDATE and INSERT, as Connection.execute does.
        c = stmt.compile(dialect=conn.dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        assert isinstance(c, SQLCompiler)
        if c.literal_execute_params or c.post_compile_params:
            raise TypeError("statements with post-compile parameters cannot run on the raw driver")
        positional = tuple(c.positiontup) if c.positional and c.positiontup is not None else None
        hit = (stmt, c.string, {k: v for k, v in c.params.items() if k not in keys}, positional)
        with _lock:
            _compiled[key] = hit  # the statement is kept so that its id is never reused
    return hit


def _sqlite_args(hit: _Compiled, params: dict[str, Any]) -> Any:
    values = {**hit[2], **params}
    return values if hit[3] is None else tuple(values[k] for k in hit[3])


def _sqlite_rows(cur: sqlite3.Cursor) -> Rows:
    """The rows as named tuples (as psycopg's namedtuple_row gives on PostgreSQL)."""
    names = tuple(d[0] for d in cur.description or ())
    make = _row_types.get(names)
    if make is None:
        make = namedtuple("Row", names, rename=True)._make  # type: ignore[attr-defined]
        with _lock:
            _row_types[names] = make
    return Rows(make(r) for r in cur.fetchall())


def _sqlite_driver(conn: Connection) -> sqlite3.Connection:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


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
    if conn.dialect.name == "sqlite":
        hit = _compile(conn, stmt, tuple(params or ()))
        lite = _sqlite_driver(conn).execute(hit[1], _sqlite_args(hit, params or {}))
        try:
            return _sqlite_rows(lite)
        finally:
            lite.close()
    if conn.dialect.name != "postgresql":
        return Rows(conn.execute(stmt, params or {}).all())
    _, text, defaults, _ = _compile(conn, stmt, tuple(params or ()))
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
    rows = params if isinstance(params, list) else [params or {}]
    if conn.dialect.name == "sqlite" and rows:
        hit = _compile(conn, stmt, tuple(rows[0]))
        driver = _sqlite_driver(conn)
        if isinstance(params, list):
            driver.executemany(hit[1], [_sqlite_args(hit, p) for p in rows]).close()
        else:
            driver.execute(hit[1], _sqlite_args(hit, rows[0])).close()
        return
    if conn.dialect.name != "postgresql":
        conn.execute(stmt, params or {})
        return
    _, text, defaults, _ = _compile(conn, stmt, tuple(rows[0]) if rows else ())
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
    """``engine.begin()``; on PostgreSQL the transaction is sent in psycopg pipeline mode: BEGIN travels
    with the first statement, :func:`send` queues, COMMIT travels with the trailing writes.
    ``autocommit`` (PostgreSQL): no BEGIN/COMMIT and no pipeline, for a single statement.

    :raises StoreError: when PostgreSQL fails, also for a queued statement.
    """
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    # The connection is in autocommit mode at the driver and this function sends BEGIN and COMMIT
    # itself: psycopg's own BEGIN is followed by a pipeline sync, one round trip of its own per
    # transaction (bench/center.py's strace count showed it), and SQLAlchemy's COMMIT would come
    # after the pipeline's closing sync, another.
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            driver = _driver(conn)
            if autocommit:
                yield conn
                return
            done = False
            try:
                with driver.pipeline():
                    driver.execute(_BEGIN)
                    yield conn
                    # A failed statement aborts the pipeline: COMMIT is skipped and the sync raises.
                    driver.execute(b"COMMIT")
                done = True
            finally:
                if not done and driver.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                    driver.execute(b"ROLLBACK")  # the body raised, or a queued statement failed
    except psycopg.Error as exc:
        raise _store_error(exc) from exc


_BEGIN = b"BEGIN ISOLATION LEVEL READ COMMITTED"  # what the engine's isolation_level made psycopg send
