"""Attention sounds (take your card / your certificate) through Kivy's SoundLoader, never fatal.

A kiosk without an audio device (or without an audio provider) stays silent and logs once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.ui.chime import SOUND_DIR

__all__ = ["Sounds"]

log = logging.getLogger(__name__)


class Sounds:
    """``update(name)`` loops the named chime (``View.sound``) or stops it (``None``)."""

    def __init__(self, enabled: bool = True, directory: Path = SOUND_DIR) -> None:
        self.enabled = enabled
        self._dir = directory
        self._cache: dict[str, Any] = {}
        self.current: str | None = None
        self.failed = False

    def _load(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        sound = None
        path = self._dir / f"{name}.wav"
        try:
            from kivy.core.audio import SoundLoader

            sound = SoundLoader.load(str(path)) if path.exists() else None
        except Exception as e:
            log.warning("sound %s unavailable: %s", name, type(e).__name__)
        if sound is None:
            self.failed = True
        self._cache[name] = sound
        return sound

    def update(self, name: str | None) -> None:
        if name == self.current:
            return
        self.stop()
        self.current = name
        if name is None or not self.enabled:
            return
        sound = self._load(name)
        if sound is None:
            return
        try:
            sound.loop = True
            sound.play()
        except Exception as e:
            log.warning("cannot play %s: %s", name, type(e).__name__)

    def play_once(self, name: str) -> None:
        if not self.enabled:
            return
        sound = self._load(name)
        if sound is None:
            return
        try:
            sound.loop = False
            sound.play()
        except Exception as e:
            log.warning("cannot play %s: %s", name, type(e).__name__)

    def stop(self) -> None:
        if self.current is None:
            return
        sound = self._cache.get(self.current)
        self.current = None
        if sound is not None:
            try:
                sound.stop()
            except Exception as e:
                log.warning("cannot stop sound: %s", type(e).__name__)
