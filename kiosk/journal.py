"""Crash-safe local journal of orders: ids, steps and amounts only (no personal data).

Why: after payment the kiosk owes the resident either printed certificates or their money back, and
the center must learn which (``complete`` printed/failed, so seals of unprinted pages are voided).  A
power cut can fall between any two of those steps.  Every money-relevant step is written here (and
synced to disk) *before* the next request leaves the kiosk, so a restart can finish the job
(``recover``): complete what was printed, void what was not, and book money that could not be handed
back as *owed* for the staff.  Each order is counted exactly once, in the same SQLite transaction
that closes it.

Storage: SQLite in WAL mode with ``synchronous=FULL`` (a committed step survives a power cut); one
row per order plus an append-only step log.  Steps are checked against the order's current state
(``_apply``), so a bug can never move an order backwards; repeating the last step is a no-op (the
recovery may repeat a ``completed`` after a crash).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from kiosk.errors import KioskError

__all__ = [
    "STEPS",
    "Counters",
    "Journal",
    "JournalError",
    "OrderCompleter",
    "OrderRecord",
    "Plan",
    "RecoveryResult",
    "plan",
    "recover",
]

log = logging.getLogger(__name__)

STEPS = ("created", "paying", "abandoned", "paid", "issued", "printed", "failed", "completed", "refunded")
Outcome = Literal["", "issued", "refunded", "abandoned", "owed"]


class JournalError(KioskError):
    """The journal cannot be opened or written, or a step does not follow from the order's state."""

    code = "journal_error"


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    fee: int = 0
    inserted: int = 0
    paid: int = 0
    issued: bool = False
    result: Literal["", "printed", "failed"] = ""
    pages: int = 0
    completed: bool = False
    refunded: int = 0
    outcome: Outcome = ""  # set when closed
    owed: int = 0  # yen the kiosk could not hand back (recovery after the resident left)

    @property
    def closed(self) -> bool:
        return self.outcome != ""


@dataclass(frozen=True)
class Counters:
    """Totals over closed orders; each order adds to them once, when it closes."""

    issued: int = 0  # orders printed and completed
    pages: int = 0
    revenue: int = 0  # yen kept for printed orders
    failed: int = 0  # paid orders that were not printed (refunded or owed)
    refunds: int = 0  # yen handed back after payment
    abandoned: int = 0  # orders dropped before payment
    owed: int = 0  # yen the kiosk could not hand back (staff must settle)


def _check(ok: bool, rec: OrderRecord, step: str) -> None:
    if not ok:
        raise JournalError(f"order {rec.order_id}: step {step!r} does not follow its state")


def _apply(rec: OrderRecord, step: str, amount: int, pages: int) -> OrderRecord:
    """The order after ``step``; raises when the step cannot follow (the journal stays as it was)."""
    unpaid = rec.paid == 0
    if step == "paying":
        _check(unpaid, rec, step)
        return replace(rec, inserted=max(rec.inserted, amount))
    if step == "abandoned":
        _check(unpaid, rec, step)
        return replace(rec, inserted=max(rec.inserted, amount), outcome="abandoned")
    if step == "paid":
        _check(unpaid, rec, step)
        return replace(rec, paid=amount, inserted=max(rec.inserted, amount))
    if step == "issued":
        _check(not unpaid and not rec.result, rec, step)
        return replace(rec, issued=True)
    if step in ("printed", "failed"):
        _check(not unpaid and (not rec.result or rec.result == step), rec, step)
        _check(step == "failed" or rec.issued, rec, step)
        return replace(rec, result="printed" if step == "printed" else "failed", pages=pages)
    if step == "completed":
        _check(rec.result != "", rec, step)
        return _close_if_done(replace(rec, completed=True))
    if step == "refunded":
        if unpaid:  # the cash device gave back what was inserted before the fee was reached
            return replace(rec, refunded=amount, outcome="abandoned")
        _check(rec.result == "failed", rec, step)
        return _close_if_done(replace(rec, refunded=amount))
    raise JournalError(f"unknown journal step {step!r}")


def _close_if_done(rec: OrderRecord) -> OrderRecord:
    if rec.result == "printed" and rec.completed:
        return replace(rec, outcome="issued")
    if rec.result == "failed" and rec.completed and rec.refunded >= rec.paid:
        return replace(rec, outcome="refunded")
    return rec


