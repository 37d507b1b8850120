"""Kiosk UI benchmark: start-up time, memory (RSS) and tap → next screen drawn.

    python bench/kiosk.py [--runs 3]

Each run is a fresh process (``python -m kiosk.ui.probe``: offscreen SDL, 1280×800) running the real flow
with the simulated devices:
start-up is measured from ``Popen`` to the first frame drawn; then one whole transaction is tapped
through and, for every tap, the time from the touch to the first frame that shows the new screen
(``Window.on_flip`` after the re-render; frame pacing at 60 fps included, as on the device).
Prints a table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_once() -> dict[str, Any]:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": str(REPO)}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-m", "kiosk.ui.probe"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    ready, result = lines[0], lines[1]
    return {"startup_s": ready["ready"] - t0, "rss_mb": ready["rss_mb"],
            "rss_after_mb": result["rss_after_mb"],
            "taps": result["taps"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = [run_once() for _ in range(args.runs)]
    taps = [ms for r in runs for _, ms in r["taps"]]
    screen = [ms for r in runs for name, ms in r["taps"] if "→" in name]
    summary = {
        "startup_s_median": round(statistics.median(r["startup_s"] for r in runs), 3),
        "rss_mb_at_start": round(statistics.median(r["rss_mb"] for r in runs), 1),
        "rss_mb_after_transaction": round(statistics.median(r["rss_after_mb"] for r in runs), 1),
        "tap_to_next_screen_ms_median": round(statistics.median(screen), 1),
        "tap_to_next_screen_ms_p95": round(sorted(screen)[int(0.95 * (len(screen) - 1))], 1),
        "tap_to_redraw_ms_median_all": round(statistics.median(taps), 1),
        "runs": args.runs, "resolution": "1280x800", "video": "offscreen (Mesa llvmpipe)",
    }
    print(f"{'metric':34} {'value':>10}")
    for key, value in summary.items():
        print(f"{key:34} {value!s:>10}")
    print("per tap (median ms):")
    names = list(dict.fromkeys(name for name, _ in runs[0]["taps"]))
    for name in names:
        print(f"  {name:32} {statistics.median(ms for r in runs for n, ms in r['taps'] if n == name):8.1f}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
