"""Shared test set-up.  Kivy's environment is set here, before anything can import kivy."""

from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _k, _v in {
    "KIVY_HOME": str(_HERE / ".kivy_home"),
    "KIVY_NO_ARGS": "1",
    "KIVY_NO_CONFIG": "1",
    "KIVY_NO_FILELOG": "1",
    "KIVY_NO_CONSOLELOG": "1",
}.items():
    os.environ.setdefault(_k, _v)
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

REPO = _HERE.parent
