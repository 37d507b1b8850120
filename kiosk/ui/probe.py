"""The measured process of ``bench/kiosk.py`` (kept here: only ``kiosk/ui`` may import Kivy).

    python -m kiosk.ui.probe [--transactions N]

Runs the real app (offscreen, 1280×800) on the real flow with the simulated devices and taps N whole
transactions (印鑑登録証明書, 2 copies), finding every control by its ``Tile.key`` — never by its text, so
a reworded or translated label cannot break it.  Prints JSON lines: when the first frame is drawn (with
RSS), then the result: every tap → next-frame time, the screens each transaction went through, what
the flow asked of the devices, and the RSS after the last transaction.  Any failure is printed as a
JSON ``error`` line (Kivy swallows stderr when its console log is off) and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

__all__ = ["main"]

_TAP_TIMEOUT_S = 10.0  # a tap that draws nothing new within this is a failure, not a hang


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_by_mapping(top: int = 12) -> list[tuple[str, float]]:
    """Where the RSS is: MB per mapped file (``[anon]`` for heap and anonymous maps), largest first."""
    sizes: dict[str, int] = {}
    name = "[anon]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and not head[0].endswith(":"):  # a mapping's header: address perms offset dev inode [path]
            name = head[5] if len(head) > 5 and head[5].startswith("/") else "[anon]"
        elif head and head[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(head[1])
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])[:top]
    return [(path, round(kb / 1024, 1)) for path, kb in ranked]


def _run(transactions: int, voice: str | None = None) -> None:
    from kiosk.ui.boot import prepare
    from kiosk.ui.settings import UISettings

    settings = UISettings(width=1280, height=800, fullscreen=True, sound=False, tick_seconds=0)
    prepare(settings)
    from kivy.base import EventLoop, runTouchApp
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.flow import Flow, FlowSettings
    from kiosk.flow import effects as fx
    from kiosk.flow import events as evt
    from kiosk.simulated_devices import SimulatedDevices
    from kiosk.ui.app import KioskApp
    from kiosk.ui.i18n import LANGUAGES
    from kiosk.ui.port import LocalPort
    from kiosk.ui.widgets import Tile

    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    devices = SimulatedDevices(auto_pay=True, auto_print=True)
    port = LocalPort(Flow(FlowSettings(languages=LANGUAGES)), devices)
    from kiosk.config import VoiceConfig

    # --voice DIR: the same path with spoken guidance from the clips in DIR (bench: its added cost).
    app = KioskApp(port, settings, voice=VoiceConfig(clips=Path(voice)) if voice else None)
    app._run_prepare()
    runTouchApp(embedded=True)
    while not flips:
        EventLoop.idle()
    _emit({"ready": time.time(), "rss_mb": _rss_mb(), "rss_where": _rss_by_mapping()})

    def shown() -> str:
        """The state of the screen on display (not the flow's: what was drawn)."""
        return app.view.state.value if app.view is not None else "none"

    def wait_frame(before: int, t0: float, what: str) -> float:
        """Pump until a re-render has been drawn; ms from ``t0`` to that frame's flip."""
        deadline = time.monotonic() + _TAP_TIMEOUT_S
        while app.renders == before or not flips or flips[-1] < app.last_render:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: no new frame on {shown()} within {_TAP_TIMEOUT_S} s")
            EventLoop.idle()
        return (flips[-1] - t0) * 1000

    def tap_at(x: float, y: float, what: str) -> float:
        before, t0 = app.renders, time.perf_counter()
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()
        return wait_frame(before, t0, what)

    def target(key: str) -> Any:
        found = [w for w in app.root_layout.walk() if isinstance(w, Tile) and w.key == key]
        if len(found) != 1:
            raise LookupError(f"{len(found)} controls with key {key!r} on {shown()}")
        return found[0]

    def tap(key: str) -> float:
        w = target(key)
        x, y = w.to_window(*w.center)
        return tap_at(x, y, key)

    def device(event: evt.Event) -> None:
        """What a device reports (card in / out), rendered like any other change."""
        before = app.renders
        port.submit(event)
        wait_frame(before, time.perf_counter(), type(event).__name__)

    def step(name: str, action: Callable[[], float]) -> None:
        taps.append((name, action()))

    taps: list[tuple[str, float]] = []
    screens: list[list[str]] = []
    rss_per_transaction: list[float] = []
    for _ in range(transactions):
        seen = [shown()]
        step("attract→language", lambda: tap_at(Window.width / 2, Window.height / 2, "attract"))
        seen.append(shown())
        step("language→notice", lambda: tap("language.ja"))
        seen.append(shown())
        step("notice→place card", lambda: tap("button.next"))
        seen.append(shown())
        device(evt.CardInserted())  # the simulated card answers ReadCard at once: READING → PIN
        seen.append(shown())
        for d in "1234":
            step("pin digit", partial(tap, f"pin.{d}"))
        step("pin→municipality", lambda: tap("button.confirm"))
        seen.append(shown())
        home = next(c.key for c in port.view.choices if c.relation == "residence" and c.available)
        step("municipality→certificate", partial(tap, f"choice.{home}"))
        seen.append(shown())
        step("certificate→copies", lambda: tap("choice.inkan"))
        seen.append(shown())
        step("copies +1", lambda: tap("button.more"))
        step("copies→confirm", lambda: tap("button.next"))
        seen.append(shown())
        step("confirm→pay→take card", lambda: tap("button.pay"))  # auto_pay, auto_print
        seen.append(shown())
        device(evt.CardRemoved())
        seen.append(shown())
        step("take documents→thank you", lambda: tap("button.done"))
        seen.append(shown())
        # THANK_YOU ends on its own timer; a tick past it instead of waiting the seconds out.
        device(evt.Tick(time.monotonic() + 3600))
        seen.append(shown())
        screens.append(seen)
        rss_per_transaction.append(round(_rss_mb(), 1))
    counts = {kind.__name__: sum(isinstance(e, kind) for e in port.effects)
              for kind in (fx.Print, fx.PrintReceipt, fx.WipeResident)}
    _emit({"taps": taps, "screens": screens, "effects": counts,
           "receipts": [[e.certificate, e.copies, e.fee, e.paid, e.change] for e in port.effects
                        if isinstance(e, fx.PrintReceipt)],
           "completed": [e.result for e in port.effects if isinstance(e, fx.CompleteOrder)],
           "final_state": shown(), "rss_after_mb": _rss_mb(), "transactions": transactions,
           "rss_per_transaction": rss_per_transaction, "rss_where": _rss_by_mapping(),
           "voice": {o: sum(1 for *_, out in app.voice.played if out == o)
                     for o in ("played", "no_audio", "missing")}})
    app.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.ui.probe")
    ap.add_argument("--transactions", type=int, default=20)
    ap.add_argument("--voice", help="voice guidance on, clips from this directory")
    args = ap.parse_args(argv)
    try:
        _run(args.transactions, args.voice)
    except Exception as e:  # reported on stdout: Kivy has taken stderr over
        _emit({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
