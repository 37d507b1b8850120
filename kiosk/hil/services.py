"""The services supervisor: start the chain's parts as processes, wait until each is ready, stop all.

Every part is a real process started through its own CLI (docs/architecture.md "Real components and how they
start"): ``server_stub init/serve``, pcscd (``card.pcscd``), ``card.virtual serve`` and
``printer.emulator``.  Readiness is the line each CLI prints once it listens; cleanup is guaranteed by
:class:`Supervisor` (a context manager; SIGINT/SIGTERM turn into a clean unwind via
:func:`install_signal_handlers`), and processes are stopped by pid, newest first.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from card.pcscd import PcscdHandle, ensure_pcscd, slot_lock
from kiosk.hil.errors import ServiceStartError

__all__ = [
    "HOLIDAY",
    "IN_HOURS",
    "OUTSIDE_HOURS",
    "REPO",
    "Interrupted",
    "Service",
    "Supervisor",
    "child_env",
    "http_json",
    "init_center",
    "install_signal_handlers",
    "timed",
]

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
# A Wednesday in office hours (no municipality's maintenance day), and the same day at 02:00 (closed:
# service hours are 6:30–23:00, docs/domain.md).
IN_HOURS = "2026-11-25T10:00:00+09:00"
HOLIDAY = "2026-11-23T10:00:00+09:00"  # 勤労感謝の日, a Monday, in office hours
OUTSIDE_HOURS = "2026-11-25T02:00:00+09:00"
# When the HIL center data is made: before every scenario clock above, because the center refuses a CRL
# dated in its future (docs/center.md "Hostile load"), and init dates the CRLs at its own "now".
DATA_NOW = "2026-11-22T09:00:00+09:00"
MAX_LINES = 2000


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: the repo on PYTHONPATH, no inherited center clock."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("KONBINI_CENTER_NOW", None)
    env.update(extra or {})
    return env


def _load_prctl() -> Any:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None  # not Linux/glibc: the supervisor's own cleanup still applies


_PRCTL = _load_prctl()  # looked up once here: the child between fork and exec must not import


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the thread that spawned it dies, even by SIGKILL
    (Linux ``PR_SET_PDEATHSIG``; the supervisor spawns from the main thread), so no part outlives the
    run that started it.  Only a ctypes call: nothing that could wait on another thread's lock."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


@dataclass
class Service:
    """One started process; ``lines`` are what it printed on stdout (bounded)."""

    name: str
    process: subprocess.Popen[str]
    log_path: Path
    lines: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first stdout line matching ``pattern``.

        :raises ServiceStartError: the process ended or ``timeout`` passed first.
        """
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    if m := rx.search(line):
                        return m
                seen = len(self.lines)
                if self.process.poll() is not None and seen == len(self.lines):
                    raise ServiceStartError(f"{self.name} exited ({self.process.returncode}); "
                                            f"see {self.log_path}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServiceStartError(f"{self.name} not ready within {timeout:g} s; "
                                            f"see {self.log_path}")
                self._cond.wait(min(left, 0.2))

    def _pump(self, out: IO[str], log_file: IO[str]) -> None:
        for line in out:
            log_file.write(line)
            log_file.flush()
            with self._cond:
                if len(self.lines) < MAX_LINES:
                    self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL (the power cut)."""
        if self.running:
            self.process.kill()
        self.process.wait(10)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


class Supervisor:
    """Starts processes and stops every one of them on exit (newest first), whatever happens."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.services: list[Service] = []
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Supervisor:
        self.logs.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enter(self, cm: contextlib.AbstractContextManager[Any]) -> Any:
        """Hold a context manager (pcscd, a slot lock) until the supervisor closes."""
        return self._stack.enter_context(cm)

    def spawn(self, name: str, argv: list[str], *, env: dict[str, str] | None = None,
              stdin_devnull: bool = True) -> Service:
        """Start ``argv`` with stdout captured line by line (and copied to ``logs/<name>.log``)."""
        log_path = self.logs / f"{name}.log"
        log_file = log_path.open("a", encoding="utf-8")
        err_path = self.logs / f"{name}.stderr"
        err = err_path.open("ab")
        try:
            proc = subprocess.Popen(argv, cwd=REPO, env=env or child_env(), text=True, bufsize=1,
                                    stdin=subprocess.DEVNULL if stdin_devnull else None,
                                    stdout=subprocess.PIPE, stderr=err, start_new_session=True,
                                    preexec_fn=_die_with_parent)  # noqa: PLW1509 - see _die_with_parent
        finally:
            err.close()
        svc = Service(name, proc, log_path)
        assert proc.stdout is not None
        threading.Thread(target=svc._pump, args=(proc.stdout, log_file), name=f"hil-{name}",
                         daemon=True).start()
        self.services.append(svc)
        log.info("started %s (pid %d)", name, proc.pid)
        return svc

    def close(self) -> None:
        """Stop every process (newest first), then release pcscd and locks."""
        while self.services:
            svc = self.services.pop()
            try:
                svc.stop()
            except OSError as e:  # already gone
                log.warning("stopping %s: %s", svc.name, e)
        self._stack.close()

    # --- the parts ---------------------------------------------------------------------------------

    def pcscd(self) -> PcscdHandle:
        handle: PcscdHandle = self.enter(ensure_pcscd())
        return handle

    def center(self, data: Path, now: str = IN_HOURS, name: str = "center") -> Service:
        """``python -m server_stub serve`` on a free loopback port; ``info["port"]``, ``info["url"]``."""
        svc = self.spawn(name, [sys.executable, "-m", "server_stub", "serve", "--data", str(data),
                                "--host", "127.0.0.1", "--port", "0", "--public-port", "0", "--now", now])
        m = svc.wait_line(r'^\{.*"port"', 60)
        port = int(json.loads(m.string)["port"])
        svc.info.update(port=port, url=f"https://127.0.0.1:{port}", data=str(data))
        return svc

    def card(self, profile: Path, vpcd_port: int, state: Path, *, removed: bool = True,
             name: str = "card") -> Service:
        """A virtual card on vpcd ``vpcd_port`` (slot locked), with its HTTP control (``info["control"]``)."""
        self.enter(slot_lock(vpcd_port))
        argv = [sys.executable, "-m", "card.virtual", "serve", "--profile", str(profile),
                "--vpcd", f"127.0.0.1:{vpcd_port}", "--state", str(state), "--control", "127.0.0.1:0"]
        svc = self.spawn(name, argv)
        m = svc.wait_line(r"control (http://[\d.]+:\d+)", 30)
        svc.info["control"] = m.group(1)
        # Ready only once the card's link holds the vpcd slot (vpcd takes one card; a removal is a
        # closed link): start inserted, wait for the connection, then take the card out if asked.
        deadline = time.monotonic() + 120
        while not http_json(f"{svc.info['control']}/state").get("connected"):
            if time.monotonic() > deadline or not svc.running:
                raise ServiceStartError(f"{name}: the virtual card never connected to vpcd {vpcd_port}")
            time.sleep(0.1)
        if removed:
            http_json(f"{svc.info['control']}/remove", {})
        return svc

    def printer(self, out: Path, profile: str, *, link: str, baud: int | None = None,
                tty: Path | None = None, name: str = "printer") -> Service:
        """``python -m printer.emulator``: ``info["tcp"]`` or ``info["pty"]``, and ``info["control"]``."""
        out.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "printer.emulator", "--out", str(out), "--profile", profile,
                "--control", "127.0.0.1:0"]
        if link == "tcp":
            argv += ["--tcp", "127.0.0.1:0"]
        else:
            argv += ["--pty", str(tty or out.parent / f"{name}.tty")]
        if baud:
            argv += ["--baud", str(baud)]
        svc = self.spawn(name, argv)
        if link == "tcp":
            m = svc.wait_line(r"tcp ([\d.]+):(\d+)", 30)
            svc.info["tcp"] = (m.group(1), int(m.group(2)))
        else:
            m = svc.wait_line(r"on pty (\S+)", 30)
            svc.info["pty"] = m.group(1)
        c = svc.wait_line(r"(http://[\d.]+:\d+)/", 30)
        svc.info["control"] = c.group(1)
        return svc

    def ipp_printer(self, spool: Path, *, plan: Path | None = None, name: str = "printer") -> Service:
        """CUPS's ippeveprinter (two-sided, PDF) on a free port: ``info["uri"]``, ``info["spool"]``;
        ``plan`` is the JSON file its print engine reads (kiosk/hil/ipp_engine.py: speed, faults)."""
        from kiosk.hil.ippeve import ensure_dnssd, free_port, ippeve_argv

        ensure_dnssd()
        spool.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = child_env({"IPP_ENGINE_PLAN": str(plan)} if plan else None)
        svc = self.spawn(name, ippeve_argv(port, spool, f"kiosk-hil-{port}"), env=env)
        _ipp_ready(svc, port)
        svc.info.update(uri=f"ipp://127.0.0.1:{port}/ipp/print", spool=str(spool), control="none")
        return svc


