"""Running the service's prebuilt statements (queries.py) inside a SQLAlchemy transaction.

On PostgreSQL the center is CPU-bound in Python, and SQLAlchemy Core costs about 150 µs of CPU per
statement where the psycopg cursor underneath costs about 60 µs (measured on the development box).  So
on PostgreSQL :func:`run` compiles each statement once (per set of parameter names, as SQLAlchemy's own
compiled cache does) and sends it on the psycopg connection of the caller's pooled SQLAlchemy
connection.  The transaction stays SQLAlchemy's: psycopg sends BEGIN before the first statement and
SQLAlchemy commits or rolls back.  Other databases (SQLite) go through ``Connection.execute``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

from server_stub.errors import StoreError

__all__ = ["Rows", "run"]

log = logging.getLogger(__name__)
Params = dict[str, Any] | list[dict[str, Any]] | None

_compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, str, dict[str, Any]]] = {}
_lock = threading.Lock()


class Rows(list[Any]):
    """The rows of one statement (attribute access by column name), with SQLAlchemy's accessors."""

    def one(self) -> Any:
        """:raises StoreError: unless exactly one row."""
        if len(self) != 1:
            raise StoreError(f"expected one row, got {len(self)}", code="store_failed")
        return self[0]

    def one_or_none(self) -> Any:
        """:raises StoreError: when more than one row."""
        if len(self) > 1:
            raise StoreError(f"expected at most one row, got {len(self)}", code="store_failed")
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


def run(conn: Connection, stmt: Executable, params: Params = None) -> Rows:
    """Execute ``stmt`` in ``conn``'s transaction; a list of parameter sets runs as one batch.

    :raises StoreError: when PostgreSQL fails (SQLite errors stay SQLAlchemy's, as before).
    """
    if conn.dialect.name != "postgresql":
        result = conn.execute(stmt, params or {})
        return Rows(result.all() if result.returns_rows else ())
    many = isinstance(params, list)
    first: dict[str, Any] = (params[0] if params else {}) if isinstance(params, list) else (params or {})
    text, defaults = _compile(conn, stmt, tuple(first))
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor(row_factory=namedtuple_row) as cur:
            if many:
                assert isinstance(params, list)
                # psycopg sends a batch in pipeline mode: one round trip for all rows.
                cur.executemany(text, [{**defaults, **p} for p in params])
                return Rows()
            cur.execute(text, {**defaults, **first})
            return Rows(cur.fetchall() if cur.description is not None else ())
    except psycopg.Error as exc:
        log.error("database error: %s", type(exc).__name__)
        raise StoreError("データベースが利用できません / database unavailable") from exc
