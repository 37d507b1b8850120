"""Closing time (issue 18): how long until the kiosk stops serving, from the wall clock, in Japan time.

Pure: the caller passes epoch seconds (``Flow``'s wall clock).  Service ends at ``FlowSettings.closing``
(23:00) every day; the countdown is shown from ``countdown_minutes`` before, and a new transaction is
refused when less than ``closing_margin`` seconds are left, before the card is read, rather than after
the PIN when the center refuses it.
"""

from __future__ import annotations

import datetime as dt
import math

from contracts.jst import JST
from kiosk.flow.settings import FlowSettings

__all__ = ["minutes_left", "seconds_to_closing", "too_late"]


def seconds_to_closing(wall: float, settings: FlowSettings) -> float:
    """Seconds from ``wall`` until today's closing time in Japan time (negative once it has passed)."""
    now = dt.datetime.fromtimestamp(wall, JST)
    hour, minute = settings.closing
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    closing = midnight + dt.timedelta(hours=hour, minutes=minute)
    return (closing - now).total_seconds()


def minutes_left(wall: float, settings: FlowSettings) -> int | None:
    """Whole minutes left (rounded up) while the countdown shows, else None."""
    left = seconds_to_closing(wall, settings)
    if not 0 < left <= settings.countdown_minutes * 60:
        return None
    return math.ceil(left / 60)


def too_late(wall: float, settings: FlowSettings) -> bool:
    """No transaction started now can finish before closing (refuse before the card is read)."""
    left = seconds_to_closing(wall, settings)
    return 0 < left < settings.closing_margin
