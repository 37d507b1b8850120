"""The crash-safe order journal: a real process is SIGKILLed at every step (after and inside the commit),
then a restart resolves the order with the center and counts it exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.journal import Counters, Journal, JournalError, OrderRecord, plan, recover

REPO = Path(__file__).resolve().parents[3]

HAPPY = [("created", 200, 0), ("paying", 100, 0), ("paying", 500, 0), ("paid", 200, 0), ("issued", 0, 0),
         ("printed", 0, 2), ("completed", 0, 0)]
FAILED = [("created", 300, 0), ("paid", 300, 0), ("issued", 0, 0), ("failed", 0, 1), ("completed", 0, 0),
          ("refunded", 300, 0)]
ABANDONED = [("created", 200, 0), ("paying", 100, 0), ("abandoned", 100, 0)]

# What a restart after k committed steps must end with: (outcome, owed, complete call or None).
EXPECTED = {
    "happy": [None, ("abandoned", 0, None), ("abandoned", 100, None), ("abandoned", 500, None),
              ("owed", 200, ("failed", 0)), ("owed", 200, ("failed", 0)), ("issued", 0, ("printed", 2)),
              ("issued", 0, None)],
    "failed": [None, ("abandoned", 0, None), ("owed", 300, ("failed", 0)), ("owed", 300, ("failed", 0)),
               ("owed", 300, ("failed", 1)), ("owed", 300, None), ("refunded", 0, None)],
    "abandoned": [None, ("abandoned", 0, None), ("abandoned", 100, None), ("abandoned", 0, None)],
}
SCENARIOS = {"happy": HAPPY, "failed": FAILED, "abandoned": ABANDONED}

CHILD = r"""
import json, os, signal, sys
from kiosk.journal import Journal
steps, k, mode, path = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
j = Journal(path)
for step, amount, pages in steps[:k]:
    j.record("ord-1", step, amount, pages)
if mode == "inside" and k < len(steps):
    # Die inside the next step's transaction: after its writes, just before COMMIT reaches the disk.
    def trace(sql):
        if sql.strip().upper().startswith("COMMIT"):
            os.kill(os.getpid(), signal.SIGKILL)
    j._conn.set_trace_callback(trace)
    step, amount, pages = steps[k]
    j.record("ord-1", step, amount, pages)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _run_child(tmp: Path, scenario: str, k: int, mode: str) -> Path:
    path = tmp / "journal.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-c", CHILD, json.dumps(SCENARIOS[scenario]), str(k), mode, str(path)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    return path


@dataclass
class RecordingCenter:
    """Answers ``complete`` like the center would, recording the calls; can be 'unreachable'."""

    calls: list[tuple[str, str, int]] = field(default_factory=list)
    unreachable: bool = False

    def complete(self, order_id: str, result: str, pages_printed: int) -> None:
        if self.unreachable:
            raise ConnectionError("center unreachable")
        self.calls.append((order_id, result, pages_printed))


def _unreachable(e: Exception) -> bool:
    return isinstance(e, ConnectionError)


CASES = [(s, k, mode) for s, steps in SCENARIOS.items() for k in range(len(steps) + 1)
         for mode in ("after", "inside")]


@pytest.mark.parametrize(("scenario", "k", "mode"), CASES)
def test_kill_at_every_step_then_restart_resolves_once(
    tmp_path: Path, scenario: str, k: int, mode: str
) -> None:
    path = _run_child(tmp_path, scenario, k, mode)
    expected = EXPECTED[scenario][k]  # a kill inside step k+1's commit loses exactly that step
    with Journal(path) as j:
        rec = j.get("ord-1")
        if expected is None:
            assert rec is None
            return
        assert rec is not None
        assert len(j.steps("ord-1")) == k
        center = RecordingCenter()
        result = recover(j, center, is_unreachable=_unreachable)
        outcome, owed, call = expected
        final = j.get("ord-1")
        assert final is not None and (final.outcome, final.owed) == (outcome, owed)
        assert center.calls == ([] if call is None else [("ord-1", *call)])
        assert result.pending == ()
        counted = j.counters()
    # A second restart (or a crash during the first recovery) changes nothing and counts nothing twice.
    with Journal(path) as j:
        center2 = RecordingCenter()
        assert recover(j, center2, is_unreachable=_unreachable).resolved == ()
        assert center2.calls == [] and j.counters() == counted
    assert counted.issued + counted.failed + counted.abandoned == 1
    assert counted.owed == owed


