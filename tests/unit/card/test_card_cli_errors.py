"""``python -m card`` without a PC/SC service: one clear line, exit 3 (no pcscd needed for this test).

pcsc-lite's client library honours PCSCLITE_CSOCK_NAME, so pointing it at a missing socket is exactly
what a machine without pcscd looks like, without stopping the shared daemon.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("args", [["readers"], ["info", "--json"], ["info", "--reader", "PCD"]])
def test_no_pcscd(tmp_path: Path, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.sock")}
    run = subprocess.run([sys.executable, "-m", "card", *args], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 3
    assert run.stdout == ""
    assert run.stderr.startswith("error: cannot reach the PC/SC service") and run.stderr.count("\n") == 1
