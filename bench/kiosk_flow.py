"""Benchmarks of the kiosk core: the pure flow, the journal (fsync'd), recovery, config loading.

Run: ``python bench/kiosk_flow.py [--json]``.  Prints a small table (and JSON with ``--json``).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixtures.kiosk_flow import Kiosk  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.flow import states as st  # noqa: E402
from kiosk.journal import Journal, recover  # noqa: E402


def _transaction() -> int:
    k = Kiosk()
    k.to_printing()
    k.send(st.PrintProgress(1, 1), st.Printed(1), st.CardRemoved(), st.DocumentsTaken())
    k.wait(5)
    return len(k.effects)


def bench_flow(n: int = 300) -> dict[str, float]:
    t0 = time.perf_counter()
    effects = 0
    for _ in range(n):
        effects = _transaction()
    dt = time.perf_counter() - t0
    return {"transactions": n, "ms_per_transaction": 1000 * dt / n, "effects_per_transaction": effects}


class _Center:
    def complete(self, order_id: str, result: str, pages_printed: int) -> None:
        return None


def bench_journal(n: int = 200) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        j = Journal(Path(d) / "j.db")
        lat: list[float] = []
        for i in range(n):
            oid = f"o-{i}"
            steps = (("created", 200, 0), ("paid", 200, 0), ("issued", 0, 0), ("printed", 0, 1))
            for step, amount, pages in steps:
                t = time.perf_counter()
                j.record(oid, step, amount, pages)
                lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = recover(j, _Center(), is_unreachable=lambda e: False)
        rec_s = time.perf_counter() - t
        j.close()
    lat.sort()
    return {"steps": len(lat), "step_ms_median": 1000 * statistics.median(lat),
            "step_ms_p95": 1000 * lat[int(0.95 * len(lat))], "recovered_orders": len(res.resolved),
            "recovery_ms_per_order": 1000 * rec_s / max(1, len(res.resolved))}


def bench_config(n: int = 200) -> dict[str, float]:
    path = ROOT / "kiosk" / "examples" / "kiosk.toml"
    t = time.perf_counter()
    for _ in range(n):
        load_config(path)
    return {"loads": n, "ms_per_load": 1000 * (time.perf_counter() - t) / n}


def main() -> int:
    results = {"flow": bench_flow(), "journal": bench_journal(), "config": bench_config()}
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
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
