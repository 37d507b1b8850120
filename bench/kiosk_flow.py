"""Benchmarks of the kiosk core: the pure flow, the journal (fsync'd), recovery, config loading.

    python bench/kiosk_flow.py [--smoke]

Every figure is checked before it is printed: each flow transaction must end on the attract loop having
printed once, completed its order as printed and wiped the resident; every journalled order must be
recovered (the center told ``printed``, 1 page) and the journal left with no open order; the loaded
config must say what the TOML file says.  ``--smoke`` runs a few of each in well under a second.
Prints a small table and, last, one JSON line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixtures.kiosk_flow import Kiosk  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.flow import State  # noqa: E402
from kiosk.flow import effects as fx  # noqa: E402
from kiosk.flow import events as evt  # noqa: E402
from kiosk.journal import Journal, recover  # noqa: E402


def _transaction(bad: list[str]) -> int:
    """One whole 住民票 transaction, from the attract loop back to it; the number of effects."""
    k = Kiosk()
    k.to_printing()
    k.send(evt.PrintProgress(1, 1), evt.Printed(1), evt.CardRemoved(), evt.DocumentsTaken())
    k.wait(5)
    completes = k.of(fx.CompleteOrder)
    if k.state is not State.ATTRACT:
        bad.append(f"flow: a transaction ended on {k.state.name}")
    if len(k.of(fx.Print)) != 1 or [(c.result, c.pages_printed) for c in completes] != [("printed", 1)]:
        bad.append(f"flow: prints {len(k.of(fx.Print))}, completions {completes}")
    if not k.of(fx.WipeResident):
        bad.append("flow: the resident's data was not wiped")
    return len(k.effects)


def bench_flow(n: int, bad: list[str]) -> dict[str, float]:
    t0 = time.perf_counter()
    counts = {_transaction(bad) for _ in range(n)}
    dt = time.perf_counter() - t0
    if len(counts) != 1:  # the pure flow is deterministic: the same inputs, the same effects
        bad.append(f"flow: effects per transaction vary {sorted(counts)}")
    return {"transactions": n, "ms_per_transaction": 1000 * dt / n, "effects_per_transaction": max(counts)}


class _Center:
    """The recovery's view of the center; remembers what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str, int]] = []

    def complete(self, order_id: str, result: str, pages_printed: int) -> None:
        self.told.append((order_id, result, pages_printed))


def bench_journal(n: int, bad: list[str]) -> dict[str, float]:
    center = _Center()
    with tempfile.TemporaryDirectory() as d, Journal(Path(d) / "j.db") as j:
        lat: list[float] = []
        for i in range(n):
            oid = f"o-{i}"
            steps = (("created", 200, 0), ("paid", 200, 0), ("issued", 0, 0), ("printed", 0, 1))
            for step, amount, pages in steps:
                t = time.perf_counter()
                j.record(oid, step, amount, pages)
                lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = recover(j, center, is_unreachable=lambda e: False)
        rec_s = time.perf_counter() - t
        left = j.open_orders()
        closed = [j.get(f"o-{i}") for i in range(n)]
    # Printed but never completed: the center must hear "printed, 1 page" once per order, and nothing
    # is owed (the resident got their document and paid).
    if sorted(res.resolved) != sorted(f"o-{i}" for i in range(n)) or res.pending or left:
        bad.append(f"journal: resolved {len(res.resolved)}/{n}, pending {len(res.pending)}, open {len(left)}")
    if sorted(center.told) != sorted((f"o-{i}", "printed", 1) for i in range(n)):
        bad.append(f"journal: the center was told {center.told[:3]}…")
    if any(r is None or not r.completed or r.owed != 0 for r in closed):
        bad.append("journal: a recovered order is not completed, or something is owed")
    lat.sort()
    return {"steps": len(lat), "step_ms_median": 1000 * statistics.median(lat),
            "step_ms_p95": 1000 * lat[int(0.95 * len(lat))], "recovered_orders": len(res.resolved),
            "recovery_ms_per_order": 1000 * rec_s / max(1, len(res.resolved))}


def bench_config(n: int, bad: list[str]) -> dict[str, float]:
    path = ROOT / "kiosk" / "examples" / "kiosk.toml"
    raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    t = time.perf_counter()
    for _ in range(n):
        cfg = load_config(path)
    dt = time.perf_counter() - t
    if (cfg.kiosk.id, cfg.printer.profile) != (raw["kiosk"]["id"], raw["printer"]["profile"]):
        bad.append(f"config: loaded {cfg.kiosk.id}/{cfg.printer.profile}, the file says otherwise")
    return {"loads": n, "ms_per_load": 1000 * dt / n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few of each, checked (well under a second)")
    ap.add_argument("--json", action="store_true", help="ignored: the JSON line is always printed")
    args = ap.parse_args()
    flows, orders, loads = (20, 20, 10) if args.smoke else (300, 200, 200)
    bad: list[str] = []
    results = {"flow": bench_flow(flows, bad), "journal": bench_journal(orders, bad),
               "config": bench_config(loads, bad)}
    print(f"{'what':<34}{'value':>12}")
    rows = [
        ("flow: ms per whole transaction", results["flow"]["ms_per_transaction"]),
        ("journal: ms per step (median)", results["journal"]["step_ms_median"]),
        ("journal: ms per step (p95)", results["journal"]["step_ms_p95"]),
        ("recovery: ms per open order", results["journal"]["recovery_ms_per_order"]),
        ("config: ms per load", results["config"]["ms_per_load"]),
    ]
    for name, value in rows:
        print(f"{name:<34}{value:>12.3f}")
    for msg in bad:
        print(f"CHECK FAILED: {msg}", file=sys.stderr)
    print(json.dumps({**results, "smoke": args.smoke, "checks": "failed" if bad else "passed"}))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