def test_unreachable_center_keeps_the_order_open_for_a_later_retry(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        for step, amount, pages in HAPPY[:6]:
            j.record("ord-1", step, amount, pages)
        down = RecordingCenter(unreachable=True)
        assert recover(j, down, is_unreachable=_unreachable).pending == ("ord-1",)
        assert j.get("ord-1") == OrderRecord("ord-1", fee=200, inserted=500, paid=200, issued=True,
                                             result="printed", pages=2)
        assert j.counters() == Counters()
        up = RecordingCenter()
        assert recover(j, up, is_unreachable=_unreachable).resolved == ("ord-1",)
        assert up.calls == [("ord-1", "printed", 2)]
        assert j.counters() == Counters(issued=1, pages=2, revenue=200)


def test_a_center_refusal_still_resolves_the_order(tmp_path: Path) -> None:
    class Refusing:
        def complete(self, order_id: str, result: str, pages_printed: int) -> None:
            raise ValueError("order_unknown")

    with Journal(tmp_path / "j.db") as j:
        for step, amount, pages in HAPPY[:5]:
            j.record("ord-1", step, amount, pages)
        recover(j, Refusing(), is_unreachable=_unreachable)
        rec = j.get("ord-1")
        assert rec is not None and (rec.outcome, rec.owed) == ("owed", 200)


@pytest.mark.parametrize(
    ("prefix", "bad"),
    [
        ([], ("paid", 200, 0)),  # unknown order
        (HAPPY[:1], ("issued", 0, 0)),  # issued before paid
        (HAPPY[:4], ("paying", 50, 0)),  # more money after payment
        (HAPPY[:4], ("printed", 0, 1)),  # printed before issued
        (HAPPY[:6], ("failed", 0, 1)),  # printed then failed
        (HAPPY[:4], ("nonsense", 0, 0)),
        (ABANDONED, ("paid", 200, 0)),  # closed
    ],
)
def test_steps_that_cannot_follow_are_refused_and_change_nothing(
    tmp_path: Path, prefix: list[tuple[str, int, int]], bad: tuple[str, int, int]
) -> None:
    with Journal(tmp_path / "j.db") as j:
        for step, amount, pages in prefix:
            j.record("ord-1", step, amount, pages)
        before = (j.get("ord-1"), j.steps("ord-1"))
        with pytest.raises(JournalError):
            j.record("ord-1", *bad)
        assert (j.get("ord-1"), j.steps("ord-1")) == before


def test_the_journal_holds_no_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as j:
        for step, amount, pages in HAPPY:
            j.record("ord-1", step, amount, pages)
    import sqlite3

    con = sqlite3.connect(path)
    columns = {r[1] for t in ("orders", "steps", "counters") for r in con.execute(f"PRAGMA table_info({t})")}
    con.close()
    assert columns <= {"order_id", "fee", "inserted", "paid", "issued", "result", "pages", "completed",
                       "refunded", "outcome", "owed", "updated", "seq", "step", "amount", "at", "name",
                       "value"}


def test_plan_is_pure_and_covers_the_states() -> None:
    assert plan(OrderRecord("o", fee=200, inserted=100)).complete is None
    assert plan(OrderRecord("o", paid=200, issued=True, result="printed", pages=3)).complete == ("printed", 3)
    assert plan(OrderRecord("o", paid=200, issued=True)).complete == ("failed", 0)
    assert plan(OrderRecord("o", paid=200, result="failed", pages=1, refunded=200)).owed == 0


def test_unopenable_journal_is_a_typed_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError):
        Journal(bad)
