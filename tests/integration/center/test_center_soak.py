"""The soak bench in smoke mode (issue 12): faults on, seconds; it must find nothing crossed or unsettled."""

from __future__ import annotations

import json

import pytest
from fixtures.bench_smoke import run_smoke


def test_soak_smoke_runs_clean(tmp_path_factory: pytest.TempPathFactory) -> None:
    r = run_smoke(tmp_path_factory, "soak.py")  # the run tests/bench/test_bench_smoke.py checks too
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["crossed"] == 0 and out["unsettled"] == 0 and out["chain_ok"] is True
    assert out["transactions"] > 0 and out["completed_twice"] == 0 and out["unvoided"] == 0
    assert sum(out["faults"].values()) > 0 and out["center_restarts"] >= 1
    assert {"errors_by_code", "tx_per_s", "p99_ms", "rss_mb"} <= set(out)


def test_hostile_bench_smoke(tmp_path_factory: pytest.TempPathFactory) -> None:
    """bench/hostile.py --smoke: memory per idle TLS connection and a kiosk under a slow flood."""
    r = run_smoke(tmp_path_factory, "hostile.py")  # the run tests/bench/test_bench_smoke.py checks too
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["memory"]["kib_per_connection"] < 150  # asyncio's default buffer alone is 256 KiB
    assert out["flood"]["transactions"] == 10 and out["flood"]["flood_connections"] == 300