def _count(c: Counters, rec: OrderRecord) -> Counters:
    if rec.outcome == "issued":
        return replace(c, issued=c.issued + 1, pages=c.pages + rec.pages, revenue=c.revenue + rec.paid)
    if rec.outcome in ("refunded", "owed"):
        return replace(c, failed=c.failed + 1, refunds=c.refunds + rec.refunded, owed=c.owed + rec.owed)
    if rec.outcome == "abandoned":
        return replace(c, abandoned=c.abandoned + 1, owed=c.owed + rec.owed)
    return c


_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, fee INTEGER NOT NULL, inserted INTEGER NOT NULL, paid INTEGER NOT NULL,
    issued INTEGER NOT NULL, result TEXT NOT NULL, pages INTEGER NOT NULL, completed INTEGER NOT NULL,
    refunded INTEGER NOT NULL, outcome TEXT NOT NULL, owed INTEGER NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, step TEXT NOT NULL,
    amount INTEGER NOT NULL, pages INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_COLUMNS = ("order_id", "fee", "inserted", "paid", "issued", "result", "pages", "completed", "refunded",
            "outcome", "owed")
# Written out (not joined from _COLUMNS at run time) so that no SQL text is ever built dynamically.
_SELECT = ("SELECT order_id, fee, inserted, paid, issued, result, pages, completed, refunded, outcome, owed "
           "FROM orders")
