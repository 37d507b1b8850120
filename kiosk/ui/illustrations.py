"""The project's own illustrations (``assets/illustrations/*.svg``), drawn as vectors at any size.

``Illustration(name)`` renders one SVG with Kivy's ``Svg`` instruction, scaled to fit its box and
centred, so the same file serves every screen size.  A missing or unreadable file logs a warning and
leaves the box empty: an illustration only repeats what the screen's text says.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.graphics import PopMatrix, PushMatrix, Scale, Translate
from kivy.uix.widget import Widget

__all__ = ["ILLUSTRATIONS", "Illustration"]

log = logging.getLogger(__name__)

ILLUSTRATION_DIR = Path(__file__).resolve().parents[2] / "assets" / "illustrations"
ILLUSTRATIONS = ("place-card", "pin-hint", "output")


class Illustration(Widget):  # type: ignore[misc]  # Kivy is untyped
    """One of ``ILLUSTRATIONS``, fitted into the widget's box."""

    def __init__(self, name: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.name = name
        self.svg: Any = None
        self._size = (1.0, 1.0)
        path = ILLUSTRATION_DIR / f"{name}.svg"
        try:
            from kivy.graphics.svg import Svg

            with self.canvas:
                PushMatrix()
                self._move = Translate(0, 0)
                self._scale = Scale(1, 1, 1)
                self.svg = Svg(str(path))
                PopMatrix()
            self._size = (float(self.svg.width), float(self.svg.height))
        except Exception as e:  # a broken asset must not break a screen
            log.warning("illustration %s unavailable: %s", name, type(e).__name__)
        self.bind(pos=self._fit, size=self._fit)

    def _fit(self, *_: Any) -> None:
        if self.svg is None:
            return
        sw, sh = self._size
        k = min(self.width / sw, self.height / sh)
        # SVG's y axis points down; Kivy's Svg already flips it, so only scale and centre.
        self._scale.x = self._scale.y = k
        self._move.x = self.x + (self.width - sw * k) / 2
        self._move.y = self.y + (self.height - sh * k) / 2
