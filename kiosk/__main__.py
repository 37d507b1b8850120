"""``python -m kiosk --config FILE``: the kiosk's touch UI.

The config is the one file validated by ``kiosk.config.load_config`` (docs/kiosk-flow.md "Config
reference").  Device wiring: when a ``kiosk.wiring`` module provides
``build_runner(cfg, on_view, on_sound) -> (runner, service_backend)``, the UI drives that runner; until
then (and with ``--simulate``) it runs the real flow against the in-process simulated card, center, cash
device and printer of ``kiosk.simulated_devices``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.errors import KioskError

log = logging.getLogger("kiosk")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m kiosk", description="コンビニ交付 kiosk touch UI")
    ap.add_argument("--config", required=True, help="the kiosk's TOML (or JSON) config file")
    ap.add_argument("--simulate", action="store_true", help="simulated devices and center (demo)")
    ap.add_argument("--check", action="store_true", help="validate the config and exit")
    ap.add_argument("--windowed", action="store_true", help="a normal window instead of borderless")
    return ap.parse_args(argv)


def _later(holder: dict[str, Any], method: str) -> Any:
    """A callback to the app's ``method``; the app does not exist yet when the runner is built."""

    def call(*args: Any) -> Any:
        return getattr(holder["app"], method)(*args)

    return call


def _run(cfg: KioskConfig, simulate: bool, windowed: bool) -> int:
    from kiosk.flow import Flow
    from kiosk.flow.staff import StaffGate
    from kiosk.preview.__main__ import preview_dir
    from kiosk.service_menu import AuditLog, IssueCounters, ServiceMenu
    from kiosk.ui.boot import prepare
    from kiosk.ui.settings import UISettings

    ui = UISettings.from_config(cfg.ui, tick_seconds=0.5 if simulate else 0.0,
                                fullscreen=cfg.ui.fullscreen and not windowed, previews=preview_dir(cfg))
    prepare(ui, kivy_home=Path(cfg.paths.logs) / "kivy")
    from kiosk.simulated_devices import SimulatedBackend, SimulatedDevices
    from kiosk.ui.app import KioskApp
    from kiosk.ui.port import LocalPort

    logs = Path(cfg.paths.logs)
    from kiosk.staff_lockout import FileLockoutStore

    gate = StaffGate(cfg.staff.pin_hash, cfg.staff.max_attempts, cfg.staff.lockout_seconds, time.monotonic,
                     FileLockoutStore(logs / "staff-lockout.json", lockout_seconds=cfg.staff.lockout_seconds))
    holder: dict[str, Any] = {}
    port: Any
    wired: Any = None
    if simulate:
        log.warning("--simulate: running with simulated devices (card, center, cash device, printer)")
        counters = IssueCounters(logs / "counters.json")
        port = LocalPort(Flow(cfg.flow_settings()),
                         SimulatedDevices(auto_pay=True, auto_print=True, on_receipt=counters.record))
        backend: Any = SimulatedBackend(on_restart=_later(holder, "stop"))
    else:
        from kiosk.wiring import build_runner

        port, wired = build_runner(cfg, on_view=_later(holder, "on_view"),
                                   on_sound=_later(holder, "on_sound"), on_restart=_later(holder, "stop"))
        backend, counters = wired, wired.counters
    menu = ServiceMenu(gate, backend, AuditLog(logs / "audit.jsonl"), counters)
    _voice_first_start(cfg)
    _previews_first_start(ui)
    app = KioskApp(port, ui, service=menu, languages=cfg.ui.languages, voice=cfg.voice)
    holder["app"] = app
    if hasattr(port, "start"):
        port.start()
    from kiosk.ui.watchdog import schedule_systemd

    schedule_systemd()  # READY=1, then WATCHDOG=1 from the UI thread (deploy/konbini-kiosk.service)
    try:
        app.run()
    finally:
        if hasattr(port, "stop"):
            port.stop()
        if wired is not None:
            wired.close()
    return 0


def _voice_first_start(cfg: Any) -> None:
    """Render the clips ``make voice`` did not (a first start): on one background thread, so the kiosk
    opens at once; until a clip exists its screen's text is the guidance (a warning is logged)."""
    if not cfg.voice.enabled:
        return
    import threading

    from kiosk.ui.i18n import Translator
    from kiosk.voice.__main__ import amounts_of
    from kiosk.voice.prompts import inventory
    from kiosk.voice.render import prepare_cache

    def work() -> None:
        tr = Translator()
        # The prompts, then the money sentences of the configured fees, then stale clips removed.
        r = prepare_cache(cfg.voice.clips, inventory(tr, cfg.ui.languages), amounts_of(cfg, tr),
                          cfg.voice.rate, budget_bytes=round(cfg.voice.cache_mb * 1e6), jobs=1)
        if r.base.rendered or r.amounts.rendered or r.pruned or r.base.failed or r.amounts.failed:
            log.info("voice clips: %d + %d rendered, %d failed, %d pruned, %.1f MB in %.1f s",
                     r.base.rendered, r.amounts.rendered, r.base.failed + r.amounts.failed, r.pruned,
                     r.bytes_after / 1e6, r.base.seconds + r.amounts.seconds)

    threading.Thread(target=work, name="voice-first-start", daemon=True).start()


def _previews_first_start(ui: Any) -> None:
    """Make the confirm screen's layout previews that are missing (a first start, or a new layout) on a
    background thread; the confirm screen shows the summary alone until its preview exists."""
    import threading

    from kiosk.preview import ensure_previews, preview_size

    def work() -> None:
        report = ensure_previews(ui.previews, preview_size((ui.width, ui.height)))
        if report.rendered or report.pruned:
            log.info("layout previews: %d made, %d stale removed in %.1f s", report.rendered, report.pruned,
                     report.seconds)

    threading.Thread(target=work, name="previews-first-start", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if os.environ.get("JOURNAL_STREAM") or os.environ.get("KONBINI_LOG_FORMAT") == "json":
        from contracts import jsonlog

        jsonlog.setup("INFO")  # under systemd: one JSON object per line into the journal
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cfg = load_config(args.config)
    except ConfigError as e:
        print(f"kiosk: invalid config: {e}", file=sys.stderr)
        return 2
    if args.check:
        print(f"ok: kiosk {cfg.kiosk.id}, {cfg.ui.resolution[0]}×{cfg.ui.resolution[1]}, "
              f"languages {', '.join(cfg.ui.languages)}")
        return 0
    try:
        return _run(cfg, args.simulate, args.windowed)
    except KioskError as e:  # TLS files unusable, journal unopenable: a clear message, no traceback
        print(f"kiosk: cannot start: {e.code}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
