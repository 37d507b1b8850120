"""The card and center-verification benches' --smoke modes (self-checking, seconds): run by make test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.bench_smoke import run_smoke
from fixtures.pcsc import PcscdHandle

REPO = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.pcsc
@pytest.mark.timeout(900)  # ~45 s alone; it queues for the vpcd slot behind other pcscd users
def test_bench_card_smoke(pcscd: PcscdHandle, tmp_path_factory: pytest.TempPathFactory) -> None:
    # The bench serves its cards through serve_virtual_card, which takes the vpcd slot's lock itself.
    r = run_smoke(tmp_path_factory, "card.py", timeout=840)  # tests/bench/test_bench_smoke.py's run too
    assert r.returncode == 0, r.stderr[-2000:]
    assert "smoke: ok" in r.stdout
    for kind in ("card", "smartphone", "nextgen"):
        assert f"\n{kind} " in r.stdout


def test_bench_center_verification_smoke() -> None:
    r = subprocess.run([sys.executable, "bench/center.py", "--verify-only", "--smoke"], cwd=REPO, env=ENV,
                       text=True, capture_output=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "smoke: ok" in r.stdout and "RSA-2048/SHA-256" in r.stdout and "ECDSA-P384/SHA-384" in r.stdout
