"""The soak bench in smoke mode (issue 12): faults on, seconds; it must find nothing crossed or unsettled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_soak_smoke_runs_clean(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [sys.executable, str(REPO / "bench" / "soak.py"), "--smoke", "--data", str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["crossed"] == 0 and out["unsettled"] == 0 and out["chain_ok"] is True
    assert out["transactions"] > 0 and out["completed_twice"] == 0 and out["unvoided"] == 0
    assert sum(out["faults"].values()) > 0 and out["center_restarts"] >= 1
    assert {"errors_by_code", "tx_per_s", "p99_ms", "rss_mb"} <= set(out)


def test_hostile_bench_smoke(tmp_path: Path) -> None:
    """bench/hostile.py --smoke: memory per idle TLS connection and a kiosk under a slow flood."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "hostile.py"),
            "--smoke",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "hostile.json"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["memory"]["kib_per_connection"] < 150  # asyncio's default buffer alone is 256 KiB
    assert out["flood"]["transactions"] == 10 and out["flood"]["flood_connections"] == 300
