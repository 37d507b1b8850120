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

__all__ = ["CacheReport", "RenderReport", "cache_bytes", "prepare_cache", "prune_clips", "render_clip",
           "render_clips"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderReport:
    rendered: int
    cached: int
    failed: int
    seconds: float
    skipped: int = 0  # not rendered: the cache's disk budget was reached


@dataclass(frozen=True)
class CacheReport:
    """What ``prepare_cache`` did: the base prompts, the money sentences, the clips pruned, and the
    cache's size on disk before and after (bytes)."""

    base: RenderReport
    amounts: RenderReport
    pruned: int
    bytes_before: int
    bytes_after: int


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
                 jobs: int = 2, budget_bytes: int | None = None) -> RenderReport:
    """Render every ``(language, text)`` missing from ``directory`` with ``jobs`` engines at once.

    With ``budget_bytes``, stop once the directory holds that much (the rest is ``skipped``; a skipped
    sentence is shown as text, and rendered in the background if a resident needs it).
    """
    start = time.perf_counter()
    todo = list(dict.fromkeys(texts))  # the caller's order: with a budget, the first ones win
    missing = [(lang, t) for lang, t in todo if not (directory / clip_name(t, lang, rate)).exists()]
    directory.mkdir(parents=True, exist_ok=True)
    failed = skipped = 0

    def one(item: tuple[str, str]) -> bool:
        try:
            render_clip(directory, item[0], item[1], rate)
            return True
        except VoiceError as e:
            log.warning("voice clip (%s) not rendered: %s", item[0], e)
            return False

    # With a budget, ``jobs`` clips at a time and the real size on disk checked between them: the
    # cache overshoots by a few clips at most, and never by an estimate's error.
    step = max(1, jobs) if budget_bytes is not None else max(1, len(missing))
    done: list[tuple[str, str]] = []
    used = cache_bytes(directory) if budget_bytes is not None else 0
    pool = ThreadPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        for i in range(0, len(missing), step):
            if budget_bytes is not None and used >= budget_bytes:
                skipped = len(missing) - i
                break
            chunk = missing[i:i + step]
            # jobs <= 1: in the caller's thread (a daemon thread at first start must not hold up exit)
            results = pool.map(one, chunk) if pool is not None else map(one, chunk)
            failed += sum(1 for ok in results if not ok)
            done += chunk
            if budget_bytes is not None:
                for lang, text in chunk:
                    clip = directory / clip_name(text, lang, rate)
                    used += clip.stat().st_size if clip.exists() else 0
    finally:
        if pool is not None:
            pool.shutdown()
    missing = done
    return RenderReport(rendered=len(missing) - failed, cached=len(todo) - len(missing) - skipped,
                        failed=failed, seconds=time.perf_counter() - start, skipped=skipped)


def cache_bytes(directory: Path) -> int:
    """Bytes of the clips in ``directory`` (0 when it does not exist)."""
    if not directory.is_dir():
        return 0
    return sum(p.stat().st_size for p in directory.glob("*.wav"))


def prune_clips(directory: Path, keep: Iterable[tuple[str, str]], rate: float) -> int:
    """Delete every clip in ``directory`` that is not one of ``keep`` (a changed text, a language no
    longer offered, another rate or sample rate, an amount rendered once for one resident).
    Returns how many were removed."""
    if not directory.is_dir():
        return 0
    wanted = {clip_name(t, lang, rate) for lang, t in keep}
    removed = 0
    for path in directory.glob("*.wav"):
        if path.name not in wanted:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def prepare_cache(directory: Path, base: Iterable[tuple[str, str]], amounts: Iterable[tuple[str, str]],
                  rate: float, *, budget_bytes: int, jobs: int = 2) -> CacheReport:
    """Bring the clip cache to what the config needs (``make voice`` and a kiosk's first start):
    every base prompt; then the money sentences, in the order given, while the cache stays within
    ``budget_bytes``; then remove every clip that is neither."""
    base, amounts = sorted(set(base)), list(dict.fromkeys(amounts))  # amounts: most needed first
    before = cache_bytes(directory)
    pruned = prune_clips(directory, [*base, *amounts], rate)  # first: stale clips do not count
    first = render_clips(directory, base, rate, jobs)
    second = render_clips(directory, amounts, rate, jobs, budget_bytes=budget_bytes)
    return CacheReport(first, second, pruned, before, cache_bytes(directory))
