"""Benchmark of the center stub: complete transactions per second and latency.

One transaction = challenge → card signature (software, the profile's key) → response → order (住民票)
→ issue → complete(printed), over mutual TLS with keep-alive, one connection per simulated kiosk.
Cells: 1, 10, 100 concurrent kiosks × one or two center processes × SQLite or PostgreSQL.
Load comes from separate client processes (asyncio), so the center is measured, not the GIL of the
load generator.  Prints a table and writes JSON to var/bench/center.json.

Two kinds of load: ``saturated`` (closed loop, every kiosk starts its next transaction the moment the
last one ends: the throughput ceiling; with 100 kiosks the latency is mostly queueing) and, for 100
kiosks, ``offered N/s`` (open loop: customers walk up to each kiosk at random, a Poisson process of
N/kiosks per second; a kiosk serves one at a time, so it starts a transaction at the customer's arrival
or when its previous one ends: the latency a kiosk sees when the center is offered N tx/s).  Only
transactions that end before the deadline count.  On PostgreSQL the statements each transaction sends
(pg_stat_statements, BEGIN and COMMIT included: one round trip each) are reported as ``stmts/tx``.

With ``--tiers M…`` the same transactions also run through the center and M municipal issuance
server processes (docs/center.md "Tiers"): the rows say ``municipal M``,
and ``+mean ms`` is the cost the second hop adds per transaction against the one-tier row of the
same kiosks and load.

``--netns`` runs the load generator in its own network namespace joined by a veth pair (the center
listens on the host end), so every request crosses a real network path; without root it says so and
stays on loopback.  Each row also has the center processes' RSS, and on PostgreSQL a short extra row
under strace (``strace (count only)``) counts the round trips per transaction: the waits for
PostgreSQL's answer (bench/_probes.py).  ``--profile`` samples the centers with py-spy (GIL holder)
during every cell and prints the top frames.  ``--tiers M`` rows run on both databases and with one
or two centers.

    python bench/center.py [--duration 6] [--quick] [--no-postgres] [--offered 100 200] [--tiers 1 4]
                           [--netns] [--profile] [--no-roundtrips]
    python bench/center.py --verify-only [--smoke]

Verification cost per transaction (``verification_rows``, printed first): what the center spends on the
token's certificate (chain to its CA generation, key algorithm, policy, validity, CRL) and on the
signature over the auth message, in process, for an RSA-2048/SHA-256 card and an ECDSA P-384/SHA-384
next-generation token.  ``--verify-only`` prints just those rows; ``--smoke`` runs few rounds and checks
that a signature over another message is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing as mp
import os
import random
import ssl
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from card.profile import CardProfile  # noqa: E402
from server_stub.client import SpawnedCenter  # noqa: E402
from server_stub.municipal.setup import directory_template  # noqa: E402
from server_stub.municipal.spawn import SpawnedTiers  # noqa: E402
from server_stub.pki import auth_message  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
import _probes  # noqa: E402

NOW = "2026-11-25T10:00:00+09:00"
THREADS: int | None = None  # --threads: the centers' handler threads (None: serve's default)
NETNS: _probes.Netns | None = None  # --netns: the load generator's namespace (the center listens on host_ip)
PROFILE_DIR: Path | None = None  # --profile: py-spy the centers during each cell, summaries here


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


def _cli(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "server_stub", *args],
        cwd=REPO,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=900,
    )


class Conn:
    """A minimal HTTP/1.1 keep-alive client over asyncio TLS (the server always sends Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None, extra: str = ""
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n{extra}\r\n"
        )
        self.writer.write(head.encode() + data)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), json.loads(payload)


