"""``python -m kiosk --config FILE`` (no ``--simulate``) runs the UI on the real device wiring: with the
printer and the center unreachable it comes up and goes OUT_OF_SERVICE instead of failing; without the
center's TLS files it exits 2 with a message and no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.center import CenterData

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
HIL = REPO / "kiosk" / "examples" / "kiosk-hil.toml"
ENV = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "PYTHONPATH": str(REPO), "KIVY_NO_ARGS": "1"}


def _config(tmp_path: Path, data_dir: Path) -> Path:
    text = HIL.read_text(encoding="utf-8").replace("../../var/center", str(data_dir))
    text = text.replace("../../var/hil/kiosk", str(tmp_path / "kiosk"))
    text = text.replace("../../var/hil/printer.tty", str(tmp_path / "no-such.tty"))
    text = text.replace('"https://127.0.0.1:8443"', '"https://127.0.0.1:9"')  # nothing listens there
    text = text.replace("port = 9101", "port = 9")
    text = text.replace('reader = "Virtual PCD 00 00"', 'reader = "no such reader"')
    text = text.replace("resolution = [1280, 1024]", "resolution = [1024, 768]")
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_the_wired_ui_starts_out_of_service(center_data: CenterData, tmp_path: Path) -> None:
    cfg = _config(tmp_path, center_data.path)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg)], cwd=REPO, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "-> OUT_OF_SERVICE" in line:
                break
        text = "".join(lines)
        assert "Start application main loop" in text or "OUT_OF_SERVICE" in text, text[-3000:]
        # The start-up device check (DeviceFault) or the idle printer poll (DevicesPolled), whichever
        # reports the missing printer first: both are a device fault, never a crash or a simulation.
        assert re.search(r"ATTRACT -> OUT_OF_SERVICE on (DeviceFault|DevicesPolled)\b", text), text[-3000:]
        assert "simulated" not in text and "Traceback" not in text
        assert proc.poll() is None  # still running, showing the out-of-service screen
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def test_missing_center_files_exit_2_without_a_traceback(tmp_path: Path) -> None:
    cfg = _config(tmp_path, tmp_path / "no-center")
    r = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg)], cwd=REPO, env=ENV,
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "cannot start" in r.stderr and "center.data_dir" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
