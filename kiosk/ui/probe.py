"""The measured process of ``bench/kiosk.py`` (kept here: only ``kiosk/ui`` may import Kivy).

Prints two JSON lines: when the first frame is drawn (with RSS), then the tap → next-frame times of one
whole transaction and the RSS after it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
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
    from kiosk.flow import events as evt
    from kiosk.simulated_devices import SimulatedDevices
    from kiosk.ui.app import KioskApp
    from kiosk.ui.i18n import LANGUAGES
    from kiosk.ui.port import LocalPort

    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    devices = SimulatedDevices(auto_pay=True, auto_print=True)
    port = LocalPort(Flow(FlowSettings(languages=LANGUAGES)), devices)
    app = KioskApp(port, settings)
    app._run_prepare()
    runTouchApp(embedded=True)
    while not flips:
        EventLoop.idle()
    _emit({"ready": time.time(), "rss_mb": _rss_mb()})

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
    port.submit(evt.CardInserted())
    for _ in range(20):
        EventLoop.idle()
    for d in "123":
        taps.append(("pin digit", tap_and_wait(*button(d))))
    taps.append(("pin digit", tap_and_wait(*button("4"))))
    for name, text in [("pin→municipality", "確定"), ("municipality→certificate", "住民登録地"),
                       ("certificate→copies", "印鑑登録証明書"), ("copies +1", "増やす"),
                       ("copies→confirm", "次へ"), ("pay→take card", "支払う")]:
        taps.append((name, tap_and_wait(*button(text))))
    _emit({"taps": taps, "rss_after_mb": _rss_mb()})
    app.stop()



if __name__ == "__main__":
    main()
