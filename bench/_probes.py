"""What bench/center.py measures besides latency: a network namespace for the load generator, the
PostgreSQL round trips of the center (strace), its memory (/proc) and where its CPU goes (py-spy).

Linux only; each probe says so and returns None when it cannot run (not root, no strace or py-spy).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Netns:
    """A namespace ``name`` joined to this one by a veth pair: the center listens on ``host_ip``, the
    load generator's connections come from ``ns_ip``."""

    name: str
    host_if: str
    host_ip: str
    ns_ip: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


def netns_up() -> Netns | None:
    """Create the namespace and veth pair; None (and why, on stderr) when that is not possible."""
    tag = f"{os.getpid() % 100000}"
    octet = random.randrange(1, 250)
    ns = Netns(f"kbench{tag}", f"kbh{tag}", f"10.213.{octet}.1", f"10.213.{octet}.2")
    steps = [
        ("netns", "add", ns.name),
        ("link", "add", ns.host_if, "type", "veth", "peer", "name", f"kbn{tag}", "netns", ns.name),
        ("addr", "add", f"{ns.host_ip}/30", "dev", ns.host_if),
        ("link", "set", ns.host_if, "up"),
        ("-n", ns.name, "addr", "add", f"{ns.ns_ip}/30", "dev", f"kbn{tag}"),
        ("-n", ns.name, "link", "set", f"kbn{tag}", "up"),
        ("-n", ns.name, "link", "set", "lo", "up"),
    ]
    try:
        for step in steps:
            _ip(*step)
    except (OSError, subprocess.SubprocessError) as exc:
        why = getattr(exc, "stderr", None) or exc
        print(f"netns: cannot create a network namespace ({str(why).strip()}); the load generator runs in"
              " the center's namespace over loopback instead", file=sys.stderr, flush=True)
        netns_down(ns)
        return None
    return ns


def netns_down(ns: Netns) -> None:
    for step in (("netns", "del", ns.name), ("link", "del", ns.host_if)):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            _ip(*step)


def enter_netns(name: str) -> None:
    """Move the calling (single-threaded, freshly forked) process into the namespace."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


def rss_mib(pids: list[int]) -> list[float]:
    """Resident set size of each process (MiB), from /proc/PID/status."""
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(round(int(line.split()[1]) / 1024, 1))
    return out


class RoundTrips:
    """strace on the center processes: their round trips to PostgreSQL.

    A round trip is a send on a database socket followed by a ``poll`` for input only on it: psycopg
    (libpq) polls so when it has sent what it had and needs the server's answer to go on (while it
    still has queries to send it polls for output too, which returns at once); polls before the next
    send are the same round trip.  Also counted, as ``bursts``: runs of sends on one connection ended
    by a receive that returned data (more: psycopg reads answers already there between two sends of
    a pipeline).  What is counted is the traffic seen at the system calls, not a model of the code.
    """

    def __init__(self, pids: list[int], pg_port: int, out: Path) -> None:
        self.pg_port, self.out = pg_port, out
        out.mkdir(parents=True, exist_ok=True)
        for f in out.glob("tr.*"):
            f.unlink()
        args = ["strace", "-ff", "-ttt", "-yy", "-qq", "-s", "400", "-e",
                "trace=sendto,recvfrom,sendmsg,recvmsg,poll,ppoll",
                "-o", str(out / "tr")]
        for pid in pids:
            args += ["-p", str(pid)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # every thread attached before the first transaction

    def stop(self) -> tuple[int, int]:
        """Detach; (round trips, send bursts) seen."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        conn = r"(\d+<TCP:\[[^\]]*->127\.0\.0\.1:" + str(self.pg_port) + r"\]>)"
        io = re.compile(r"^(\d+\.\d+) (send|recv)\w*\(" + conn + r".*= (-?\d+)")
        # The poll that ends a wait: for input only, returned ready.
        wait = re.compile(r"^(\d+\.\d+) p?poll\(\[\{fd=" + conn + r", events=POLLIN(\|POLLERR)?\}\].* = 1 ")
        events = []
        for f in self.out.glob("tr.*"):
            for line in f.read_text(errors="replace").splitlines():
                if m := wait.match(line):
                    events.append((float(m.group(1)), m.group(2), "wait"))
                elif (m := io.match(line)) and int(m.group(4)) > 0:
                    events.append((float(m.group(1)), m.group(3), m.group(2)))
        events.sort()
        last: dict[str, str] = {}
        sent: set[str] = set()
        trips = bursts = 0
        for _, sock, kind in events:
            if kind == "send":
                bursts += last.get(sock) != "send"
                sent.add(sock)
            elif kind == "wait" and sock in sent:
                # A wait after something was sent: one round trip.  Further polls before the next
                # send (an answer arriving in several segments) belong to the same round trip.
                trips += 1
                sent.discard(sock)
            if kind != "wait":
                last[sock] = kind
        return trips, bursts


class Profile:
    """py-spy sampling of the center processes for the measured window (collapsed stacks)."""

    def __init__(self, pids: list[int], duration: float, out: Path) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        out.parent.mkdir(parents=True, exist_ok=True)
        self.files = [out.with_name(f"{out.name}-{pid}.txt") for pid in pids]
        self.procs = [
            subprocess.Popen([exe, "record", "--format", "raw", "--rate", "200", "--gil", "-d",
                              str(max(1, int(duration))), "-p", str(pid), "-o", str(f)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid, f in zip(pids, self.files, strict=True)
        ]

    def stop(self, top: int = 25) -> dict[str, Any]:
        """The samples, and the top frames by own time and by time including callees (% of samples)."""
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGINT)
                p.wait(10)
        own: Counter[str] = Counter()
        incl: Counter[str] = Counter()
        total = 0
        for f in self.files:
            if not f.exists():
                continue
            for line in f.read_text(errors="replace").splitlines():
                stack, _, n = line.rpartition(" ")
                if not n.isdigit():
                    continue
                frames = [_short(fr) for fr in stack.split(";")[1:]]  # [0] is the thread
                total += int(n)
                if frames:
                    own[frames[-1]] += int(n)
                for fr in set(frames):
                    incl[fr] += int(n)

        def pct(c: Counter[str]) -> list[tuple[str, float]]:
            return [(k, round(100 * v / max(1, total), 1)) for k, v in c.most_common(top)]

        return {"samples": total, "self": pct(own), "inclusive": pct(incl)}


def _short(frame: str) -> str:
    """``func (path/to/mod.py:12)`` → ``func (mod.py)``: one entry per function."""
    m = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not m:
        return frame
    path = m.group(2)
    parts = path.split("/")
    mod = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{m.group(1)} ({mod})"
