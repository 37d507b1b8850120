"""Attention chimes as small WAV files, made with the standard ``wave`` module (no Kivy).

``python -m kiosk.ui.chime assets/sounds`` (re)writes them; the generated files are committed so a kiosk
never has to write into its install directory.  Two notes, a soft attack and an exponential decay: an
announcement-style "ding-dong" that is audible in a store without being shrill (docs/domain.md §1.10).
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

__all__ = ["CHIMES", "SOUND_DIR", "write_all", "write_chime"]

SOUND_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"
RATE = 16_000
# name → notes (Hz, seconds).  take_card: rising; take_documents: falling; warning: one short note.
CHIMES: dict[str, tuple[tuple[float, float], ...]] = {
    "take_card": ((659.3, 0.35), (880.0, 0.55)),
    "take_documents": ((880.0, 0.35), (659.3, 0.55)),
    "warning": ((784.0, 0.3),),
    "error": ((523.3, 0.25), (392.0, 0.45)),
}


def _note(freq: float, seconds: float) -> list[int]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        t = i / RATE
        env = min(1.0, t / 0.01) * math.exp(-4.0 * t / seconds)
        # fundamental plus a quiet octave: a bell-like timbre
        s = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
        out.append(int(max(-1.0, min(1.0, 0.45 * env * s)) * 32767))
    return out


def write_chime(path: Path, notes: tuple[tuple[float, float], ...]) -> Path:
    """Write a 16 kHz mono 16-bit WAV of ``notes``."""
    samples: list[int] = []
    for freq, seconds in notes:
        samples.extend(_note(freq, seconds))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def write_all(directory: Path = SOUND_DIR) -> list[Path]:
    return [write_chime(directory / f"{name}.wav", notes) for name, notes in CHIMES.items()]


if __name__ == "__main__":  # pragma: no cover
    for p in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else SOUND_DIR):
        sys.stdout.write(f"{p}\n")
