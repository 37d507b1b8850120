"""Kiosk widgets: text that shrinks to fit its box, big touch targets, PIN dots, progress bars.

Widgets only draw and report taps; what a tap means is decided by the flow (docs/style.md §2.4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui.theme import Rgba, Theme

__all__ = ["BusyBar", "Dots", "FitLabel", "PagesBar", "Panel", "Tile", "fill"]


def fill(widget: Widget, rgba: Rgba, radius: float = 0) -> None:
    """Paint ``widget``'s background (kept in sync with its position and size)."""
    with widget.canvas.before:
        Color(*rgba)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()
    def sync(*_: Any) -> None:
        shape.pos, shape.size = widget.pos, widget.size
    widget.bind(pos=sync, size=sync)
    sync()


class FitLabel(Label):  # type: ignore[misc]  # Kivy is untyped
    """A wrapping label whose font shrinks (down to ``min_font``) until the text fits its box.

    Big type first (elderly residents), but a long translation must never spill out of its box: the
    UI tests compare ``texture_size`` with ``size`` for every label on every screen in every language.
    """

    def __init__(self, *, base_font: float, min_font: float, one_line: bool = False, **kw: Any) -> None:
        kw.setdefault("halign", "center")
        kw.setdefault("valign", "middle")
        super().__init__(font_size=base_font, **kw)
        self.base_font, self.min_font = base_font, min_font
        # Titles: rather 15 % smaller on one line than a last line holding a single character.
        self.one_line = one_line
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        self.bind(size=self._fit_trigger, text=self._fit_trigger)

    def _inner(self) -> tuple[float, float]:
        px, py = (self.padding[0] + self.padding[2], self.padding[1] + self.padding[3]) \
            if len(self.padding) == 4 else (2 * self.padding[0], 2 * self.padding[1])
        return max(1.0, self.width - px), max(1.0, self.height - py)

    def fits(self) -> bool:
        w, h = self.texture_size
        return bool(w <= self.width + 1 and h <= self.height + 1) and not self.breaks_a_word()

    def breaks_a_word(self) -> bool:
        """Whether a space-separated word is wider than the box (Kivy would then cut it mid-word:
        "Corrigi/r").  Japanese and Chinese have no spaces and may wrap anywhere, so they are skipped."""
        inner_w, _ = self._inner()
        spaced = (w for w in self.text.split()
                  if all(ord(ch) < 0x2E80 or 0xAC00 <= ord(ch) <= 0xD7AF for ch in w))
        return any(self._label.get_extents(word)[0] > inner_w for word in spaced)

    def _fit(self, *_: Any) -> None:
        inner_w, _inner_h = self._inner()
        # Sizes come from a short ladder: SDL_ttf opens one font object per (file, size), so
        # arbitrary sizes would each load another copy of a 20 MB CJK font.
        sizes = [self.base_font] + [px for px in _LADDER if self.min_font <= px < self.base_font]
        if sizes[-1] > self.min_font:
            sizes.append(self.min_font)
        for size in sizes:
            self.font_size = size
            self.text_size = (inner_w, None)
            self.texture_update()
            single = self.texture_size[1] < size * 1.6
            if self.fits() and (single or not self.one_line or size < self.base_font * 0.85):
                break


_LADDER = (60, 56, 52, 48, 44, 40, 36, 34, 32, 30, 28, 26, 24, 22, 20, 18, 16)