def _ipp_ready(svc: Service, port: int) -> None:
    from kiosk.hil.ippeve import wait_port

    wait_port(port, lambda: svc.running)


def init_center(data: Path, *, residents: int = 20, seed: str = "hil", kiosks: int = 4,
                now: str = DATA_NOW, timeout: float = 600) -> bool:
    """``python -m server_stub init`` once per data dir (reused when its index exists; a lock makes
    concurrent callers wait for the first).  Returns whether it ran now.

    :raises ServiceStartError: init failed.
    """
    data.parent.mkdir(parents=True, exist_ok=True)
    with (data.parent / f".{data.name}.init.lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = data / "hil-now.txt"
        if (data / "cards" / "index.json").exists():
            if (data / "pki" / "trust.json").exists() and stamp.exists() and stamp.read_text().strip() == now:
                return False
            # Made before the CA generations and token kinds (issue 11), or at another clock: remake it.
            shutil.rmtree(data)
        r = subprocess.run([sys.executable, "-m", "server_stub", "init", "--data", str(data), "--residents",
                            str(residents), "--seed", seed, "--kiosks", str(kiosks), "--now", now],
                           cwd=REPO, env=child_env(), text=True, capture_output=True, timeout=timeout,
                           check=False)
        if r.returncode != 0:
            raise ServiceStartError(f"server_stub init failed: {r.stderr[-2000:]}")
        stamp.write_text(now + "\n", encoding="utf-8")
        return True


def http_json(url: str, body: dict[str, Any] | None = None, timeout: float = 5.0) -> Any:
    """GET (or POST ``body``) a loopback control port; the decoded JSON answer."""
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",  # noqa: S310
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback control port
        return json.loads(resp.read(1 << 20))


class Interrupted(BaseException):
    """SIGTERM arrived: unwind so every ``with Supervisor`` stops what it started."""


def install_signal_handlers() -> Callable[[], None]:
    """SIGTERM/SIGINT raise :class:`Interrupted`/KeyboardInterrupt in the main thread (clean unwind);
    returns a function that restores the previous handlers."""

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise Interrupted()

    old = signal.signal(signal.SIGTERM, on_term)
    old_int = signal.signal(signal.SIGINT, signal.default_int_handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, old)
        signal.signal(signal.SIGINT, old_int)

    return restore


@contextlib.contextmanager
def timed(timings: dict[str, float], key: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = round(timings.get(key, 0.0) + time.perf_counter() - t0, 4)
