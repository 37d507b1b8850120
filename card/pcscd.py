"""Find or start pcscd with Debian's vpcd driver (docs/architecture.md "Real components and how they start").

One pcscd serves the whole machine (Debian's build ignores a custom socket path), so every user —
the test suite, ``make demo``, the HIL scenarios, benchmarks — shares it: :func:`ensure_pcscd` starts
``pcscd --foreground`` only when none runs and, on exit, stops it only if it started it and no other
user still holds the shared usage lock.  Locks live in the temp dir so concurrent sessions (other
checkouts of the project) cooperate instead of stealing the daemon from each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from card.errors import CardError
from card.pcsc import PcscContext
from card.virtual.vpcd import DEFAULT_PORT, reader_name_for_port

__all__ = ["LOCK_DIR", "PcscdError", "PcscdHandle", "ensure_pcscd", "pcscd_running", "slot_lock",
           "vpcd_readers"]

log = logging.getLogger(__name__)

LOCK_DIR = Path(tempfile.gettempdir())
USAGE_LOCK = LOCK_DIR / "konbini-pcscd.usage.lock"
START_LOCK = LOCK_DIR / "konbini-pcscd.start.lock"


class PcscdError(CardError):
    """pcscd is missing, or it runs without the vpcd readers."""

    code = "pcscd_unavailable"


@dataclass
class PcscdHandle:
    """pcscd as it was found or started."""

    started: bool
    process: subprocess.Popen[bytes] | None = None
    readers: list[str] = field(default_factory=list)


def pcscd_running() -> bool:
    """Like ``pgrep -x pcscd`` without procps: a live (non-zombie) process named pcscd."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "pcscd":
                continue
            state = (comm.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # the process ended while we looked
        if state != "Z":  # a zombie is not a running daemon
            return True
    return False


def vpcd_readers(timeout: float, port: int = DEFAULT_PORT) -> list[str]:
    """The PC/SC reader list once it names the vpcd reader of ``port``.

    :raises PcscdError: not within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with PcscContext() as ctx:
                readers = ctx.readers()
            if reader_name_for_port(port) in readers:
                return readers
        except CardError as exc:
            last = exc
        time.sleep(0.1)
    raise PcscdError(f"pcscd has no vpcd reader {reader_name_for_port(port)!r} ({last})")


def _lock(path: Path, mode: int) -> IO[bytes]:
    fh = open(path, "a+b")  # noqa: SIM115 - kept open for the lock's lifetime
    fcntl.flock(fh, mode)
    return fh


@contextlib.contextmanager
def ensure_pcscd(timeout: float = 15.0) -> Iterator[PcscdHandle]:
    """pcscd running with the vpcd driver for the duration of the block.

    :raises PcscdError: pcscd is not installed, or its vpcd readers did not appear in ``timeout``.
    """
    if shutil.which("pcscd") is None:
        raise PcscdError("pcscd is not installed (apt pcscd vsmartcard-vpcd; see scripts/bootstrap.sh)")
    usage = _lock(USAGE_LOCK, fcntl.LOCK_SH)
    handle = PcscdHandle(started=False)
    log_file = None
    try:
        with _lock(START_LOCK, fcntl.LOCK_EX):
            if not pcscd_running():
                log_file = tempfile.NamedTemporaryFile(prefix="pcscd-", suffix=".log", delete=False)  # noqa: SIM115
                handle.process = subprocess.Popen(
                    ["pcscd", "--foreground"],
                    stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
                handle.started = True
                log.info("started pcscd (pid %d)", handle.process.pid)
            handle.readers = vpcd_readers(timeout)
        yield handle
    finally:
        if handle.process is not None:
            _stop_if_unused(handle.process, usage)
        usage.close()
        if log_file is not None:
            log_file.close()
            os.unlink(log_file.name)


def _stop_if_unused(proc: subprocess.Popen[bytes], usage: IO[bytes]) -> None:
    try:
        # Upgrade our shared lock: succeeds only when no other user holds it.
        fcntl.flock(usage, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another session still uses pcscd; leave it running for them
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def slot_lock(port: int, wait: float = 300.0) -> Iterator[None]:
    """Exclusive use of a vpcd slot across processes: a slot takes one card, so users queue.

    :raises PcscdError: the slot stayed busy for ``wait`` seconds.
    """
    fh = open(LOCK_DIR / f"konbini-vpcd-{port}.lock", "a+b")  # noqa: SIM115
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PcscdError(f"vpcd slot {port} busy for {wait:g} s") from None
                time.sleep(0.2)
        yield
    finally:
        fh.close()