class Tile(ButtonBehavior, BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    """A big rounded touch target holding one or more labels (a button with a subtitle, a fee, ...).

    ``key`` names the control independently of its text and language (``"button.next"``, ``"pin.7"``,
    ``"choice.inkan"``): the bench probe and the HIL harness find targets by it, so that rewording a
    label or translating it never breaks them.
    """

    def __init__(self, *, colors: tuple[Rgba, Rgba], on_tap: Callable[[], None] | None,
                 disabled_look: bool = False, radius: float = 14, key: str = "", **kw: Any) -> None:
        kw.setdefault("padding", (16, 6))
        kw.setdefault("spacing", 2)
        super().__init__(**kw)
        self._bg, self.text_color = colors
        with self.canvas.before:
            self._color = Color(*self._bg)
            self._shape = RoundedRectangle(radius=[radius])
        self.bind(pos=self._sync, size=self._sync)
        self._sync()
        self._on_tap = on_tap
        self.disabled_look = disabled_look
        self.key = key

    def _sync(self, *_: Any) -> None:
        self._shape.pos, self._shape.size = self.pos, self.size

    def on_state(self, _w: Any, value: str) -> None:
        # Visible feedback on press: darker while the finger is down.
        factor = 0.8 if value == "down" and self._on_tap is not None else 1.0
        self._color.rgba = (self._bg[0] * factor, self._bg[1] * factor, self._bg[2] * factor, self._bg[3])

    def on_release(self) -> None:
        if self._on_tap is not None:
            self._on_tap()


class Panel(BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    """A plain box with a background colour."""

    def __init__(self, *, color: Rgba, radius: float = 0, **kw: Any) -> None:
        super().__init__(**kw)
        fill(self, color, radius)


class Dots(Widget):  # type: ignore[misc]  # Kivy is untyped
    """The PIN as dots only: ``filled`` of ``total`` circles (the digits never reach the screen)."""

    def __init__(self, *, filled: int, total: int, theme: Theme, **kw: Any) -> None:
        super().__init__(**kw)
        self.filled, self.total, self.theme = filled, total, theme
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        d = min(self.height * 0.7, 64)
        gap = d * 0.6
        x0 = self.center_x - (self.total * d + (self.total - 1) * gap) / 2
        with self.canvas:
            for i in range(self.total):
                x = x0 + i * (d + gap)
                Color(*self.theme.text)
                if i < self.filled:
                    Ellipse(pos=(x, self.center_y - d / 2), size=(d, d))
                else:
                    Line(circle=(x + d / 2, self.center_y, d / 2 - 2), width=3)


class PagesBar(Widget):  # type: ignore[misc]  # Kivy is untyped
    """Determinate (``value`` of ``total``) or, with ``total == 0``, an animated busy bar."""

    def __init__(self, *, value: int, total: int, theme: Theme, **kw: Any) -> None:
        super().__init__(**kw)
        self.value, self.total, self.theme = value, total, theme
        self._phase = 0.0
        self.bind(pos=self._draw, size=self._draw)
        if total == 0:
            self._event = Clock.schedule_interval(self._step, 1 / 30)

    def _step(self, dt: float) -> None:
        if self.get_root_window() is None:  # the screen was replaced
            self._event.cancel()
            return
        self._phase = (self._phase + dt * 0.6) % 1.0
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        with self.canvas:
            Color(*self.theme.border)
            Line(rounded_rectangle=(self.x, self.y, self.width, self.height, 12), width=2)
            Color(*self.theme.primary)
            if self.total:
                w = (self.width - 8) * min(1.0, self.value / self.total)
                RoundedRectangle(pos=(self.x + 4, self.y + 4), size=(w, self.height - 8), radius=[10])
            else:
                span = self.width * 0.25
                x = self.x + (self.width + span) * self._phase - span
                left, right = max(self.x + 4, x), min(self.right - 4, x + span)
                if right > left:
                    RoundedRectangle(pos=(left, self.y + 4), size=(right - left, self.height - 8),
                                     radius=[10])


class BusyBar(PagesBar):
    """Busy indicator for waiting screens (reading the card, talking to the center)."""

    def __init__(self, *, theme: Theme, **kw: Any) -> None:
        super().__init__(value=0, total=0, theme=theme, **kw)


def pulse(widget: Widget) -> None:
    """Slowly fade ``widget`` in and out forever (attention without flashing: no seizure risk)."""
    anim = Animation(opacity=0.45, duration=0.9) + Animation(opacity=1.0, duration=0.9)
    anim.repeat = True
    anim.bind(on_progress=_stop_when_gone)
    anim.start(widget)


def _stop_when_gone(anim: Animation, widget: Widget, _progress: float) -> None:
    # A repeating animation holds its widget: once the screen is replaced, stop it (else it leaks).
    if widget.get_root_window() is None:
        anim.cancel(widget)


class CardPicture(Widget):  # type: ignore[misc]  # Kivy is untyped
    """A My Number card (ID-1, 85.6 × 54 mm) settling onto the reader, drawn with canvas shapes.

    With ``alert`` (take your card) the card lifts off the reader instead.
    """

    def __init__(self, *, theme: Theme, alert: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.theme, self.alert = theme, alert
        self.lift = 1.0 if not alert else 0.0  # 0 = on the reader, 1 = above it
        self._t = 0.0
        self.bind(pos=self._draw, size=self._draw)
        self._event = Clock.schedule_interval(self._step, 1 / 30)

    def _step(self, dt: float) -> None:
        if self.get_root_window() is None:  # the screen was replaced
            self._event.cancel()
            return
        self._t = (self._t + dt) % 2.4
        p = min(1.0, self._t / 1.4)  # move for 1.4 s, then rest for 1 s
        self.lift = p ** 0.5 if self.alert else (1 - p) ** 2
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        th = self.theme
        w = min(self.width * 0.9, 320)
        cw, ch = w * 0.8, w * 0.8 * 54 / 85.6
        x0 = self.center_x - w / 2
        reader_h = ch * 0.45
        ry = self.y + self.height * 0.12
        card_y = ry + reader_h * 0.55 + self.lift * ch * 0.8
        with self.canvas:
            Color(*th.muted)
            RoundedRectangle(pos=(x0, ry), size=(w, reader_h), radius=[10])
            Color(*(th.alert if self.alert else th.primary))
            RoundedRectangle(pos=(self.center_x - cw / 2, card_y), size=(cw, ch), radius=[12])
            Color(0.95, 0.80, 0.30, 1)
            RoundedRectangle(pos=(self.center_x - cw / 2 + cw * 0.1, card_y + ch * 0.45),
                             size=(cw * 0.16, ch * 0.26), radius=[4])
            Color(1, 1, 1, 0.9)
            for i in range(3):  # printed lines on the card
                Rectangle(pos=(self.center_x - cw / 2 + cw * 0.36, card_y + ch * (0.62 - i * 0.16)),
                          size=(cw * 0.5, ch * 0.06))
