"""One way to run a server of this package as a child process: start it, read the JSON line it prints
when it listens (its ports and pid), and stop it by SIGTERM, then SIGKILL.

Used by the center, municipal-server and console launchers (``server_stub.client``,
``server_stub.municipal.spawn``) that the tests, the benches and the HIL runner share.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["REPO", "child_env", "start_child", "stop_child"]

REPO = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """This checkout first on the child's path; no clock override leaks in from the parent."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("KONBINI_CENTER_NOW", None)
    return env


def start_child(args: list[str], what: str, *, quiet: bool = False,
                env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start ``args`` and wait for its start-up line.

    :param quiet: stderr goes nowhere: a long-running child whose stderr nobody reads must not block on
        a full pipe.
    :raises RuntimeError: the child ended before it listened (its stderr's tail in the message).
    """
    proc = subprocess.Popen(
        args, cwd=REPO, env=env if env is not None else child_env(), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        err = proc.stderr.read() if proc.stderr else ""
        proc.wait(10)
        raise RuntimeError(f"{what} did not start: {err[-2000:]}")
    return proc, dict(json.loads(line))


def stop_child(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, then SIGKILL after 10 s; returns what the child wrote to stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.stderr.read() if proc.stderr else ""