async def _kiosk(  # noqa: PLR0917
    addr: tuple[str, int],
    data: Path,
    kiosk: dict[str, str],
    cards: list[tuple[str, Any, bytes]],
    window: tuple[float, float],
    interval: float,
    lat: list[float],
    errors: list[str],
    started: list[int],
) -> None:
    ctx = ssl.create_default_context(cafile=str(data / "tls" / "ca.pem"))
    ctx.load_cert_chain(str(data / kiosk["cert"]), str(data / kiosk["key"]))
    reader, writer = await asyncio.open_connection(*addr, ssl=ctx, server_hostname="localhost")
    c = Conn(reader, writer)
    # The TLS handshakes happen before the measured window (start_at, start_at + duration).
    start_at, duration = window
    await asyncio.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + max(0.0, start_at + duration - time.time())
    rng = random.Random(kiosk["kiosk_id"])
    i = 0
    arrival = time.perf_counter()
    while time.perf_counter() < deadline:
        if interval:
            arrival += rng.expovariate(1 / interval)  # the next customer walks up
            await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
            if time.perf_counter() >= deadline:
                break
        municipality, key, der = cards[i % len(cards)]
        i += 1
        started.append(1)
        t0 = time.perf_counter()
        st, ch = await c.call("POST", "/v1/auth/challenge", {})
        msg = auth_message(ch["challenge_id"], kiosk["kiosk_id"], base64.b64decode(ch["nonce"]))
        sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
        st, s = await c.call(
            "POST",
            "/v1/auth/response",
            {
                "challenge_id": ch["challenge_id"],
                "certificate": base64.b64encode(der).decode(),
                "signature": base64.b64encode(sig).decode(),
            },
        )
        if st != 201:
            errors.append(str(s.get("error")))
            continue
        st, o = await c.call(
            "POST",
            "/v1/orders",
            {
                "session_id": s["session_id"],
                "municipality": municipality,
                "certificate": "juminhyo",
                "options": {},
                "copies": 1,
            },
        )
        st, d = await c.call(
            "POST",
            f"/v1/orders/{o['order_id']}/issue",
            {"payment": {"method": "cash", "amount": o["fee_total"]}},
            f"Idempotency-Key: {uuid.uuid4().hex}\r\n",
        )
        st2, _ = await c.call(
            "POST", f"/v1/orders/{o['order_id']}/complete", {"result": "printed", "pages_printed": 1}
        )
        if st != 200 or st2 != 200:
            errors.append(str(d.get("error")))
            continue
        t1 = time.perf_counter()
        if t1 <= deadline:  # a transaction still running at the deadline is not counted
            lat.append(t1 - t0)
    writer.close()


def _client_proc(  # noqa: PLR0917
    addrs: list[tuple[str, int]],
    data: str,
    kiosks: list[dict[str, str]],
    duration: float,
    interval: float,
    start: Any,
    out: Any,
    netns: str | None = None,
) -> None:
    if netns is not None:
        _probes.enter_netns(netns)  # before any socket: every connection crosses the veth pair
    d = Path(data)
    index = json.loads((d / "cards" / "index.json").read_text())
    # The load signs with RSA (PKCS#1 v1.5); the other token kinds are measured by verification_rows.
    bad = {"revoked", "expired", "moved-out", "support-measure", "deceased",
           "smartphone", "nextgen", "old-ca", "expired-ca"}
    cards = []
    for e in index:
        if bad & set(e["tags"]):
            continue
        p = CardProfile.load(d / e["card"])
        cards.append(
            (e["municipality"], p.auth.private_key(), p.auth.cert().public_bytes(serialization.Encoding.DER))
        )
    lat: list[float] = []
    errors: list[str] = []
    started: list[int] = []
    # Loading the cards takes seconds on a busy machine: the window opens only when every load
    # generator is ready (the parent sets ``start`` then).
    out.put(("ready",))
    while not start.value:
        time.sleep(0.01)
    start_at = float(start.value)

    async def main() -> None:
        await asyncio.gather(
            *(
                _kiosk(
                    addrs[i % len(addrs)],
                    d,
                    k,
                    cards[i % len(cards) :] + cards[: i % len(cards)],
                    (start_at, duration),
                    interval,
                    lat,
                    errors,
                    started,
                )
                for i, k in enumerate(kiosks)
            )
        )

    asyncio.run(main())
    out.put((lat, errors, len(started)))


def _start_centers(data: Path, n: int, db: str | None) -> list[SpawnedCenter]:
    # The benchmark measures throughput, not the per-kiosk rate limit: a saturated kiosk would hit it.
    # The bench measures throughput: every load-generator kiosk connects from 127.0.0.1, so the caps that
    # defend the center against one hostile address (docs/center.md "Hostile load") are lifted here.
    return [SpawnedCenter(data, *_center_options(), db=db, now=NOW, quiet=True) for _ in range(n)]


def _center_options() -> list[str]:
    extra = ["--kiosk-rate", "0", "--max-per-peer", "1024", "--max-handshaking-per-peer", "256"]
    extra += ["--threads", str(THREADS)] if THREADS is not None else []
    return extra + (["--host", NETNS.host_ip] if NETNS is not None else [])


