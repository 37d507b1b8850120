"""CUPS's ippeveprinter as the page printer of a run (scenario ``happy-ipp``, tests/fixtures/ipp.py).

ippeveprinter will not start without DNS-SD, so :func:`ensure_dnssd` first makes sure the system D-Bus
and avahi-daemon run; CI is a fresh machine (root, no systemd), so they are started by hand:
``dbus-daemon --system --fork`` and ``avahi-daemon --daemonize --no-drop-root --no-chroot``.  Each
printer runs :data:`ENGINE` (kiosk/hil/ipp_engine.py) for its jobs, which reports every printed
impression back to ippeveprinter through its command protocol.  :func:`rasterize` turns the spooled
PDFs into one PNG per side, which the checks read like the emulator's pages.
"""

from __future__ import annotations

import fcntl
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.hil.errors import ServiceStartError

__all__ = ["ENGINE", "ensure_dnssd", "free_port", "ippeve_argv", "rasterize", "wait_port"]

ENGINE = Path(__file__).resolve().parent / "ipp_engine.py"
_BUS = Path("/run/dbus/system_bus_socket")


def _bus_up() -> bool:
    if not _BUS.exists():
        return False
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(_BUS))
        except OSError:
            return False
    return True


def _avahi_up() -> bool:
    return subprocess.run(["avahi-daemon", "-c"], check=False, capture_output=True).returncode == 0


def _wait(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise ServiceStartError(f"{what} did not come up within {timeout:g} s")
        time.sleep(0.1)


def ensure_dnssd() -> None:
    """Start the system bus and avahi-daemon when they are not running (they are left running: other
    runs share them, as they share pcscd).

    :raises ServiceStartError: ippeveprinter or avahi-daemon is missing, or they do not come up.
    """
    for tool in ("ippeveprinter", "avahi-daemon", "dbus-daemon"):
        if shutil.which(tool) is None:
            raise ServiceStartError(f"{tool} is missing: apt-get install cups-ipp-utils avahi-daemon dbus")
    if _avahi_up():
        return
    # Two starters at once (pytest-xdist workers, a HIL run beside the tests) would both start a bus and
    # an avahi-daemon, and the second start fails: the first one starts them, the others wait and see.
    with (Path(tempfile.gettempdir()) / "konbini-dnssd.lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _avahi_up():
            _start_dnssd()


def _start_dnssd() -> None:
    if not _bus_up():
        _BUS.parent.mkdir(parents=True, exist_ok=True)
        (_BUS.parent / "pid").unlink(missing_ok=True)  # a stale pid file stops a new bus
        subprocess.run(["dbus-daemon", "--system", "--fork"], check=True, capture_output=True)
        _wait(_bus_up, "the system D-Bus")
    Path("/run/avahi-daemon/pid").unlink(missing_ok=True)
    subprocess.run(["avahi-daemon", "--daemonize", "--no-drop-root", "--no-chroot", "--no-rlimits"],
                   check=True, capture_output=True)
    _wait(_avahi_up, "avahi-daemon")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, alive: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until something listens on 127.0.0.1:``port``.  :raises ServiceStartError: it died or timed out."""
    def listening() -> bool:
        if not alive():
            raise ServiceStartError(f"ippeveprinter on port {port} exited")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    _wait(listening, f"ippeveprinter on port {port}", timeout)


def ippeve_argv(port: int, spool: Path, name: str, *, duplex: bool = True) -> list[str]:
    """A PDF page printer at 60 pages per minute on ``port``, keeping its jobs' documents in ``spool``."""
    return ["ippeveprinter", "-p", str(port), "-n", "localhost", "-d", str(spool), "-k",
            "-f", "application/pdf", "-c", str(ENGINE), "-s", "60", *(["-2"] if duplex else []), name]


def rasterize(spool: Path, *, dpi: int = 300, duplex: bool = True) -> list[Path]:
    """Each spooled job's PDF as PNG sides: ``JJJJ-SS.png``, backs ``JJJJ-SS-back.png`` when two-sided.

    300 dpi keeps every module of the 600 dpi seal QR readable and takes a quarter of 600's time.
    """
    out: list[Path] = []
    for pdf in sorted(spool.glob("*.pdf"), key=lambda p: int(p.name.split("-")[0])):
        job = int(pdf.name.split("-")[0])
        stem = spool / f"job{job:04d}"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(stem)],
                       check=True, capture_output=True, timeout=300)
        sides = sorted(spool.glob(f"{stem.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        for i, side in enumerate(sides):
            sheet = i // 2 + 1 if duplex else i + 1
            back = duplex and i % 2 == 1
            target = spool / f"{job:04d}-{sheet:02d}{'-back' if back else ''}.png"
            side.replace(target)
            out.append(target)
    for prn in spool.glob("*.prn"):
        prn.unlink()  # the engine's (empty) output
    return out
