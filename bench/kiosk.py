"""Kiosk UI benchmark: start-up time, memory (RSS) and tap → next screen drawn.

    python bench/kiosk.py [--runs 3]

Each run is a fresh process (offscreen SDL, 1280×800) running the real flow with the simulated devices:
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
# Run as a script, this file's directory comes first on sys.path and "kiosk" would name this very file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child() -> None:  # pragma: no cover - runs in the measured process
    from kiosk.ui.boot import prepare
    from kiosk.ui.settings import UISettings

    settings = UISettings(width=1280, height=800, fullscreen=True, sound=False)
    prepare(settings)
    from kivy.base import EventLoop, runTouchApp
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    from kiosk.flow import Flow, FlowSettings
    from kiosk.ui.app import KioskApp
    from kiosk.ui.i18n import LANGUAGES
    from kiosk.ui.port import LocalPort
    from kiosk.ui.simulated import SimulatedDevices

    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    devices = SimulatedDevices(auto_pay=True, auto_print=True)
    port = LocalPort(Flow(FlowSettings(languages=LANGUAGES)), devices)
    app = KioskApp(port, settings)
    app._run_prepare()
    runTouchApp(embedded=True)
    while not flips:
        EventLoop.idle()
    print(json.dumps({"ready": time.time(), "rss_mb": _rss_mb()}), flush=True)

    def tap_and_wait(x: float, y: float) -> float:
        before = app.renders
        t0 = time.perf_counter()
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()
        while app.renders == before or not flips or flips[-1] < app.last_render:
            EventLoop.idle()
        return (flips[-1] - t0) * 1000

    def button(text: str) -> Any:
        for w in app.root_layout.walk():
            if isinstance(w, ButtonBehavior) and any(
                    isinstance(c, Label) and c.text.endswith(text) for c in w.walk(restrict=True)):
                return w.to_window(*w.center)
        raise LookupError(text)

    taps: list[tuple[str, float]] = [("attract→language", tap_and_wait(640, 400))]
    for name, text in [("language→notice", "日本語"), ("notice→card", "次へ")]:
        taps.append((name, tap_and_wait(*button(text))))
    port.submit(__import__("kiosk.flow.states", fromlist=["CardInserted"]).CardInserted())
    for _ in range(20):
        EventLoop.idle()
    for d in "123":
        taps.append(("pin digit", tap_and_wait(*button(d))))
    taps.append(("pin digit", tap_and_wait(*button("4"))))
    for name, text in [("pin→municipality", "確定"), ("municipality→certificate", "住民登録地"),
                       ("certificate→copies", "印鑑登録証明書"), ("copies +1", "増やす"),
                       ("copies→confirm", "次へ"), ("pay→take card", "支払う")]:
        taps.append((name, tap_and_wait(*button(text))))
    print(json.dumps({"taps": taps, "rss_after_mb": _rss_mb()}), flush=True)
    app.stop()


def run_once() -> dict[str, Any]:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": str(REPO)}
    t0 = time.time()
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    ready, result = lines[0], lines[1]
    return {"startup_s": ready["ready"] - t0, "rss_mb": ready["rss_mb"],
            "rss_after_mb": result["rss_after_mb"],
            "taps": result["taps"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child()
        return 0
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
