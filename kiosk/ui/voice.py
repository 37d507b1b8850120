"""Spoken guidance: plays the prerendered clip of each prompt through Kivy's audio, never blocking.

``VoiceGuide.show(view)`` speaks the prompt of a screen when it appears (``kiosk.flow.guidance``),
``repeat()`` says it again (the もう一度聞く control and the keypad's ``#``), ``tick(now)`` repeats it on
take-card / take-documents until the resident acts, ``announce(text, lang)`` names a focused control.
Clips come from ``python -m kiosk.voice`` (``make voice``).  A missing or unreadable clip, or no audio
device, logs a warning and the screen's text stays the guidance: nothing here can stop the flow.
Texts with amounts are rendered on a background thread the first time they are needed.

``played`` records ``(screen, key, outcome)`` for the HIL result; keys only, never words, so that no
name or number can reach a log.  A PIN key is announced as "a number key", never by its digit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import VoiceConfig
from kiosk.flow import State, View
from kiosk.flow.guidance import repeats, update
from kiosk.ui.i18n import Translator, source_messages
from kiosk.voice.clips import clip_name
from kiosk.voice.prompts import FINITE, PLACEHOLDER, spoken, voice_values
from kiosk.voice.render import render_clip
from kiosk.voice.tts import VoiceError

__all__ = ["PIN_KEY", "VoiceGuide"]

log = logging.getLogger(__name__)

PIN_KEY = "voice.pin_key"  # what a focused PIN digit is announced as (the digit is never spoken)
_GAP = 0.25  # seconds of silence between two sentences of one prompt


def _has_amounts(key: str) -> bool:
    """Whether the text of ``key`` names amounts or pages, which ``make voice`` cannot know ahead."""
    ja = source_messages()[key][0] if key in source_messages() else ""
    return bool(set(PLACEHOLDER.findall(ja)) - set(FINITE))


def _load(path: Path) -> Any:
    from kivy.core.audio import SoundLoader

    return SoundLoader.load(str(path))


class VoiceGuide:
    """Speaks prompts from cached clips; ``played`` is the record of what was said, per screen."""

    def __init__(self, config: VoiceConfig | None, tr: Translator, *,
                 loader: Callable[[Path], Any] = _load, clock: Callable[[], float] = time.monotonic) -> None:
        cfg = config or VoiceConfig()
        self.enabled, self.volume, self.rate = cfg.enabled, cfg.volume, cfg.rate
        self.directory, self.repeat_seconds = cfg.clips, cfg.repeat_seconds
        self.tr, self._loader, self._clock = tr, loader, clock
        self.played: list[tuple[str, str, str]] = []  # (state, message key, played|missing|no_audio)
        self._view: View | None = None
        self._parts: tuple[tuple[str, str], ...] = ()
        self._queue: list[tuple[str, str, str]] = []
        self._sound: Any = None
        self._next: Any = None
        self._spoken_at = 0.0
        self._rendering: set[Path] = set()
        self._lock = threading.Lock()
        self.no_audio = False

    # --- what to say ---------------------------------------------------------------------------------

    def show(self, view: View) -> None:
        """A view was drawn: speak its prompt if the screen, its language or its message changed."""
        old, self._view = self._view, view
        if old is not None and (old.state, old.language, old.message_key) == (
                view.state, view.language, view.message_key):
            news = update(old, view)  # e.g. 「あと100円」 after a coin; the screen's prompt is not repeated
            if news:
                values = voice_values(view)
                parts = tuple((k, " ".join(self.tr.text(k, view.language, **values).split())) for k in news)
                self._say(view.state, view.language, parts)
            return
        self._parts = spoken(view, self.tr)
        self._say(view.state, view.language, self._parts)

    def repeat(self) -> None:
        """Say the current screen's prompt again."""
        if self._view is not None:
            # From the view of this moment: on PRINTING the page and the time left have moved on.
            self._parts = spoken(self._view, self.tr)
            self._say(self._view.state, self._view.language, self._parts)

    def tick(self, now: float | None = None) -> None:
        """Repeat the prompt of a take-card / take-documents screen every ``repeat_seconds``."""
        v = self._view
        now = self._clock() if now is None else now
        if v is not None and repeats(v.state) and now - self._spoken_at >= self.repeat_seconds:
            self.repeat()

    def announce(self, key: str, text: str, language: str) -> None:
        """Name a focused control.  ``key`` is the record's name (``PIN_KEY`` for digits)."""
        state = self._view.state if self._view is not None else State.ATTRACT
        self._say(state, language, ((key, " ".join(text.split())),), render_missing=False)

    def stop(self) -> None:
        self._queue = []
        if self._next is not None:
            self._next.cancel()
            self._next = None
        if self._sound is not None:
            try:
                self._sound.stop()
            except Exception as e:  # a broken audio backend must not stop the kiosk
                log.warning("voice: cannot stop: %s", type(e).__name__)
            self._sound = None

    # --- how ------------------------------------------------------------------------------------------

    def _say(self, state: State, language: str, parts: tuple[tuple[str, str], ...], *,
             render_missing: bool = True) -> None:
        self.stop()
        self._spoken_at = self._clock()
        if not self.enabled:
            return
        for key, text in parts:
            path = self.directory / clip_name(text, language, self.rate)
            if not path.exists():
                log.warning("voice clip missing for %s (%s); the screen shows the text", key, language)
                self.played.append((state.value, key, "missing"))
                if render_missing and _has_amounts(key):
                    self._render_later(path, language, text)
                continue
            self._queue.append((state.value, key, str(path)))
        self._play_next()

    def _play_next(self, *_: Any) -> None:
        from kivy.clock import Clock

        self._next = None
        if not self._queue:
            return
        state, key, path = self._queue.pop(0)
        sound = None
        try:
            sound = self._loader(Path(path))
        except Exception as e:
            log.warning("voice clip for %s unreadable: %s", key, type(e).__name__)
        if sound is None:
            if not self.no_audio:
                log.warning("voice: no audio device or unreadable clip; guidance is text only")
            self.no_audio = True
            self.played.append((state, key, "no_audio"))
            self._play_next()
            return
        try:
            sound.volume = self.volume
            sound.play()
            playing = sound.state == "play" and float(sound.length or 0) > 0
        except Exception as e:
            log.warning("voice: cannot play %s: %s", key, type(e).__name__)
            playing = False
        if not playing:  # SDL hands out a silent sound when no audio device opened
            if not self.no_audio:
                log.warning("voice: no audio device; guidance is text only")
            self.no_audio = True
            self.played.append((state, key, "no_audio"))
            self._play_next()
            return
        self._sound = sound
        self.played.append((state, key, "played"))
        length = float(getattr(sound, "length", 0.0) or 0.0)
        self._next = Clock.schedule_once(self._play_next, max(length, 0.5) + _GAP)

    def _render_later(self, path: Path, language: str, text: str) -> None:
        # Amounts are known only once a resident is served: render on a worker, for the next time.
        with self._lock:
            if path in self._rendering:
                return
            self._rendering.add(path)

        def work() -> None:
            try:
                render_clip(path.parent, language, text, self.rate)
            except VoiceError as e:
                log.warning("voice clip not rendered: %s", e)
            finally:
                with self._lock:
                    self._rendering.discard(path)

        threading.Thread(target=work, name="voice-render", daemon=True).start()
