"""systemd readiness and watchdog pings from the UI thread (deploy/konbini-kiosk.service).

``READY=1`` once Kivy's loop runs, then ``WATCHDOG=1`` every half ``WATCHDOG_USEC`` from a Kivy clock
interval: the pings come from the UI thread itself, so a hung UI stops them and systemd restarts the
kiosk (kiosk.runtime.sdnotify sends the datagrams).
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock

from kiosk.runtime.sdnotify import notify, watchdog_interval

__all__ = ["schedule_systemd"]


def schedule_systemd() -> tuple[float | None, list[Any]]:
    """Schedule the pings on the Kivy clock; returns the interval (None: no watchdog asked for) and
    the clock events (to cancel them)."""
    events = [Clock.schedule_once(lambda _dt: notify("READY=1"), 0)]
    interval = watchdog_interval()
    if interval is not None:
        events.append(Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), interval))
    return interval, events
