"""Keypad operation in the manner of JIS X 8341: the whole transaction without touching the screen.

Arrows or 2/8/4/6 move the focus, Enter or 5 chooses, ``*`` goes back, ``#`` repeats the prompt.  On
the PIN screen the digit keys type the PIN (sent to the flow one by one, never kept, never spoken,
never logged); there the arrows still move the focus over 訂正 / 確定 and the pad.
``key_action`` (``kiosk.ui.keymap``, no Kivy) is the pure half; ``FocusRing`` moves a thick outline
over the screen's ``Tile``s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from kivy.graphics import Color, Line
from kivy.uix.widget import Widget

from kiosk.ui.keymap import key_action
from kiosk.ui.widgets import Tile

__all__ = ["FocusRing", "key_action", "tiles_in_order"]

log = logging.getLogger(__name__)

def _tiles(root: Widget) -> Iterator[Tile]:
    for w in root.walk(restrict=True):
        if isinstance(w, Tile) and w._on_tap is not None and not w.disabled_look:
            yield w


def tiles_in_order(root: Widget) -> list[Tile]:
    """The screen's live controls in reading order: top to bottom, then left to right."""
    found = list(_tiles(root))
    return sorted(found, key=lambda t: (-round(t.to_window(t.x, t.top)[1] / 8), t.to_window(t.x, t.y)[0]))


class FocusRing:
    """The focused control: a thick outline, kept by ``Tile.key`` across re-renders of one screen."""

    WIDTH = 6.0

    def __init__(self, color: Any = (1.0, 0.75, 0.0, 1.0)) -> None:
        self.color = color
        self.key: str | None = None
        self.tile: Tile | None = None
        self._drawn: tuple[Tile, Any] | None = None

    def reset(self) -> None:
        self._erase()
        self.key, self.tile = None, None

    def restore(self, root: Widget) -> None:
        """After a re-render: outline the tile with the same key again, if it is still there."""
        self._erase()
        self.tile = None
        if self.key is None:
            return
        for t in tiles_in_order(root):
            if t.key == self.key:
                self._draw(t)
                return
        self.key = None

    def move(self, root: Widget, step: int) -> Tile | None:
        tiles = tiles_in_order(root)
        if not tiles:
            return None
        if self.tile in tiles:
            i = (tiles.index(self.tile) + step) % len(tiles)
        else:
            i = 0 if step > 0 else len(tiles) - 1
        self._erase()
        self._draw(tiles[i])
        return tiles[i]

    def _draw(self, t: Tile) -> None:
        self.tile, self.key = t, t.key
        with t.canvas.after:
            c = Color(*self.color)
            line = Line(width=self.WIDTH)

        def place(*_: Any) -> None:  # the tile may not be laid out yet: follow it
            line.rounded_rectangle = (t.x - 5, t.y - 5, t.width + 10, t.height + 10, 16)

        place()
        t.bind(pos=place, size=place)
        self._drawn = (t, (c, line, place))

    def _erase(self) -> None:
        if self._drawn is not None:
            t, (c, line, place) = self._drawn
            t.unbind(pos=place, size=place)
            t.canvas.after.remove(c)
            t.canvas.after.remove(line)
            self._drawn = None
