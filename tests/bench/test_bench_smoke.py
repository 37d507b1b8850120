"""Every bench in ``bench/`` runs in its self-checking smoke mode, so none can rot unnoticed.

The list is a glob: a new bench joins automatically and fails here until it has a ``--smoke`` that
exits 0 and prints its JSON line last.  A smoke run checks its own results (what it measured must be
correct, not just present) and exits non-zero when a check fails; this test only sees the exit code and
the JSON, so the checks live with the bench.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fixtures.bench_smoke import run_smoke

REPO = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.name for p in (REPO / "bench").glob("*.py") if not p.name.startswith("_"))

# Benches whose --smoke is being added on another branch; emptied when those branches are merged.  They
# are expected to fail (strict: the moment one gains a passing --smoke, its entry here must go).
PENDING_SMOKE: set[str] = set()

# What each bench needs (the suite's markers select or skip them); an unknown bench counts as slow.
MARKS: dict[str, tuple[str, ...]] = {
    "kiosk_flow.py": (),
    "render.py": ("slow",),
    "kiosk.py": ("ui", "slow"),
    "kiosk_wiring.py": ("pcsc", "slow"),
    "card.py": ("pcsc", "slow"),
    "print.py": ("slow",),
    "center.py": ("postgres", "slow"),
    "e2e.py": ("hil", "pcsc", "slow"),
    "soak.py": ("postgres", "slow"),
    "hostile.py": ("slow",),
}
TIMEOUT_S = {"e2e.py": 600.0, "center.py": 300.0}
DEFAULT_TIMEOUT_S = 180.0


def _params() -> list[object]:
    out: list[object] = []
    for name in BENCHES:
        marks = [getattr(pytest.mark, m) for m in MARKS.get(name, ("slow",))]
        marks.append(pytest.mark.timeout(TIMEOUT_S.get(name, DEFAULT_TIMEOUT_S) + 60))
        if name in PENDING_SMOKE:
            marks.append(pytest.mark.xfail(strict=True, reason="--smoke lands with its own branch"))
        out.append(pytest.param(name, marks=marks, id=name.removesuffix(".py")))
    return out


def test_the_glob_finds_the_benches_and_the_pending_list_names_real_ones() -> None:
    assert {"kiosk.py", "kiosk_flow.py", "kiosk_wiring.py", "render.py", "e2e.py"} <= set(BENCHES)
    assert not PENDING_SMOKE - set(BENCHES), PENDING_SMOKE - set(BENCHES)


@pytest.mark.parametrize("bench", _params())
def test_bench_smoke(bench: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    timeout = TIMEOUT_S.get(bench, DEFAULT_TIMEOUT_S)
    try:  # the same run as the integration tests that check a bench's figures (fixtures/bench_smoke.py)
        done = run_smoke(tmp_path_factory, bench, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{bench} --smoke took over {timeout:.0f} s: {str(e.stdout)[-1500:]}")
    detail = f"exit {done.returncode}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, detail
    lines = done.stdout.strip().splitlines()
    assert lines, detail
    summary = json.loads(lines[-1])
    assert isinstance(summary, dict) and summary, detail
