"""Soak: complete transactions from many kiosks against several center processes, with faults (issue 12).

    python bench/soak.py --transactions N --kiosks K --processes P --db sqlite|postgres [--faults]
    python bench/soak.py --smoke          # a few seconds, faults on, self-checking (make test runs it)

Each simulated kiosk has its own client certificate and card and runs whole transactions (challenge,
card signature, response, order, issue, complete) over the real TLS API.  With ``--faults`` it also, at
random: is killed mid-transaction (before or after the issue answer; on restart it recovers from its
journal the way the kiosk does: re-sends the issue with the same Idempotency-Key, then reports the
print failed, so the documents are voided and the fee refunded), loses its connection mid-request,
abandons an order, sends a duplicate issue; meanwhile a center process is restarted now and then and a
flood of slow connections without certificates runs in the background.

At the end it checks, from the answers and the database: every document names only its own session's
resident; every issued order was completed exactly once (failed ones voided and refunded); the audit
chain verifies; the centers' memory is back within bounds.  It prints one JSON line
``{"transactions", "crossed", "unsettled", "errors_by_code", "tx_per_s", "p99_ms", "rss_mb", ...}`` and
exits non-zero on any crossing, unsettled order, double completion, broken chain or memory over bound.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import random
import socket
import ssl
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from sqlalchemy import func, select  # noqa: E402

from card.profile import CardProfile  # noqa: E402
from server_stub import audit  # noqa: E402
from server_stub.client import ApiResponse, CenterClient, Kiosk, SpawnedCenter, client_ssl_context  # noqa: E402
from server_stub.client import kiosks as kiosks_of  # noqa: E402
from server_stub.initdata import load_config  # noqa: E402
from server_stub.seal import read_seal  # noqa: E402
from server_stub.store import audit_log, documents, make_engine, orders, sessions  # noqa: E402

NOW = "2026-11-25T10:00:00+09:00"
TRANSPORT = (OSError, http.client.HTTPException, ssl.SSLError)
BAD_TAGS = {"revoked", "expired", "moved-out", "support-measure", "deceased"}


class Centers:
    """The running center processes; a restart replaces one (new port) while kiosks fail over."""

    def __init__(self, data: Path, n: int, db: str | None) -> None:
        self.data, self.db = data, db
        self.lock = threading.Lock()
        self.procs = [self._spawn() for _ in range(n)]
        self.restarts = 0

    def _spawn(self) -> SpawnedCenter:
        return SpawnedCenter(
            self.data, "--kiosk-rate", "50", "--kiosk-burst", "100", db=self.db, now=NOW, quiet=True
        )

    def port(self, i: int) -> int:
        with self.lock:
            return self.procs[i % len(self.procs)].port

    def ports(self) -> list[int]:
        with self.lock:
            return [p.port for p in self.procs]

    def restart_one(self, rng: random.Random) -> None:
        with self.lock:
            i = rng.randrange(len(self.procs))
            old = self.procs[i]
        old.stop()
        new = self._spawn()
        with self.lock:
            self.procs[i] = new
            self.restarts += 1

    def rss_mb(self) -> float:
        worst = 0.0
        for p in self.procs:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    worst = max(worst, int(line.split()[1]) / 1024)
        return round(worst, 1)

    def stop(self) -> None:
        for p in self.procs:
            p.stop()


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.errors: collections.Counter[str] = collections.Counter()
        self.latencies: list[float] = []
        self.done = 0
        self.crossed: list[str] = []
        self.faults: collections.Counter[str] = collections.Counter()

    def error(self, code: str) -> None:
        with self.lock:
            self.errors[code] += 1


class SoakKiosk:
    """One kiosk: its certificate, its card, a journal of the order in flight (as the kiosk keeps)."""

    def __init__(self, idx: int, kiosk: Kiosk, card: tuple[dict[str, Any], CardProfile], ctx: Any) -> None:
        self.idx, self.kiosk, (self.entry, self.profile) = idx, kiosk, card
        self.centers: Centers = ctx["centers"]
        self.stats: Stats = ctx["stats"]
        self.rng = random.Random(idx)
        self.faults: bool = ctx["faults"]
        self.tls = client_ssl_context(ctx["data"] / "tls" / "ca.pem", kiosk.cert, kiosk.key)
        self.client: CenterClient | None = None
        self.journal: dict[str, Any] | None = None
        self.hop = idx

    def _client(self) -> CenterClient:
        if self.client is None:
            self.client = CenterClient("127.0.0.1", self.centers.port(self.hop), self.tls, timeout=20)
        return self.client

    def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client, self.hop = None, self.hop + 1  # fail over to the next process

    def call(self, fn: Any, tries: int = 30) -> ApiResponse:
        """One API call with the kiosk's retry rules: transport errors and 429/503 are retried."""
        for _ in range(tries):
            try:
                r: ApiResponse = fn(self._client())
            except TRANSPORT:
                self.stats.error("transport")
                self._drop()
                time.sleep(0.2)
                continue
            if r.status == 429:
                self.stats.error("rate_limited")
                time.sleep(min(2.0, float(r.body.get("retry_after", 1))))
                continue
            if r.status >= 500:
                self.stats.error(r.error or str(r.status))
                time.sleep(0.3)
                continue
            return r
        raise RuntimeError("no answer after retries")

    def _cut(self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        """Send a request and drop the connection before its answer (a cut cable, a killed kiosk)."""
        try:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.centers.port(self.hop), context=self.tls, timeout=5
            )
            conn.request(method, path, body=json.dumps(body).encode(), headers=headers)
            conn.sock.close() if conn.sock else None  # type: ignore[func-returns-value]
            conn.close()
        except TRANSPORT:
            pass
        self._drop()

    def session(self) -> dict[str, Any] | None:
        for _ in range(10):
            ch = self.call(lambda c: c.challenge())
            if ch.status != 201:
                self.stats.error(ch.error or str(ch.status))
                continue
            from server_stub.client import sign_challenge

            body = sign_challenge(self.profile, ch.body, self.kiosk.kiosk_id)
            r = self.call(lambda c, b=body: c.call("POST", "/v1/auth/response", b))
            if r.status == 201:
                return r.body
            self.stats.error(r.error or str(r.status))  # e.g. challenge_used after a cut: start again
        return None

    def _check(self, docs: list[dict[str, Any]]) -> None:
        for d in docs:
            claims = read_seal(d["seal"])
            persons = d["content"].get("body", {}).get("persons", [])
            names = {p.get("name") for p in persons}
            if claims.holder != self.entry["resident_id"] or (persons and names != {self.entry["name"]}):
                with self.stats.lock:
                    self.stats.crossed.append(f"{self.kiosk.kiosk_id}:{claims.seal_id}")

    def recover(self) -> None:
        """After a restart: finish the journal's order (re-issue with its key, then report failed)."""
        j = self.journal
        if j is None:
            return
        if j["issued"] is None:
            r = self.call(lambda c: c.issue(j["order_id"], j["key"], j["fee"]))
            if r.status != 200:
                self.stats.error(r.error or str(r.status))
        r = self.call(lambda c: c.complete(j["order_id"], "failed", 0))
        if r.status != 200 or r.body.get("refund") != j["fee"]:
            self.stats.error("refund_wrong" if r.status == 200 else (r.error or str(r.status)))
        else:
            self.journal = None

    def transaction(self) -> bool:
        t0 = time.perf_counter()
        fault = (
            self.rng.choice(
                ["", "", "", "", "", "", "abandon", "kill_mid_issue", "kill_after_issue", "cut", "duplicate"]
            )
            if self.faults
            else ""
        )
        s = self.session()
        if s is None:
            return False
        code = self.entry["municipality"]
        o = self.call(lambda c: c.order(s["session_id"], code, "juminhyo"))
        if o.status != 201:
            self.stats.error(o.error or str(o.status))
            return False
        oid, fee, key = o.body["order_id"], o.body["fee_total"], uuid.uuid4().hex
        if fault:
            self.stats.faults[fault] += 1
        if fault == "abandon":
            return False  # walked away before paying: the purge forgets it
        self.journal = {"order_id": oid, "key": key, "fee": fee, "issued": None}
        if fault == "kill_mid_issue":
            self._cut(
                "POST",
                f"/v1/orders/{oid}/issue",
                {"payment": {"method": "cash", "amount": fee}},
                {"idempotency-key": key, "content-type": "application/json"},
            )
            self.recover()
            return False
        i = self.call(lambda c: c.issue(oid, key, fee))
        if i.status != 200:
            self.stats.error(i.error or str(i.status))
            self.recover()
            return False
        self.journal["issued"] = True
        self._check(i.body["documents"])
        if fault == "duplicate":
            again = self.call(lambda c: c.issue(oid, key, fee))
            if again.body.get("documents") != i.body["documents"]:
                self.stats.error("duplicate_differs")
        if fault == "kill_after_issue":
            self._drop()
            self.recover()
            return False
        if fault == "cut":
            self._cut(
                "POST",
                f"/v1/orders/{oid}/complete",
                {"result": "printed", "pages_printed": 1},
                {"content-type": "application/json"},
            )
        r = self.call(lambda c: c.complete(oid, "printed", 1))
        if r.status != 200:
            self.stats.error(r.error or str(r.status))
            self.recover()
            return False
        self.journal = None
        with self.stats.lock:
            self.stats.latencies.append(time.perf_counter() - t0)
            self.stats.done += 1
        return True


