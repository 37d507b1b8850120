"""``bench/print.py --smoke`` in the test run: it exits 0 only when a receipt and an IPP job each
way were reported printed, and its JSON carries the IPP figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_print_bench_smoke() -> None:
    done = subprocess.run([sys.executable, "bench/print.py", "--smoke"], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["smoke"] == "ok"
    assert [(r["sides"], r["impressions"]) for r in out["ipp"]] == [(1, 1), (2, 2)]
    assert all(r["pages_per_minute"] > 0 for r in out["ipp"])
