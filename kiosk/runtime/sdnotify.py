"""systemd's notify protocol (sd_notify(3)), written out: one datagram per state to ``$NOTIFY_SOCKET``.

The kiosk runs as ``Type=notify`` with ``WatchdogSec`` (deploy/konbini-kiosk.service): it sends
``READY=1`` once the UI is up and ``WATCHDOG=1`` from the **UI thread** (a Kivy clock interval), so a
hung UI thread stops feeding the watchdog and systemd restarts the kiosk.  The kiosk is a child of
cage, not the service's main process, so the unit says ``NotifyAccess=all`` and ``WATCHDOG_PID``
(cage's pid) is deliberately not compared with ours.  Outside systemd (no ``NOTIFY_SOCKET``) every
call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

__all__ = ["notify", "watchdog_interval"]

log = logging.getLogger(__name__)


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``, ``"WATCHDOG=1"``); True when a socket took it."""
    addr = (env if env is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not addr or addr[0] not in "/@":
        return False
    target = "\0" + addr[1:] if addr[0] == "@" else addr  # "@" names an abstract socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.sendto(state.encode(), target)
    except OSError as e:  # systemd gone or the socket not ours: the kiosk keeps running
        log.warning("sd_notify %s failed: %s", state.split("=", 1)[0], type(e).__name__)
        return False
    return True


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between ``WATCHDOG=1`` pings: half of ``WATCHDOG_USEC``, as sd_watchdog_enabled(3)
    advises; None when the watchdog is off."""
    usec = (env if env is not None else os.environ).get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    return int(usec) / 2_000_000
