"""Spoken guidance: clips rendered ahead of time by offline text-to-speech (no Kivy here).

``kiosk.voice.tts`` drives Open JTalk (Japanese) and espeak-ng (the other languages);
``kiosk.voice.clips`` names, renders and checks the cached clips under ``var/voice/``;
``python -m kiosk.voice`` renders every clip a config can need (``make voice``).  Playing them is the
UI's job (``kiosk.ui.voice``).
"""

from kiosk.voice.clips import ClipStats, clip_name, clip_stats
from kiosk.voice.tts import VoiceError, reading, synthesize

__all__ = ["ClipStats", "VoiceError", "clip_name", "clip_stats", "reading", "synthesize"]