def _start_tiers(
    data: Path, municipal: int, db: str | None, processes: int
) -> tuple[SpawnedTiers, list[Any]]:
    """``processes`` centers and ``municipal`` municipal processes sharing the municipality codes."""
    mdir = data / "municipal"
    if not (mdir / "municipal.json").exists():
        _cli("municipal", "init", "--data", str(data))
    codes = [
        c for s in json.loads((mdir / "directory.json").read_text())["servers"] for c in s["municipalities"]
    ]
    layout = directory_template(codes, municipal)["servers"]
    if municipal > len(codes):  # more processes than codes: the extra ones twin the first codes
        layout += [
            {"name": f"m{i + 1}", "municipalities": [codes[i % len(codes)]]}
            for i in range(len(codes), municipal)
        ]
    tiers = SpawnedTiers(data, *_center_options(), layout=layout, db=db, now=NOW, quiet=True)
    more: list[Any] = []
    try:
        for _ in range(processes - 1):  # further centers on the same directory and database
            more.append(SpawnedCenter(data, "--directory", str(tiers.directory), *_center_options(),
                                      db=db, now=NOW, quiet=True))
    except BaseException:
        for c in more:
            c.stop()
        tiers.stop()
        raise
    return tiers, [tiers.center, *more]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes (Linux /proc), 0 for those gone."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(ppid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


PG_POSTMASTER: int | None = None  # pid of the bench's own PostgreSQL server, for its CPU time