_UPSERT = ("INSERT OR REPLACE INTO orders (order_id, fee, inserted, paid, issued, result, pages, completed, "
           "refunded, outcome, owed, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Journal:
    """The order journal in one SQLite file.  Use as a context manager; one writer process.

    :param path: the database file (its directory is created).
    :param clock: wall-clock seconds for the step log (injected for tests).
    :raises JournalError: the file cannot be opened as a journal.
    """

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, one transaction per step.
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=5.0,
                                         check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk before record() returns
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as e:
            raise JournalError(f"cannot open journal {self.path}: {e}") from e

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------------------

    def record(self, order_id: str, step: str, amount: int = 0, pages: int = 0) -> OrderRecord:
        """Apply one step atomically (and durably) and return the order as it now stands.

        :raises JournalError: unknown order (for any step but ``created``), a step that cannot follow,
            or a storage failure; nothing is written then.
        """
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                rec = self._step(order_id, step, amount, pages)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise JournalError(f"journal write failed: {e}") from e
        return rec

    def _step(self, order_id: str, step: str, amount: int, pages: int) -> OrderRecord:
        old = self._get(order_id)
        if step == "created":
            if old is not None:
                if old.fee == amount:
                    return old  # a repeated "created" (retry) changes nothing
                raise JournalError(f"order {order_id} already exists")
            new = OrderRecord(order_id, fee=amount)
        elif old is None:
            raise JournalError(f"order {order_id} is not in the journal")
        elif old.closed:
            if step in ("completed", "refunded", "abandoned"):
                return old  # repeated by a recovery after a crash: already counted
            raise JournalError(f"order {order_id} is closed")
        else:
            new = _apply(old, step, amount, pages)
        self._put(new, step, amount, pages)
        return new

    def settle_owed(self, order_id: str, owed: int, *, completed: bool) -> OrderRecord:
        """Close an order the recovery could not hand back money for (``outcome="owed"``)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                old = self._get(order_id)
                if old is None:
                    raise JournalError(f"order {order_id} is not in the journal")
                if old.closed:
                    self._conn.execute("COMMIT")
                    return old
                outcome: Outcome = "abandoned" if old.paid == 0 else "owed"
                new = replace(old, owed=owed, outcome=outcome, completed=old.completed or completed)
                self._put(new, "owed", owed, old.pages)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise JournalError(f"journal write failed: {e}") from e
        return new

    def _put(self, rec: OrderRecord, step: str, amount: int, pages: int) -> None:
        """Write the order and its step; count it if this write closes it (callers never re-close)."""
        now = self._clock()
        values = (*(getattr(rec, c) for c in _COLUMNS), now)
        self._conn.execute(_UPSERT, values)
        self._conn.execute("INSERT INTO steps (order_id, step, amount, pages, at) VALUES (?, ?, ?, ?, ?)",
                           (rec.order_id, step, amount, pages, now))
        if rec.closed:
            totals = _count(self.counters(), rec)
            self._conn.executemany("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)",
                                   list(vars(totals).items()))

    # --- reading ------------------------------------------------------------------------------------

    def _get(self, order_id: str) -> OrderRecord | None:
        row = self._conn.execute(_SELECT + " WHERE order_id = ?", (order_id,)).fetchone()
        return None if row is None else _row(row)

    def get(self, order_id: str) -> OrderRecord | None:
        return self._get(order_id)

    def open_orders(self) -> list[OrderRecord]:
        """Orders not closed yet, oldest first."""
        rows = self._conn.execute(_SELECT + " WHERE outcome = '' ORDER BY updated, order_id").fetchall()
        return [_row(r) for r in rows]

    def counters(self) -> Counters:
        values = dict(self._conn.execute("SELECT name, value FROM counters").fetchall())
        return Counters(**{k: int(values.get(k, 0)) for k in vars(Counters())})

    def steps(self, order_id: str) -> list[str]:
        """The step log of one order (for the service menu and tests)."""
        rows = self._conn.execute("SELECT step FROM steps WHERE order_id = ? ORDER BY seq", (order_id,))
        return [r[0] for r in rows.fetchall()]


def _row(row: tuple[Any, ...]) -> OrderRecord:
    d = dict(zip(_COLUMNS, row, strict=True))
    return OrderRecord(
        order_id=d["order_id"], fee=d["fee"], inserted=d["inserted"], paid=d["paid"],
        issued=bool(d["issued"]), result=d["result"], pages=d["pages"], completed=bool(d["completed"]),
        refunded=d["refunded"], outcome=d["outcome"], owed=d["owed"],
    )


# --- recovery after a restart -------------------------------------------------------------------------


class OrderCompleter(Protocol):
    """What the recovery needs from the center client: ``POST /v1/orders/{id}/complete``."""

    def complete(self, order_id: str, result: str, pages_printed: int) -> None: ...


@dataclass(frozen=True)
class Plan:
    """What to do with one unfinished order: tell the center (or not), then book the money."""

    complete: tuple[str, int] | None  # (result, pages) to send, None when the center need not hear
    owed: int  # money the resident did not get back (they are gone after a restart)


def plan(rec: OrderRecord) -> Plan:
    """The pure decision for an open order found at start-up (docs/kiosk-flow.md "Journal")."""
    if rec.paid == 0:
        # Never issued: nothing to void.  Coins taken and not returned are owed.
        return Plan(None, max(0, rec.inserted - rec.refunded))
    owed = max(0, rec.paid - rec.refunded)
    if rec.completed:
        return Plan(None, 0 if rec.result == "printed" else owed)
    if rec.result == "printed":
        return Plan(("printed", rec.pages), 0)
    # Paid but not printed (or printing was cut): void everything at the center.  Any page that did
    # come out carries a seal the center now reports as voided.
    return Plan(("failed", rec.pages if rec.result == "failed" else 0), owed)


@dataclass(frozen=True)
class RecoveryResult:
    resolved: tuple[str, ...]  # order ids closed now
    pending: tuple[str, ...]  # still open (center unreachable): try again later


def recover(
    journal: Journal, center: OrderCompleter, *, is_unreachable: Callable[[Exception], bool]
) -> RecoveryResult:
    """Resolve every open order with the center and close it; safe to run again after a crash.

    :param is_unreachable: tells a transport failure (keep the order open, retry later) from a
        refusal (the center knows better: e.g. ``order_unknown`` means nothing to void).
    :raises JournalError: the journal cannot be written.
    """
    resolved: list[str] = []
    pending: list[str] = []
    for rec in journal.open_orders():
        p = plan(rec)
        if p.complete is not None:
            try:
                center.complete(rec.order_id, p.complete[0], p.complete[1])
            except Exception as e:  # a typed center error; which kind decides (see is_unreachable)
                if is_unreachable(e):
                    pending.append(rec.order_id)
                    continue
                log.warning("recovery: center refused to complete order %s (%s)", rec.order_id,
                            getattr(e, "code", type(e).__name__))
            if p.complete[0] == "printed" and rec.result == "printed":
                journal.record(rec.order_id, "completed")
                resolved.append(rec.order_id)
                continue
            if rec.result == "":
                journal.record(rec.order_id, "failed", pages=p.complete[1])
            journal.record(rec.order_id, "completed")
        after = journal.get(rec.order_id)
        if after is not None and not after.closed:
            journal.settle_owed(rec.order_id, p.owed, completed=p.complete is not None)
        resolved.append(rec.order_id)
        log.info("recovery: order %s resolved (owed %d)", rec.order_id, p.owed)
    return RecoveryResult(tuple(resolved), tuple(pending))
