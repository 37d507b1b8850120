"""The kiosk's real Kivy app, embedded and offscreen, driven like a resident's finger.

The HIL runner (``kiosk.hil``) must tap the real widgets and read back the real frames; it does so
through this module, so that Kivy stays inside ``kiosk/ui/``.  Recipe of docs/kivy-headless.md: env
and ``Config`` before the window (``kiosk.ui.boot.prepare``), the app started embedded
(``_run_prepare`` + ``runTouchApp(embedded=True)``), frames pumped with ``EventLoop.idle()``,
screenshots read from the back buffer right after a redraw.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Screen"]


class Screen:
    """A started ``KioskApp``; call from the thread that started it (Kivy's)."""

    def __init__(self, app: Any) -> None:
        from kivy.base import runTouchApp

        self.app = app
        app._run_prepare()  # load kv, build, root -> window, on_start
        runTouchApp(embedded=True)  # EventLoop.start() without a main loop
        self.pump(3)

    @staticmethod
    def pump(frames: int = 1) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def pump_for(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Run frames for up to ``seconds`` (≈60 per second) or until ``until()``; whether it held."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump(1)
            if until is not None and until():
                return True
            time.sleep(1 / 120)
        return until() if until is not None else True

    def stop(self) -> None:
        self.app.stop()
        self.pump(1)

    def shot(self, path: Path) -> Path:
        """The frame as a PNG (redraw, read the back buffer before any flip: pitfall 1)."""
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        path.parent.mkdir(parents=True, exist_ok=True)
        self.pump(1)
        Window.dispatch("on_draw")
        w, h = Window.size
        data = glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE)
        Image.frombytes("RGB", (w, h), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(
            path, compress_level=1)
        return path

    def tap_at(self, x: float, y: float) -> None:
        from kivy.tests.common import UnitTestTouch

        t = UnitTestTouch(x, y)
        t.touch_down()
        self.pump(1)
        t.touch_up()
        self.pump(2)

    def tap(self, widget: Any) -> None:
        self.tap_at(*widget.to_window(*widget.center))

    def center(self) -> None:
        from kivy.core.window import Window

        self.tap_at(Window.width / 2, Window.height / 2)

    def buttons(self) -> list[tuple[Any, list[str]]]:
        """Every touch target on screen with the texts of its labels."""
        from kivy.uix.behaviors import ButtonBehavior
        from kivy.uix.label import Label

        out = []
        for w in self.app.root_layout.walk():
            if isinstance(w, ButtonBehavior):
                out.append((w, [c.text for c in w.walk(restrict=True) if isinstance(c, Label)]))
        return out

    def texts(self) -> list[str]:
        from kivy.uix.label import Label

        return [w.text for w in self.app.root_layout.walk() if isinstance(w, Label)]

    def find(self, *texts: str) -> Any | None:
        """The first touch target whose labels contain any of ``texts`` exactly (then as a prefix)."""
        found = self.buttons()
        for want in texts:
            for w, labels in found:
                if want in labels:
                    return w
        for want in texts:
            for w, labels in found:
                if any(t.startswith(want) for t in labels if t):
                    return w
        return None