def _pg_statements(url: str, reset: bool) -> int | None:
    """Statements run in the bench database (None: pg_stat_statements not loaded, e.g. KONBINI_PG_DSN)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            if reset:
                conn.execute("SELECT pg_stat_statements_reset()")
                return 0
            rows = conn.execute(
                "SELECT calls, query FROM pg_stat_statements"
                " WHERE query NOT LIKE '%pg_stat_statements%'"
                " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " ORDER BY calls DESC"
            ).fetchall()
            if os.environ.get("KONBINI_BENCH_STATEMENTS"):  # which statements, for docs/benchmarks.md
                for calls, query in rows:
                    print(f"  {calls:6d}  {' '.join(query.split())[:150]}", file=sys.stderr)
            return sum(int(r[0]) for r in rows)
    except psycopg.Error:
        return None


def run_cell(  # noqa: PLR0917
    data: Path,
    db: str | None,
    processes: int,
    kiosks: int,
    duration: float,
    clients: int,
    interval: float = 0.0,
    tiers: int = 0,
    trace: bool = False,
    label: str = "",
) -> dict[str, Any]:
    spawned, centers = _start_tiers(data, tiers, db, processes) if tiers else (None, [])
    centers = centers or _start_centers(data, processes, db)
    tracer: _probes.RoundTrips | None = None
    profile: _probes.Profile | None = None
    rss: list[float] = []
    try:
        if db:
            _pg_statements(db, reset=True)
        host = NETNS.host_ip if NETNS is not None else "127.0.0.1"
        addrs = [(host, c.port) for c in centers]
        index = json.loads((data / "kiosks" / "index.json").read_text())[:kiosks]
        q: Any = mp.Queue()
        start: Any = mp.Value("d", 0.0)
        n_clients = min(clients, kiosks)
        workers = [
            mp.Process(
                target=_client_proc,
                args=(addrs, str(data), index[i::n_clients], duration, interval, start, q,
                      NETNS.name if NETNS is not None else None),
            )
            for i in range(n_clients)
        ]
        for w in workers:
            w.start()
        for _ in workers:
            q.get(timeout=300)  # ("ready",)
        center_pids = [p.pid for p in centers] + ([m.pid for m in spawned.municipal] if spawned else [])
        if trace and db:
            port = int(db.rsplit(":", 1)[1].split("/", 1)[0])
            tracer = _probes.RoundTrips([c.pid for c in centers], port, REPO / "var" / "bench" / "strace")
        start_at = time.time() + 0.5 + kiosks * 0.02  # time for the handshakes
        start.value = start_at
        while time.time() < start_at:
            time.sleep(0.005)
        if PROFILE_DIR is not None and not trace:
            profile = _probes.Profile(center_pids, duration, PROFILE_DIR / label)
        pg_pids = _children(PG_POSTMASTER) if db and PG_POSTMASTER else []
        cpu0 = (_cpu_seconds(center_pids), _cpu_seconds(pg_pids))
        lat: list[float] = []
        errors: list[str] = []
        started = 0
        for _ in workers:
            part_lat, part_err, part_started = q.get(timeout=duration + 120)
            lat += part_lat
            errors += part_err
            started += part_started
        cpu1 = (_cpu_seconds(center_pids), _cpu_seconds(pg_pids))
        rss = _probes.rss_mib(center_pids)
        for w in workers:
            w.join(30)
        # Every transaction started has finished (the kiosks end the one in flight), counted or not.
        stmts = _pg_statements(db, reset=False) if db else None
        turns = tracer.stop() if tracer is not None else None
        tracer = None
        prof = profile.stop() if profile is not None else None
    finally:
        if tracer is not None:
            tracer.stop()
        if spawned is not None:
            spawned.stop()
        else:
            for p in centers:
                p.stop()
    lat.sort()
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    return {
        "tps": round(len(lat) / duration, 1),
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "transactions": len(lat),
        "errors": len(errors),
        # CPU per transaction: robust to other load on the box, unlike tx/s.
        "center_cpu_ms_per_tx": round((cpu1[0] - cpu0[0]) * 1000 / max(1, started), 2),
        "pg_cpu_ms_per_tx": round((cpu1[1] - cpu0[1]) * 1000 / max(1, started), 2) if db else None,
        "stmts_per_tx": round(stmts / max(1, started), 1) if stmts is not None else None,
        # Under strace (slowed down, so only counted, never timed): turns on the database sockets.
        "roundtrips_per_tx": round(turns[0] / max(1, started), 1) if turns is not None else None,
        "send_bursts_per_tx": round(turns[1] / max(1, started), 1) if turns is not None else None,
        "center_rss_mib": rss,
        "profile": prof,
        "error_codes": sorted(set(errors))[:5],
    }


def _prepare(var: Path, residents: int) -> Path:
    data = var / f"data-r{residents}"
    if not (data / "kiosks" / "crl.pem").exists():  # absent: not made, or made before the kiosk CRL
        _cli(
            "init",
            "--data",
            str(data),
            "--residents",
            str(residents),
            "--seed",
            "bench",
            "--kiosks",
            "100",
            "--now",
            NOW,
        )
    return data


def _cells(a: argparse.Namespace) -> list[tuple[int, int, float | None]]:
    """(processes, kiosks, offered tx/s or None for saturated)."""
    if a.quick:
        return [(1, 10, None)]
    out: list[tuple[int, int, float | None]] = []
    for processes in a.processes:
        out += [(processes, k, None) for k in a.kiosks]
        out += [(processes, 100, rate) for rate in a.offered if 100 in a.kiosks]
    return out


def verification_rows(repeat: int, smoke: bool = False) -> list[dict[str, Any]]:
    """ms per transaction of the center's JPKI checks, for an RSA and an ECDSA token (in process)."""
    import datetime as dt
    import tempfile

    from card.virtual.__main__ import make_profile
    from server_stub.errors import AuthError
    from server_stub.pki import make_crl
    from server_stub.trust import TrustStore, verify_auth_signature

    rows = []
    now = dt.datetime.now(dt.UTC)
    for kind in ("card", "nextgen"):
        prof = make_profile("1234", "ABC123", f"bench-verify-{kind}", kind)
        der = prof.auth.cert().public_bytes(serialization.Encoding.DER)
        with tempfile.TemporaryDirectory() as tmp:
            pki_dir = Path(tmp)
            ca = prof.auth.ca_cert()
            (pki_dir / "auth-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
            # The CA key is not in the profile; an empty CRL signed by a stand-in would not verify, so
            # the bench CA is rebuilt from the same seed by card.virtual (same key, same certificate).
            from card.profile import JpkiCA, SeededRandom, make_jpki_ca

            rng = SeededRandom(f"bench-verify-{kind}")
            auth_ca: JpkiCA = make_jpki_ca("auth", rng=rng.child("auth-ca"),
                                           algorithm="ec" if kind == "nextgen" else "rsa")
            assert auth_ca.key.public_key().public_numbers() == ca.public_key().public_numbers()
            crl = make_crl(auth_ca, [], now).public_bytes(serialization.Encoding.PEM)
            (pki_dir / "auth-crl.pem").write_bytes(crl)
            store = TrustStore.load(pki_dir)
            from card.contract import rules_for
            from card.jpki import JpkiClient
            from card.virtual.model import VirtualJpkiCard

            client = JpkiClient(VirtualJpkiCard(prof).execute)
            client.select_ap()
            client.verify_pin("1234")
            msg = auth_message("C-bench", "K0001", bytes(32))
            sig = client.sign_auth_message(msg, rules_for(kind))
            cert_ms, sig_ms = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                cert = store.verify(der, now)
                t1 = time.perf_counter()
                verify_auth_signature(cert, sig, msg)
                t2 = time.perf_counter()
                cert_ms.append((t1 - t0) * 1000)
                sig_ms.append((t2 - t1) * 1000)
            if smoke:
                try:
                    verify_auth_signature(cert, sig, msg + b"x")
                except AuthError:
                    pass
                else:
                    raise SystemExit(f"smoke: a {kind} signature over another message was accepted")
        c50, s50 = statistics.median(cert_ms), statistics.median(sig_ms)
        rows.append({"token": kind, "algorithm": rules_for(kind).key_algorithm.value,
                     "certificate_ms": round(c50, 3), "signature_ms": round(s50, 3),
                     "per_tx_ms": round(c50 + s50, 3), "signature_bytes": len(sig)})
    print("\n| token | algorithm | certificate checks ms | signature ms | verification ms/tx | sig bytes |"
          "\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['token']} | {r['algorithm']} | {r['certificate_ms']} | {r['signature_ms']} | "
              f"{r['per_tx_ms']} | {r['signature_bytes']} |")
    return rows


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(
        "\n| db | center processes | municipal | kiosks | load | tx/s | p50 ms | p99 ms | +mean ms | errors |"
        " stmts/tx | round trips/tx | CPU ms/tx | RSS MiB |\n" + "|---" * 14 + "|"
    )
    dash = lambda v: "—" if v is None else v  # noqa: E731
    for r in rows:
        print(
            f"| {r['db']} | {r['processes']} | {r.get('municipal') or '—'} | {r['kiosks']} | {r['load']} | "
            f"{r['tps']} | {r['p50_ms']} | {r['p99_ms']} | {dash(r.get('added_mean_ms'))} | {r['errors']} | "
            f"{dash(r['stmts_per_tx'])} | {dash(r.get('roundtrips_per_tx'))} | {r['center_cpu_ms_per_tx']} | "
            f"{'+'.join(str(x) for x in r.get('center_rss_mib') or []) or '—'} |"
        )
    for r in rows:
        prof = r.get("profile")
        if prof:
            print(f"\nprofile {r['db']} procs={r['processes']} municipal={r.get('municipal') or 0} "
                  f"kiosks={r['kiosks']} {r['load']}: {prof['samples']} samples")
            print("  own time:  " + "; ".join(f"{k} {v}%" for k, v in prof["self"][:12]))
            print("  inclusive: " + "; ".join(f"{k} {v}%" for k, v in prof["inclusive"][:16]))


def _added_cost(rows: list[dict[str, Any]]) -> None:
    """``added_mean_ms``: a tiers row's mean latency minus the one-tier row of the same cell."""
    base = {(r["db"], r["processes"], r["kiosks"], r["load"]): r for r in rows if not r.get("municipal")}
    for r in rows:
        b = base.get((r["db"], r["processes"], r["kiosks"], r["load"]))
        if r.get("municipal") and b is not None and r["mean_ms"] is not None and b["mean_ms"] is not None:
            r["added_mean_ms"] = round(r["mean_ms"] - b["mean_ms"], 1)
            r["added_cpu_ms_per_tx"] = round(r["center_cpu_ms_per_tx"] - b["center_cpu_ms_per_tx"], 2)


def _report(name: str, processes: int, kiosks: int, load: str, r: dict[str, Any]) -> None:
    print(
        f"{name:9} procs={processes} kiosks={kiosks:3} {load:17} {r['tps']:7.1f} tx/s  "
        f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  "
        f"stmts/tx {r['stmts_per_tx']}  round trips/tx {r['roundtrips_per_tx']}  "
        f"cpu ms/tx center {r['center_cpu_ms_per_tx']} pg {r['pg_cpu_ms_per_tx']}  rss {r['center_rss_mib']}",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=6.0)
    ap.add_argument("--residents", type=int, default=30)
    ap.add_argument("--clients", type=int, default=2, help="load-generator processes")
    ap.add_argument("--quick", action="store_true", help="only 10 kiosks, one process, SQLite")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument(
        "--offered", type=float, nargs="*", default=[100.0, 200.0], help="offered loads (tx/s) for 100 kiosks"
    )
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2], choices=[1, 2])
    ap.add_argument("--kiosks", type=int, nargs="+", default=[1, 10, 100], choices=[1, 10, 100])
    ap.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "center.json")
    ap.add_argument("--threads", type=int, default=None, help="center handler threads (serve --threads)")
    ap.add_argument(
        "--tiers", type=int, nargs="*", default=[], help="also run through the center + M municipal processes"
    )
    ap.add_argument("--netns", action="store_true",
                    help="the load generator in its own network namespace over a veth pair (root)")
    ap.add_argument("--profile", action="store_true",
                    help="py-spy the centers in every cell (var/bench/profile)")
    ap.add_argument("--no-roundtrips", action="store_true",
                    help="skip the strace cell that counts PostgreSQL round trips per transaction")
    ap.add_argument("--verify-only", action="store_true", help="only the verification cost rows")
    ap.add_argument("--smoke", action="store_true",
                    help="seconds, self-checking: the verification rows and one short SQLite cell")
    a = ap.parse_args()
    if a.smoke and not a.verify_only:
        a.quick, a.duration = True, 2.0
    a.verify_rows = verification_rows(5 if a.smoke else 200, smoke=a.smoke)
    if a.verify_only:
        print(json.dumps({"verification": a.verify_rows}))
        if a.smoke:
            print("smoke: ok (RSA and ECDSA verified, a wrong message refused)")
        return 0
    global THREADS, NETNS, PROFILE_DIR  # noqa: PLW0603 - read by _start_centers and run_cell
    THREADS = a.threads
    PROFILE_DIR = REPO / "var" / "bench" / "profile" if a.profile else None
    NETNS = _probes.netns_up() if a.netns else None
    if a.netns and NETNS is not None:
        print(f"netns: load generator in {NETNS.name} ({NETNS.ns_ip}), center on {NETNS.host_ip} (veth)",
              flush=True)
    try:
        return _run(a)
    finally:
        if NETNS is not None:
            _probes.netns_down(NETNS)


