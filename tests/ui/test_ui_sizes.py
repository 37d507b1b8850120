"""Every tested screen size, each in its own process: touch targets of 15 mm on a typical panel of that
size, no text overflowing or cut mid-word in any language, no control off screen; screenshots per size
and language under var/screenshots/sizes/<W>x<H>/<lang>/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ui.conftest import REPO, SHOT_DIR

from kiosk.ui.layouts import SIZES


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.timeout(660)  # the child's own limit (600 s) decides, not the suite's default 300 s
def test_every_screen_fits_at(size: str) -> None:
    width, height = SIZES[size]
    out = SHOT_DIR / "sizes"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("size_child.py")), str(width),
                           str(height), str(out)], env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["size"] == size and result["target_px"] >= 50
    assert result["problems"] == [], "\n".join(result["problems"][:40])
    assert result["shots"] > 0
    shot = out / size / "ja" / "pin.png"
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (width, height)
