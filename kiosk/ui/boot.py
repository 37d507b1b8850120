"""Kivy's environment and window configuration, applied before anything imports ``kivy.core.window``.

docs/kivy-headless.md: the env must be set before the first ``import kivy`` and the window size via
``Config`` before the window exists (an offscreen window cannot be resized later).  This module imports
Kivy only inside ``prepare``, so ``python -m kiosk`` can call it first.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.ui.settings import UISettings

__all__ = ["prepare"]


def prepare(settings: UISettings, *, kivy_home: Path | None = None) -> None:
    """Set Kivy's env and ``Config`` for a kiosk window: fixed size, borderless, no cursor, no escape."""
    env = {"KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1", "KIVY_NO_FILELOG": "1", "KIVY_NO_CONSOLELOG": "1"}
    if kivy_home is not None:
        env["KIVY_HOME"] = str(kivy_home)
    for key, value in env.items():
        os.environ.setdefault(key, value)
    from kivy.config import Config

    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    # Explicit size + borderless rather than fullscreen=auto: on an X11 kiosk without a window
    # manager "auto" kept an 800×600 drawable (docs/kivy-headless.md "Kiosk Config").
    Config.set("graphics", "fullscreen", "0")
    Config.set("graphics", "borderless", "1" if settings.fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if settings.fullscreen else "1")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "allow_screensaver", "0")
    if settings.fullscreen:
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "")
    for key, _ in Config.items("input"):  # drop probesysfs/mtdev probes; the SDL2 provider stays
        Config.remove_option("input", key)
