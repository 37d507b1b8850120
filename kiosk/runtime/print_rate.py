"""How fast this kiosk's certificate printer prints, measured from the pages it actually printed.

The printing screen shows the time left (issue 14), and the flow is pure, so the rate is measured here
and handed to it in each ``PrintProgress``.  Kept in memory per printer (one ``PrintRate`` per runner,
which drives one certificate printer), and only as seconds per page: nothing about the resident or the
documents.  A restart forgets it; the first page of the next job then measures it again.

Within a job the first page carries the job's set-up (laying out every document, opening the link,
warming up), so it is slower than the pages after it:

- from the second page on, the rate is this job's steady pace (time since the first page out, per page
  since) and becomes the printer's rate for the next jobs;
- after the first page only, the printer's rate from earlier jobs, else this first page's own time (an
  overestimate: the screen may say a little more time than it takes, never less);
- before any page, nothing: the screen shows pages only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["PrintRate", "PrintTimer"]


class PrintRate:
    """Seconds per page of one printer, remembered across its jobs (in memory only)."""

    def __init__(self, seed: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = seed if seed is not None and seed > 0 else None
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def seconds_per_page(self) -> float | None:
        """The steady pace of the last job that printed two pages or more (or the seed)."""
        with self._lock:
            return self._rate

    def start(self) -> PrintTimer:
        """Time one job, from now (its documents are about to be laid out and sent)."""
        return PrintTimer(self, self._clock)

    def _learn(self, rate: float) -> None:
        with self._lock:
            self._rate = rate


class PrintTimer:
    """One job's pages as they come out; ``page(done)`` returns the rate to show after that page."""

    def __init__(self, printer: PrintRate, clock: Callable[[], float]) -> None:
        self._printer, self._clock = printer, clock
        self._started = clock()
        self._first_at: float | None = None  # when the first page came out
        self._first_pages = 0
        self._first_seconds = 0.0

    def page(self, done: int) -> float | None:
        """``done`` pages of this job are out (the printer's progress callback): seconds per page."""
        now = self._clock()
        if done <= 0:
            return self._printer.seconds_per_page
        if self._first_at is None:
            # Progress may skip pages (a document counted at once): spread the time over them.
            self._first_at, self._first_pages = now, done
            self._first_seconds = (now - self._started) / done
            return self._printer.seconds_per_page or self._first_seconds
        since = done - self._first_pages
        if since <= 0:
            return self._printer.seconds_per_page or self._first_seconds
        steady = (now - self._first_at) / since
        if steady > 0:
            self._printer._learn(steady)
            return steady
        return self._printer.seconds_per_page or self._first_seconds
