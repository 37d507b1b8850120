"""deploy/: every systemd unit passes ``systemd-analyze verify``; the kiosk's watchdog and hardening are
there; the example config is a valid kiosk config; sd_notify speaks the real datagram protocol."""

from __future__ import annotations

import configparser
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import parse_config
from kiosk.runtime.sdnotify import notify, watchdog_interval

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
VENV_PYTHON = "/opt/konbini/.venv/bin/python"


def _unit(path: Path) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(path)
    return cp


def test_there_are_units() -> None:
    assert {u.name for u in UNITS} == {
        "konbini-center.service",
        "konbini-ops.service",
        "konbini-kiosk.service",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze missing: apt install systemd (scripts/bootstrap.sh)"
    text = unit.read_text()
    # verify checks that executables exist: the venv path of an installed machine is this test's Python;
    # cage is the real /usr/bin/cage (apt).  Nothing else of the unit is changed.
    assert VENV_PYTHON in text
    copy = tmp_path / unit.name
    copy.write_text(text.replace(VENV_PYTHON, sys.executable))
    r = subprocess.run([tool, "verify", str(copy)], check=False, capture_output=True, text=True, timeout=60)
    problems = [line for line in (r.stdout + r.stderr).splitlines() if unit.name in line or "ssue" in line]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_hardening_and_restart(unit: Path) -> None:
    s = _unit(unit)["Service"]
    for key, value in (
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("Restart", "on-failure"),
    ):
        assert s.get(key) == value, (unit.name, key)
    assert s.get("User") and s.get("User") != "root"


def test_kiosk_unit_runs_under_cage_with_a_watchdog() -> None:
    s = _unit(DEPLOY / "konbini-kiosk.service")["Service"]
    assert s["ExecStart"].startswith("/usr/bin/cage ")
    assert " -s " not in s["ExecStart"]  # no VT switching for residents
    assert (s["Type"], s["NotifyAccess"], s["WatchdogSec"]) == ("notify", "all", "30")
    assert s["User"] == "konbini-kiosk"


def test_example_config_is_valid(tmp_path: Path) -> None:
    import tomllib

    from kiosk.flow.staff import hash_pin

    raw = tomllib.loads((DEPLOY / "kiosk.toml.example").read_text(encoding="utf-8"))
    raw["staff"]["pin_hash"] = hash_pin("258025")  # the example leaves it to the installer
    cfg = parse_config(raw, tmp_path)
    assert cfg.health.report_seconds == 30 and cfg.health.metrics_port == 0


def test_sd_notify_datagrams(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv:
        srv.bind(str(path))
        srv.settimeout(2)
        env = {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000"}
        assert notify("READY=1", env) and notify("WATCHDOG=1", env)
        assert [srv.recv(64), srv.recv(64)] == [b"READY=1", b"WATCHDOG=1"]
    assert watchdog_interval(env) == 15.0
    assert watchdog_interval({}) is None and notify("READY=1", {}) is False
    # The abstract namespace ("@name"), as systemd usually passes it.
    name = f"konbini-test-{tmp_path.name}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv:
        srv.bind("\0" + name)
        srv.settimeout(2)
        assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert srv.recv(64) == b"WATCHDOG=1"
