"""Kivy offscreen set-up for the UI tests (docs/kivy-headless.md recipe).

tests/conftest.py has already set KIVY_* and SDL_VIDEODRIVER=offscreen; here the window is configured
(fixed 1280×800, borderless, no cursor) before anything imports ``kivy.core.window``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.ui.boot import prepare
from kiosk.ui.settings import UISettings

SETTINGS = UISettings(width=1280, height=800, fullscreen=True, tick_seconds=0, sound=False)
prepare(SETTINGS)

REPO = Path(__file__).resolve().parents[2]
SHOT_DIR = Path(os.environ.get("SHOT_DIR", REPO / "var" / "screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(pytest.mark.ui)


@pytest.fixture
def run_app() -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """Start a KioskApp embedded (no main loop); stop it afterwards (the Window itself stays)."""
    from kivy.base import runTouchApp
    from kivy.lang import Builder
    from ui.kit import pump

    kv_before, started = set(Builder.files), []

    def start(factory: Callable[[], Any]) -> Any:
        app = factory()
        app._run_prepare()
        runTouchApp(embedded=True)
        pump(3)
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()
    pump(1)
    for f in set(Builder.files) - kv_before:
        Builder.unload_file(f)


@pytest.fixture
def kiosk(run_app: Callable[[Callable[[], Any]], Any], tmp_path: Path) -> Callable[..., Any]:
    """``kiosk(lang, **simulated_device_options) -> Driver`` on a started app."""
    from ui.kit import Driver, make_kiosk

    def start(lang: str, **devices: object) -> Driver:
        app, port, sim, menu, backend = make_kiosk(tmp_path, SETTINGS, **devices)
        run_app(lambda: app)
        d = Driver(app, port, SHOT_DIR / lang)
        d.sim, d.menu, d.backend = sim, menu, backend  # type: ignore[attr-defined]
        return d

    return start