def _run(a: argparse.Namespace) -> int:
    verify_rows = a.verify_rows
    var = REPO / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    data = _prepare(var, a.residents)
    backends: list[tuple[str, str | None]] = [] if a.no_sqlite else [("sqlite", None)]
    cluster = None
    if not (a.quick or a.no_postgres):
        from fixtures.postgres import fresh_database, start_cluster

        cluster = start_cluster("-c shared_preload_libraries=pg_stat_statements")
        global PG_POSTMASTER  # noqa: PLW0603 - read by run_cell
        if cluster.owned_dir is not None:
            PG_POSTMASTER = int((cluster.owned_dir / "data" / "postmaster.pid").read_text().split()[0])
        url = fresh_database(cluster, "bench")
        _cli("migrate", "--data", str(data), "--db", url)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")  # stmts/tx only if it can
        backends.append(("postgres", url))
    rows = []
    try:
        for name, db in backends:
            for municipal in [0, *a.tiers]:
                for processes, kiosks, rate in _cells(a):
                    interval = kiosks / rate if rate else 0.0  # mean seconds between customers at a kiosk
                    load = f"offered {rate:g}/s" if rate else "saturated"
                    tag = load.replace(" ", "").replace("/", "")
                    label = f"{name}-p{processes}-m{municipal}-k{kiosks}-{tag}"
                    r = run_cell(data, db, processes, kiosks, a.duration, a.clients, interval,
                                 tiers=municipal, label=label)
                    rows.append({"db": name, "processes": processes, "municipal": municipal, "kiosks": kiosks,
                                 "load": load, **r})
                    _report(name, processes, kiosks, f"{load} +{municipal}m" if municipal else load, r)
                if db and not a.no_roundtrips:
                    # Counted under strace, one kiosk, a short run: the figure is a count, not a speed.
                    r = run_cell(data, db, 1, 1, 2.0, 1, 0.0, tiers=municipal, trace=True)
                    rows.append({"db": name, "processes": 1, "municipal": municipal, "kiosks": 1,
                                 "load": "strace (count only)", **r})
                    _report(name, 1, 1, "strace count", r)
    finally:
        if cluster is not None:
            cluster.stop()
    _added_cost(rows)
    _print_table(rows)
    if a.smoke:
        bad = [
            r for r in rows
            if not r["tps"] > 0 or r["errors"] or not r["center_cpu_ms_per_tx"] > 0
            or not r["center_rss_mib"] or not all(x > 0 for x in r["center_rss_mib"])
        ]
        if bad or not rows:
            print(f"smoke: FAILED {bad or 'no rows'}", file=sys.stderr)
            return 1
    result = {"cpus": os.cpu_count(), "duration_s": a.duration, "rows": rows, "verification": verify_rows,
              "smoke": a.smoke, "netns": NETNS.name if NETNS is not None else None}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
