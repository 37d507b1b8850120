"""The systemd watchdog is fed by the UI thread's Kivy clock: pings while the loop runs, none while it
does not (a hung UI), over a real AF_UNIX datagram socket as systemd's NOTIFY_SOCKET."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from kivy.clock import Clock

from kiosk.ui.watchdog import schedule_systemd


def _drain(srv: socket.socket) -> list[bytes]:
    got = []
    while True:
        try:
            got.append(srv.recv(64))
        except BlockingIOError:
            return got


def test_pings_only_while_the_ui_loop_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv:
        srv.bind(str(path))
        srv.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        monkeypatch.setenv("WATCHDOG_USEC", "100000")  # WatchdogSec=0.1: a ping every 50 ms
        interval, events = schedule_systemd()
        assert interval == 0.05
        got: list[bytes] = []
        end = time.monotonic() + 5  # generous: the machine may be loaded
        while time.monotonic() < end and got.count(b"WATCHDOG=1") < 3:  # the UI loop turning
            Clock.tick()
            time.sleep(0.01)
            got += _drain(srv)
        assert got[0] == b"READY=1"
        assert got.count(b"WATCHDOG=1") >= 3
        time.sleep(0.5)  # the UI thread hangs: nothing ticks the clock, so nothing is sent
        assert _drain(srv) == []
        after: list[bytes] = []
        end = time.monotonic() + 5
        while time.monotonic() < end and b"WATCHDOG=1" not in after:  # it recovers: pings again
            Clock.tick()
            time.sleep(0.01)
            after += _drain(srv)
        assert b"WATCHDOG=1" in after
    for ev in events:
        ev.cancel()
