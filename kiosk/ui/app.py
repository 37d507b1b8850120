"""``KioskApp``: the window that renders the flow's ``View`` and forwards taps as events.

The app keeps no transaction state.  On every new ``View`` (from ``FlowPort.subscribe``, re-scheduled
onto Kivy's thread with ``Clock.schedule_once``) it rebuilds the screen: language bar, title, the body
of ``screens.BODIES[view.state]``, the navigation bar, and the inactivity warning when ``view.warning``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk.config import VoiceConfig
from kiosk.flow import State, View
from kiosk.flow import events as evt
from kiosk.service_menu import CornerGesture, ServiceMenu
from kiosk.ui.attract import AttractLoop
from kiosk.ui.i18n import LANGUAGES, Translator, source_messages
from kiosk.ui.keypad import FocusRing, key_action
from kiosk.ui.port import FlowPort
from kiosk.ui.screens import BODIES, Body, Render, _values
from kiosk.ui.service_screens import service_login, service_menu, staff_render
from kiosk.ui.settings import UISettings
from kiosk.ui.sound import Sounds
from kiosk.ui.steps import HEIGHT as STEPS_HEIGHT
from kiosk.ui.steps import step_bar
from kiosk.ui.theme import Theme
from kiosk.ui.voice import PIN_KEY, VoiceGuide
from kiosk.ui.widgets import FitLabel, Panel, Tile, fill

__all__ = ["KioskApp"]

log = logging.getLogger(__name__)

_NO_LANGUAGE_BAR = frozenset({State.ATTRACT, State.LANGUAGE, State.SERVICE_LOGIN, State.SERVICE_MENU})
_STAFF = frozenset({State.SERVICE_LOGIN, State.SERVICE_MENU})
_ALERT = frozenset({State.TAKE_CARD, State.TAKE_DOCUMENTS})  # "don't leave it behind" (domain §1.10)
_GESTURE_STATES = frozenset({State.ATTRACT, State.OUT_OF_SERVICE})
LARGE_TEXT = 1.3  # 文字を大きく: type sizes × 1.3 (text still shrinks to fit its box)


class KioskRoot(FloatLayout):  # type: ignore[misc]  # Kivy is untyped
    """Catches the touches the screens do not: any touch on ATTRACT starts, corners are the staff gesture."""

    def __init__(self, app: KioskApp, **kw: Any) -> None:
        super().__init__(**kw)
        self.app = app

    def on_touch_down(self, touch: Any) -> bool:
        app = self.app
        state = app.view.state if app.view is not None else State.ATTRACT
        staff_call = app.view is not None and app.view.staff_call
        if state in _GESTURE_STATES or staff_call:
            size = app.settings.corner_px
            corner = CornerGesture.corner_of(touch.x, touch.y, self.width, self.height, size)
            if app.gesture.feed(corner) and app.service is not None:
                app.port.submit(evt.ServiceRequested())
                return True
            if corner is not None:
                return True
            if state is State.ATTRACT and not staff_call:
                if super().on_touch_down(touch):  # a language button: starts in that language
                    return True
                app.port.submit(evt.Touch())
                return True
        return bool(super().on_touch_down(touch))


class _Modal(FloatLayout):  # type: ignore[misc]  # Kivy is untyped
    """The inactivity warning: taps outside its buttons must not reach the screen underneath."""

    def on_touch_down(self, touch: Any) -> bool:
        super().on_touch_down(touch)
        return True


class KioskApp(App):  # type: ignore[misc]
    """The kiosk window.  ``port`` is the runner (or ``LocalPort``); ``service`` the staff menu."""

    title = "kiosk"

    def __init__(self, port: FlowPort, settings: UISettings | None = None, *,
                 service: ServiceMenu | None = None, languages: tuple[str, ...] = LANGUAGES,
                 translator: Translator | None = None, sounds: Sounds | None = None,
                 clock: Callable[[], float] = time.monotonic, voice: VoiceConfig | None = None,
                 voice_guide: VoiceGuide | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.port = port
        self.settings = settings or UISettings()
        self.service = service
        self.languages = languages
        self.tr = translator or Translator()
        self.sounds = sounds or Sounds(self.settings.sound)
        # 文字を大きく / 白黒反転 (issue 18): the resident's own display choices on every screen, on top of
        # the config's; back to the config's when the kiosk returns to the attract loop.
        self.large_text = False
        self.high_contrast = self.settings.high_contrast
        self.theme = self._theme()
        self.gesture = CornerGesture(self.settings.gesture_seconds, clock)
        self.view: View | None = None
        self._shown: View | None = None
        self._local: dict[str, Any] = {}
        self.renders = 0  # screens drawn (bench, tests)
        self.last_render = 0.0  # perf_counter() of the last rebuild
        self._ticker: Any = None
        # Spoken guidance and keypad focus (issue 14); both off the flow's path: they never block it.
        self.voice = voice_guide or VoiceGuide(voice if voice is not None else VoiceConfig(enabled=False),
                                               self.tr)
        self.focus = FocusRing()
        self._spoken_keys = frozenset(source_messages())
        self._voice_ticker: Any = None

    def _theme(self) -> Theme:
        base = Theme.high_contrast() if self.high_contrast else Theme.normal()
        return base.scaled(self.settings.font_scale * (LARGE_TEXT if self.large_text else 1.0))

    def toggle_display(self, which: str) -> None:
        """Switch 文字を大きく (``large``) or 白黒反転 (``contrast``) and redraw the screen."""
        if which == "large":
            self.large_text = not self.large_text
        else:
            self.high_contrast = not self.high_contrast
        self.theme = self._theme()
        Window.clearcolor = self.theme.background
        self.render(self.port.view, force=True)

    # --- lifecycle ----------------------------------------------------------------------------------

    def build(self) -> Widget:
        Window.clearcolor = self.theme.background
        Window.bind(on_keyboard=self._on_keyboard)
        self.root_layout = KioskRoot(self)
        subscribe = getattr(self.port, "subscribe", None)
        if subscribe is not None:  # LocalPort; the Runner calls on_view itself (its on_view= argument)
            subscribe(self.on_view)
        self.render(self.port.view)
        if self.settings.tick_seconds > 0:
            self._ticker = Clock.schedule_interval(self._tick, self.settings.tick_seconds)
        self._voice_ticker = Clock.schedule_interval(lambda _dt: self.voice.tick(), 1.0)
        return self.root_layout

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self._voice_ticker is not None:
            self._voice_ticker.cancel()
        Window.unbind(on_keyboard=self._on_keyboard)
        self.sounds.stop()
        self.voice.stop()

    def _on_keyboard(self, _window: Any, key: int, _scancode: Any = None, codepoint: str | None = None,
                     *_: Any) -> bool:
        if key == 27:
            return True  # Escape (and Android back) must never close the kiosk
        v = self.view
        if v is None:
            return False
        action = key_action(key, codepoint, pin=v.state is State.PIN)
        if action is None:
            return False  # an unknown key does nothing (and is not logged: it could be a PIN digit)
        self.keypad(*action)
        return True

    def keypad(self, action: str, digit: str | None = None) -> None:
        """One keypad action (``kiosk.ui.keypad.key_action``); also the HIL's way to press keys."""
        v = self.view
        if v is None:
            return
        if v.state is State.ATTRACT:
            if action != "repeat":
                self.port.submit(evt.Touch())  # any key starts, like any touch
            return
        if action == "digit" and digit is not None:
            self.port.submit(evt.PinDigit(digit))  # neither spoken nor logged
        elif action == "repeat":
            self.voice.repeat()
        elif action == "back":
            if v.can_back:
                self.port.submit(evt.Back())
        elif action in ("prev", "next"):
            tile = self.focus.move(self.root_layout, -1 if action == "prev" else 1)
            if tile is not None:
                self._announce(tile)
        elif action == "choose":
            tile = self.focus.tile
            if tile is None:
                tile = self.focus.move(self.root_layout, 1)
                if tile is not None:
                    self._announce(tile)
                return
            tile.dispatch("on_release")

    def _announce(self, tile: Tile) -> None:
        lang = self.view.language if self.view is not None else "ja"
        if tile.key.startswith("pin.") and tile.key[4:].isdigit():
            self.voice.announce(PIN_KEY, self.tr.text(PIN_KEY, lang), lang)  # never the digit
            return
        key, v = tile.key, self.view
        text: str | None = None
        if key.startswith("language."):  # a language is named in itself
            code = key.removeprefix("language.")
            self.voice.announce(key, self.tr.text(key, code), code)
            return
        if key.startswith("choice.") and v is not None:
            choice = next((c for c in v.choices if f"choice.{c.key}" == key), None)
            if choice is not None and choice.label_key:
                text = self.tr.text(choice.label_key, lang)
            elif v.state is State.MEMBERS:
                text = None  # a member's name is personal: never rendered to a clip
        elif key in self._spoken_keys:
            text = self.tr.text(key, lang, max=v.max_copies if v is not None else 1)
        if text is None and not (v is not None and v.state is State.MEMBERS):
            labels = [w.text for w in tile.walk(restrict=True) if isinstance(w, FitLabel) and w.text]
            text = labels[0] if labels else None
        if text:
            self.voice.announce(key or "control", text, lang)

    def _tick(self, _dt: float) -> None:
        self.port.submit(evt.Tick(time.monotonic()))

    def on_view(self, view: View) -> None:
        """A new view from the flow (any thread): rendered on Kivy's thread before the next frame."""
        Clock.schedule_once(lambda _dt: self.render(view), -1)

    def on_sound(self, name: str | None, loop: bool) -> None:
        """The runner's ``PlaySound``/``StopSound`` (any thread).  Loops follow ``View.sound``; one-shot
        sounds (the inactivity warning, an error) are played here."""
        if name is not None and not loop:
            Clock.schedule_once(lambda _dt: self.sounds.play_once(name), -1)

    # --- rendering ------------------------------------------------------------------------------------

    def render(self, view: View, *, force: bool = False) -> None:
        """Rebuild the screen for ``view`` (skipped when nothing visible changed)."""
        # The countdown only matters while the inactivity warning shows (whole seconds).
        left = math.ceil(view.seconds_left) if view.warning and view.seconds_left is not None else None
        shown = replace(view, seconds_left=left)
        if shown == self._shown and not force:
            return
        old = self.view
        new_screen = old is None or view.state is not old.state
        if old is None or new_screen or view.language != old.language:
            self._local = {}
        self.view, self._shown = view, shown
        plain = not self.large_text and self.high_contrast == self.settings.high_contrast
        if view.state is State.ATTRACT and not plain:
            self.large_text, self.high_contrast = False, self.settings.high_contrast  # the next person
            self.theme = self._theme()
            Window.clearcolor = self.theme.background
        root = self.root_layout
        root.clear_widgets()
        r = Render(view, self.tr, self.theme, self.settings, self.port.submit, self._local,
                   refresh=lambda: self.render(self.port.view, force=True))
        if view.state is State.ATTRACT:
            root.add_widget(AttractLoop(r))
        else:
            root.add_widget(self._screen(r))
            if view.warning:
                root.add_widget(self._warning(r))
        self.sounds.update(view.sound)
        if new_screen:
            self.focus.reset()
        else:
            self.focus.restore(root)
        # After this frame is drawn: loading a clip takes ~10 ms (p95 ~27 ms) that a tap must not wait for.
        Clock.schedule_once(lambda _dt: self.voice.show(view), 0)
        self.renders += 1
        self.last_render = time.perf_counter()

    def _body(self, r: Render) -> Body:
        state = r.view.state
        if state in _STAFF:
            if self.service is None:
                return Body(Widget())
            return (service_login if state is State.SERVICE_LOGIN else service_menu)(r, self.service)
        return BODIES[state](r)

    def _screen(self, r: Render) -> Widget:
        th, v = self.theme, r.view
        body = self._body(r)
        tr = staff_render(r) if v.state in _STAFF else r
        main = BoxLayout(orientation="vertical")
        fill(main, th.background)
        steps = step_bar(r) if v.state not in _STAFF else None
        if steps is not None:
            main.add_widget(steps)
        title = body.title or tr.t(f"screen.{v.state.value}", **_values(v))
        alert = v.state in _ALERT
        # A band under the title and the step indicator above it take their room from the title bar,
        # not from the keys below.
        head_h = 118 - 12 * len(v.bands) - (STEPS_HEIGHT if steps is not None else 0)
        head = Panel(color=th.alert if alert else th.header, size_hint_y=None, height=head_h,
                     padding=(30, 4))
        head.add_widget(FitLabel(text=title, base_font=th.title_px, min_font=th.min_px, one_line=True,
                                 font_name=tr.font(), color=th.alert_text if alert else th.header_text))
        main.add_widget(head)
        for key in v.bands:  # closing countdown, "keep the card on the reader" (the flow decides)
            band = Panel(color=th.alert if key == "band.closing" else th.header, size_hint_y=None, height=40,
                         padding=(30, 4))
            band.add_widget(FitLabel(text=tr.t(key, **_values(v)), base_font=28, min_font=th.min_px,
                                     one_line=True, font_name=tr.font(),
                                     color=th.alert_text if key == "band.closing" else th.header_text))
            main.add_widget(band)
        main.add_widget(body.widget)
        main.add_widget(self._nav(tr, body))
        if v.state not in _NO_LANGUAGE_BAR:  # at the bottom: within reach from a wheelchair (issue 18)
            main.add_widget(self._language_bar(r))
        return main

    def _language_bar(self, r: Render) -> Widget:
        bar = BoxLayout(size_hint_y=None, height=self.settings.min_target_px + 12, spacing=8, padding=(8, 6))
        for code in self.languages:
            kind = "selected" if code == r.lang else "secondary"
            name = self.tr.text(f"language.{code}", code)  # each language's own name, in its own font
            bar.add_widget(r.button(name, evt.ChooseLanguage(code), kind=kind,
                                    font=r.font(code), px=28, key=f"language.{code}"))
        return bar

    def _nav(self, r: Render, body: Body) -> Widget:
        v = r.view
        h = self.settings.min_target_px
        nav = BoxLayout(size_hint_y=None, height=h + 20, spacing=16, padding=(20, 10))
        w = max(240, h)
        left: list[tuple[str, Any, int, dict[str, Any]]] = []  # (message key, action, width, options)
        if v.can_back:
            left.append(("button.back", evt.Back(), w, {}))
        if v.can_cancel:
            left.append(("button.cancel", evt.Cancel(), w, {}))
        if v.state not in _STAFF and self.voice.enabled:
            left.append(("button.listen", self.voice.repeat, w, {}))
        middle: list[tuple[str, Any, int, dict[str, Any]]] = []
        if v.state not in _STAFF:
            for which, key, on in (("large", "ui.large_text", self.large_text),
                                   ("contrast", "ui.invert", self.high_contrast)):
                middle.append((key, partial(self.toggle_display, which), 180,
                               {"kind": "selected" if on else "secondary", "px": 22}))
        right: list[tuple[str, Any, int, dict[str, Any]]] = []
        if body.primary is not None:
            key, action = body.primary
            right.append((key, action, w + 60, {"kind": "primary"}))
        # Narrow panels (1024 px) or voice on: every button shrinks in proportion, never below a target.
        items = left + middle + right
        gaps = 16 * (len(items) + (2 if middle else 1) - 1) + 40
        want = sum(width for _, _, width, _ in items)
        scale = min(1.0, (self.settings.width - gaps) / want) if want else 1.0

        def add(group: list[tuple[str, Any, int, dict[str, Any]]]) -> None:
            for key, action, width, opts in group:
                nav.add_widget(r.button(r.t(key), action, size_hint_x=None, width=max(h, int(width * scale)),
                                        key=key, **opts))

        add(left)
        nav.add_widget(Widget())
        if middle:
            add(middle)
            nav.add_widget(Widget())
        add(right)
        return nav

    def _warning(self, r: Render) -> Widget:
        th = self.theme
        shade = Panel(color=(0, 0, 0, 0.55))
        box = Panel(color=th.background, radius=18, orientation="vertical", padding=30, spacing=20,
                    size_hint=(0.7, 0.5), pos_hint={"center_x": 0.5, "center_y": 0.5})
        box.add_widget(r.label(r.t("idle.warning"), px=th.title_px))
        if r.view.money_key is not None:  # on PAYMENT: the inserted coins come back (issue 18)
            box.add_widget(r.label(r.t(r.view.money_key, **_values(r.view)), color=th.alert))
        if r.view.seconds_left is not None:
            seconds = max(0, math.ceil(r.view.seconds_left))
            box.add_widget(r.label(r.t("idle.seconds", seconds=seconds), color=th.alert, size_hint_y=0.5))
        row = BoxLayout(spacing=20, size_hint_y=None, height=self.settings.min_target_px)
        row.add_widget(r.button(r.t("button.cancel"), evt.Cancel(), key="idle.cancel"))
        row.add_widget(r.button(r.t("button.continue"), evt.StillHere(), kind="primary", key="idle.continue"))
        box.add_widget(row)
        overlay = _Modal()
        overlay.add_widget(shade)
        overlay.add_widget(box)
        return overlay
