"""Render the clips a kiosk needs into its cache directory (build time or first start).

Existing clips are kept (the name hashes text, language and rate), so a second run renders nothing.
A clip is written to a temporary name and renamed, so a crash never leaves a half clip to be played.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kiosk.voice.clips import clip_name
from kiosk.voice.tts import VoiceError, synthesize

__all__ = ["RenderReport", "render_clip", "render_clips"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderReport:
    rendered: int
    cached: int
    failed: int
    seconds: float


def render_clip(directory: Path, language: str, text: str, rate: float) -> Path:
    """The clip of ``text``, rendered now unless cached.

    :raises VoiceError: the engine failed (nothing is left at the clip's name).
    """
    path = directory / clip_name(text, language, rate)
    if path.exists():
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        synthesize(text, language, rate, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def render_clips(directory: Path, texts: Iterable[tuple[str, str]], rate: float,
                 jobs: int = 2) -> RenderReport:
    """Render every ``(language, text)`` missing from ``directory`` with ``jobs`` engines at once."""
    start = time.perf_counter()
    todo = sorted(set(texts))
    missing = [(lang, t) for lang, t in todo if not (directory / clip_name(t, lang, rate)).exists()]
    directory.mkdir(parents=True, exist_ok=True)
    failed = 0

    def one(item: tuple[str, str]) -> bool:
        try:
            render_clip(directory, item[0], item[1], rate)
            return True
        except VoiceError as e:
            log.warning("voice clip (%s) not rendered: %s", item[0], e)
            return False

    if jobs <= 1:  # in the caller's thread: a daemon thread (first start) must not hold up exit
        failed = sum(1 for item in missing if not one(item))
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            failed = sum(1 for ok in pool.map(one, missing) if not ok)
    return RenderReport(rendered=len(missing) - failed, cached=len(todo) - len(missing), failed=failed,
                        seconds=time.perf_counter() - start)
