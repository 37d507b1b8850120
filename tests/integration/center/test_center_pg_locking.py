"""PostgreSQL: locking of the one-statement audit append and issue-number reservation, pipelining.

The audit entry is appended by one statement that locks the head row, advances it and hashes in the
database (server_stub/queries.py AUDIT_APPEND_PG); issue numbers of an order's copies are reserved by one
upsert (COUNTER_RESERVE).  Many connections race both here, and the result must be exactly what the
serial Python code would produce: a chain that audit.verify_chain (hashing in Python) accepts, with no
gap or duplicate sequence number, and numbers that are unique and consecutive per order.  Writes queued
in pipeline mode (dbexec.send) that fail must fail their whole transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, insert, select

from server_stub import audit
from server_stub import queries as sql
from server_stub.dbexec import run, send, transaction
from server_stub.errors import StoreError
from server_stub.store import audit_head, audit_log, make_engine

pytestmark = pytest.mark.postgres

T = TypeVar("T")
THREADS = 8
PER_THREAD = 25


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url, pool_size=THREADS)
    try:
        yield eng
    finally:
        eng.dispose()


def _race(work: Callable[[int], T]) -> list[T]:
    barrier = threading.Barrier(THREADS, timeout=60)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return [results[i] for i in range(THREADS)]


def test_racing_audit_appends_keep_one_intact_chain(engine: Engine) -> None:
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()

    def work(i: int) -> list[int]:
        seqs = []
        for n in range(PER_THREAD):
            with engine.begin() as conn:
                seqs.append(
                    audit.append(
                        conn,
                        at=1_764_000_000.123456 + n / 7,
                        kiosk_id=f"K{i:04d}",
                        event="test_race",
                        detail={"n": n, "reason": "保守", "thread": i},  # non-ASCII: hashed as UTF-8
                        postgres=True,
                    )
                )
        return seqs

    seqs = [s for part in _race(work) for s in part]
    assert len(set(seqs)) == THREADS * PER_THREAD
    with engine.connect() as conn:
        assert audit.verify_chain(conn) is None
        total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        assert total == before + THREADS * PER_THREAD
        assert conn.execute(select(func.max(audit_log.c.seq))).scalar_one() == total


def test_audit_append_rolls_back_with_its_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        head = conn.execute(sql.AUDIT_HEAD).one()
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.append(conn, at=1.0, kiosk_id=None, event="test_rollback", detail={}, postgres=True)
        raise RuntimeError("abort")
    with engine.begin() as conn:
        assert conn.execute(sql.AUDIT_HEAD).one() == head
        seq = audit.append(conn, at=2.0, kiosk_id=None, event="test_after", detail={}, postgres=True)
        assert seq == head.seq + 1
        assert audit.verify_chain(conn) is None


def test_racing_number_reservations_are_unique_and_consecutive(engine: Engine) -> None:
    name = f"issue:test:{threading.get_ident()}"

    def work(i: int) -> list[list[int]]:
        got = []
        for n in range(PER_THREAD):
            copies = 1 + (i + n) % 3
            with engine.begin() as conn:
                last = conn.execute(sql.COUNTER_RESERVE, {"name": name, "n": copies}).scalar_one()
            got.append(list(range(last - copies + 1, last + 1)))
        return got

    blocks = [b for part in _race(work) for b in part]
    numbers = sorted(n for b in blocks for n in b)
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    assert len(blocks) == THREADS * PER_THREAD


def test_a_failing_queued_write_fails_and_rolls_back_its_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        head = run(conn, sql.AUDIT_HEAD).one()
    with pytest.raises(StoreError) as caught, transaction(engine) as conn:
        audit.queue(conn, at=3.0, kiosk_id=None, event="test_queued", detail={}, postgres=True)
        send(conn, insert(audit_head), {"id": 1, "seq": 0, "hash": "x"})  # duplicate key: fails at sync
    assert caught.value.error_code == "store_failed" and caught.value.http_status == 503
    with transaction(engine) as conn:
        assert run(conn, sql.AUDIT_HEAD).one() == head  # the queued audit entry was rolled back too
        audit.queue(conn, at=4.0, kiosk_id=None, event="test_after", detail={}, postgres=True)
    with engine.connect() as conn:
        assert run(conn, sql.AUDIT_HEAD).one().seq == head.seq + 1
        assert audit.verify_chain(conn) is None
