"""Cached voice clips: one WAV per (text, language, rate), named by a hash, checked for sound.

The name hashes the exact words, so a changed translation gets a new clip and a stale one is never
played.  Volume is applied when playing, so it is not part of the name.
"""

from __future__ import annotations

import array
import hashlib
import math
import wave
from dataclasses import dataclass
from pathlib import Path

from kiosk.voice.tts import VoiceError

__all__ = ["SAMPLE_RATE", "ClipStats", "clip_name", "clip_stats"]

# Every clip is stored at this rate (kiosk.voice.tts resamples the engines' output): wideband speech,
# a third of Open JTalk's 48 kHz.  Part of each clip's name, so a change renders every clip anew and
# the old ones are pruned (kiosk.voice.render.prune_clips).
SAMPLE_RATE = 16000


def clip_name(text: str, language: str, rate: float) -> str:
    """File name of the clip of ``text`` in ``language`` at ``rate``."""
    digest = hashlib.sha256(f"{language}\0{rate:.2f}\0{SAMPLE_RATE}\0{text}".encode()).hexdigest()[:24]
    return f"{language}-{digest}.wav"


@dataclass(frozen=True)
class ClipStats:
    """What a clip holds: its length and loudness (RMS of full scale, 0..1)."""

    seconds: float
    rms: float
    rate: int


def clip_stats(path: Path) -> ClipStats:
    """Length and loudness of a 16-bit PCM WAV clip.

    :raises VoiceError: not a readable 16-bit PCM WAV file.
    """
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise VoiceError(f"{path.name}: not 16-bit PCM")
            frames = w.readframes(w.getnframes())
            rate, channels = w.getframerate(), w.getnchannels()
    except (OSError, EOFError, wave.Error) as e:
        raise VoiceError(f"{path.name}: {type(e).__name__}") from e
    samples = array.array("h")
    samples.frombytes(frames[: len(frames) // 2 * 2])
    n = len(samples)
    rms = math.sqrt(sum(s * s for s in samples) / n) / 32768 if n else 0.0
    return ClipStats(seconds=n / channels / rate if rate else 0.0, rms=rms, rate=rate)
