"""The attract loop: what the service is, the hours and the card, cycling, and "touch to start" in
every language.  Any touch starts (the app sends ``Touch``); the four corners are the staff gesture."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout

from kiosk.flow import events as evt
from kiosk.ui.screens import Render
from kiosk.ui.widgets import FitLabel, Panel, fill, pulse

__all__ = ["SLIDES", "AttractLoop"]

SLIDES = ("attract.slide.service", "attract.slide.hours", "attract.slide.cards")


class AttractLoop(FloatLayout):  # type: ignore[misc]  # Kivy is untyped
    """Slides cross-fade every ``attract_slide_seconds``; the start prompt pulses below them."""

    def __init__(self, r: Render, **kw: Any) -> None:
        super().__init__(**kw)
        self.r = r
        th = r.theme
        fill(self, th.background)
        band = Panel(color=th.header, size_hint=(1, 0.2), pos_hint={"x": 0, "top": 1}, padding=(40, 10))
        band.add_widget(FitLabel(text=r.tr.text("screen.attract.sub", "ja"), base_font=th.title_px,
                                 one_line=True,
                                 min_font=th.min_px, font_name=r.font("ja"), color=th.header_text))
        self.add_widget(band)
        self.slide = BoxLayout(orientation="vertical", size_hint=(0.9, 0.42),
                               pos_hint={"center_x": 0.5, "top": 0.77}, spacing=8)
        self.add_widget(self.slide)
        self.index = 0
        self._show(0)
        prompts = BoxLayout(orientation="vertical", size_hint=(0.9, 0.34),
                            pos_hint={"center_x": 0.5, "y": 0.03})
        prompts.add_widget(FitLabel(text=r.tr.text("attract.touch", "ja"), base_font=56, min_font=th.min_px,
                                    font_name=r.font("ja"), color=th.primary))
        # Only the languages this kiosk offers (the flow's choices), each a button that starts in it.
        row = BoxLayout(spacing=10, size_hint_y=0.55)
        for c in r.view.choices:
            row.add_widget(r.button(r.tr.text(f"language.{c.key}", c.key), evt.ChooseLanguage(c.key),
                                    font=r.font(c.key), px=th.small_px, key=f"attract.language.{c.key}"))
        prompts.add_widget(row)
        pulse(prompts.children[-1])
        self.add_widget(prompts)
        self._event = Clock.schedule_interval(self._next, r.settings.attract_slide_seconds)

    def _show(self, index: int) -> None:
        th, r = self.r.theme, self.r
        self.slide.clear_widgets()
        key = SLIDES[index]
        self.slide.add_widget(FitLabel(text=r.tr.text(key, "ja"), base_font=44, min_font=th.min_px,
                                       font_name=r.font("ja"), color=th.text, size_hint_y=0.62))
        self.slide.add_widget(FitLabel(text=r.tr.text(key, "en"), base_font=th.body_px, min_font=th.min_px,
                                       font_name=r.font("en"), color=th.muted, size_hint_y=0.38))

    def _fade_in(self, *_: Any) -> None:
        self._show(self.index)
        Animation(opacity=1, duration=0.4).start(self.slide)

    def _next(self, _dt: float) -> None:
        if self.parent is None:  # replaced by another screen
            self._event.cancel()
            return
        self.index = (self.index + 1) % len(SLIDES)
        fade = Animation(opacity=0, duration=0.4)
        fade.bind(on_complete=self._fade_in)
        fade.start(self.slide)