def _flood(ports: Any, stop: threading.Event, per_port: int) -> None:
    """Slow connections without certificates from 127.0.0.2: they open and never speak."""
    socks: list[socket.socket] = []
    while not stop.is_set():
        socks = [s for s in socks if s.fileno() != -1]
        for port in ports():
            while len(socks) < per_port * len(ports()):
                try:
                    socks.append(
                        socket.create_connection(
                            ("127.0.0.1", port), timeout=1, source_address=("127.0.0.2", 0)
                        )
                    )
                except OSError:
                    break
        stop.wait(1.0)
        for s in socks[: len(socks) // 4]:  # churn: some go, new ones come
            s.close()
        socks = socks[len(socks) // 4 :]
    for s in socks:
        s.close()


def _db_checks(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        unsettled = conn.execute(
            select(func.count()).select_from(orders).where(orders.c.state == "issued")
        ).scalar_one()
        crossed_db = conn.execute(
            select(func.count())
            .select_from(
                documents.join(orders, orders.c.order_id == documents.c.order_id).join(
                    sessions, sessions.c.session_id == orders.c.session_id
                )
            )
            .where(
                (documents.c.resident_id != orders.c.resident_id)
                | (orders.c.resident_id != sessions.c.resident_id)
            )
        ).scalar_one()
        unvoided = conn.execute(
            select(func.count())
            .select_from(documents.join(orders, orders.c.order_id == documents.c.order_id))
            .where(orders.c.state == "failed", documents.c.status != "voided")
        ).scalar_one()
        completions: collections.Counter[str] = collections.Counter()
        for row in conn.execute(select(audit_log.c.detail).where(audit_log.c.event.like("completed_%"))):
            completions[json.loads(row.detail)["order_id"]] += 1
        chain = audit.verify_chain(conn)
    engine.dispose()
    return {
        "unsettled": int(unsettled),
        "crossed_db": int(crossed_db),
        "unvoided": int(unvoided),
        "completed_twice": sum(1 for n in completions.values() if n > 1),
        "chain_broken_at": chain,
    }


def _prepare(data: Path, kiosks: int, db: str) -> tuple[Path, str | None, Any]:
    from fixtures.center import run_cli

    if not (data / "kiosks" / "crl.pem").exists() or len(kiosks_of(data)) < kiosks:
        r = run_cli(
            "init",
            "--data",
            str(data),
            "--residents",
            str(max(20, 2 * kiosks)),
            "--seed",
            "soak",
            "--kiosks",
            str(kiosks),
            "--now",
            NOW,
        )
        if r.returncode:
            raise SystemExit(r.stderr)
    if db != "postgres":
        # A fresh copy of the database per run: the checks look at this run's orders only.
        import shutil

        run = data.parent / f"{data.name}-run"
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(data, run)
        return run, None, None
    from fixtures.postgres import fresh_database, start_cluster

    cluster = start_cluster()
    url = fresh_database(cluster, "soak")
    r = run_cli("migrate", "--data", str(data), "--db", url)
    if r.returncode:
        raise SystemExit(r.stderr)
    return data, url, cluster


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transactions", type=int, default=200)
    ap.add_argument("--kiosks", type=int, default=8)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="seconds: 30 transactions, 3 kiosks, faults, SQLite")
    ap.add_argument("--restart-every", type=float, default=20.0, help="seconds between center restarts")
    ap.add_argument("--flood", type=int, default=200, help="slow connections per center (with --faults)")
    ap.add_argument("--rss-bound-mb", type=float, default=400.0)
    ap.add_argument("--data", type=Path, default=REPO / "var" / "soak" / "data")
    a = ap.parse_args(argv)
    if a.smoke:
        a.transactions, a.kiosks, a.processes, a.db, a.faults = 30, 3, 2, "sqlite", True
        a.restart_every, a.flood = 0.5, 50
    a.data.parent.mkdir(parents=True, exist_ok=True)
    data, url, cluster = _prepare(a.data, a.kiosks, a.db)
    db_url = url or load_config(data)["db"]
    stats, stop = Stats(), threading.Event()
    centers = Centers(data, a.processes, url)
    index = [
        e for e in json.loads((data / "cards" / "index.json").read_text()) if not BAD_TAGS & set(e["tags"])
    ]
    ctx = {"centers": centers, "stats": stats, "faults": a.faults, "data": data}
    kiosks = [
        SoakKiosk(i, k, (index[i % len(index)], CardProfile.load(data / index[i % len(index)]["card"])), ctx)
        for i, k in enumerate(kiosks_of(data)[: a.kiosks])
    ]
    remaining = [a.transactions]
    rlock = threading.Lock()

    def run_kiosk(k: SoakKiosk) -> None:
        while True:
            with rlock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            try:
                k.transaction()
            except RuntimeError:
                stats.error("gave_up")
            k.recover()

    def restarter() -> None:
        rng = random.Random(7)
        while not stop.wait(a.restart_every):
            centers.restart_one(rng)

    helpers = []
    if a.faults:
        helpers = [
            threading.Thread(target=restarter, daemon=True),
            threading.Thread(target=_flood, args=(centers.ports, stop, a.flood), daemon=True),
        ]
    t0 = time.monotonic()
    try:
        for h in helpers:
            h.start()
        threads = [threading.Thread(target=run_kiosk, args=(k,)) for k in kiosks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        stop.set()
        for h in helpers:
            h.join(30)
        for k in kiosks:
            k.recover()
            k._drop()
        time.sleep(1.0)  # let the centers close the flood's connections
        rss = centers.rss_mb()
    finally:
        stop.set()
        centers.stop()
    checks = _db_checks(db_url)
    if cluster is not None:
        cluster.stop()
    lat = sorted(stats.latencies)
    p99 = round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 1) if lat else None
    crossed = len(stats.crossed) + checks["crossed_db"]
    out = {
        "transactions": stats.done,  # completed and printed; the faulted ones are counted in "faults"
        "attempted": a.transactions,
        "crossed": crossed,
        "unsettled": checks["unsettled"] + sum(1 for k in kiosks if k.journal is not None),
        "errors_by_code": dict(stats.errors),
        "tx_per_s": round(stats.done / elapsed, 1) if elapsed else None,
        "p99_ms": p99,
        "rss_mb": rss,
        "completed_twice": checks["completed_twice"],
        "unvoided": checks["unvoided"],
        "chain_ok": checks["chain_broken_at"] is None,
        "faults": dict(stats.faults),
        "center_restarts": centers.restarts,
        "kiosks": a.kiosks,
        "processes": a.processes,
        "db": a.db,
    }
    print(json.dumps(out), flush=True)
    bad = (
        out["crossed"]
        or out["unsettled"]
        or out["completed_twice"]
        or out["unvoided"]
        or not out["chain_ok"]
        or rss > a.rss_bound_mb
        or stats.done == 0
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
