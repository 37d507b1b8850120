"""Command line: ``init``, ``serve``, ``revoke``, ``verify`` (docs/architecture.md "Contracts")."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from server_stub.errors import CenterError, ConfigError

__all__ = ["main", "offset_clock"]

log = logging.getLogger("server_stub")
NOW_ENV = "KONBINI_CENTER_NOW"


def offset_clock(start: str | None) -> Any:
    """A clock that starts at ``start`` (ISO 8601, e.g. 2026-12-30T10:00+09:00) and then runs in real time.

    Used by tests and the ``outside-hours`` scenario; without ``start`` it is ``time.time``.
    :raises ConfigError: when ``start`` is not an ISO timestamp with a time zone.
    """
    if not start:
        return time.time
    try:
        t0 = dt.datetime.fromisoformat(start)
    except ValueError as exc:
        raise ConfigError(f"--now is not ISO 8601: {start!r}") from exc
    if t0.tzinfo is None:
        raise ConfigError("--now needs a time zone offset, e.g. +09:00")
    offset = t0.timestamp() - time.time()
    return lambda: time.time() + offset


def _cmd_init(a: argparse.Namespace) -> int:
    from server_stub.initdata import init_data_dir

    clock = offset_clock(a.now or os.environ.get(NOW_ENV))
    cfg = init_data_dir(
        Path(a.data),
        residents=a.residents,
        seed=a.seed,
        kiosks=a.kiosks,
        db_url=a.db,
        now=dt.datetime.fromtimestamp(clock(), dt.UTC),
        jobs=a.jobs,
        insecure_seed=a.insecure_seed,
        kiosk_cert_days=a.kiosk_cert_days,
        municipal_servers=a.municipal_servers,
        municipalities=a.municipalities,
    )
    print(json.dumps({"data": str(Path(a.data).resolve()), **{k: v for k, v in cfg.items() if k != "db"}}))
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    from server_stub.app import Api, is_public
    from server_stub.connlimits import shrink_tls_buffers, trim_memory
    from server_stub.httpserver import HttpServer, Limits, return_freed_memory, server_ssl_context
    from server_stub.initdata import load_config
    from server_stub.ratelimit import RateLimiter
    from server_stub.retention import Retention, purge
    from server_stub.service import Center, CenterConfig
    from server_stub.store import make_engine

    return_freed_memory()
    shrink_tls_buffers()
    d = Path(a.data).resolve()
    cfg = load_config(d)
    url = a.db or cfg["db"]
    # SQLite: handlers inline on the event loop (no GIL hand-offs; its one connection serializes them
    # anyway).  PostgreSQL: a small pool so that database round trips of different kiosks overlap.
    threads = a.threads if a.threads is not None else (0 if url.startswith("sqlite") else 4)
    if a.directory and a.threads is None:
        # Handlers wait for municipal servers: on the event loop, one slow municipality would stall all.
        threads = 8
    engine = make_engine(url, pool_size=max(1, threads))
    center = Center(
        CenterConfig(
            d,
            challenge_ttl=a.challenge_ttl,
            session_ttl=a.session_ttl,
            clock=offset_clock(a.now or os.environ.get(NOW_ENV)),
            directory=Path(a.directory) if a.directory else None,
            municipal_deadline=a.municipal_deadline,
        ),
        engine,
    )
    limits = Limits(
        max_connections=a.max_connections,
        max_per_peer=a.max_per_peer,
        max_handshaking=a.max_handshaking,
        max_handshaking_per_peer=a.max_handshaking_per_peer,
        slot_wait=a.slot_wait,
        request_timeout=a.request_timeout,
    )
    tls = (str(d / "tls" / "server.pem"), str(d / "tls" / "server-key.pem"))
    server = HttpServer(
        Api(center),
        server_ssl_context(*tls, str(d / "kiosks" / "ca.pem")),
        public=lambda _path: False,
        threads=threads,
        limits=limits,
        limiter=RateLimiter(a.kiosk_rate, a.kiosk_burst),
        check_kiosk=center.check_kiosk,
    )
    # The public seal-status route on its own listener: no client certificate, its own (smaller) caps,
    # rate-limited per peer address, so anonymous load never competes with kiosks for their slots.
    public = HttpServer(
        Api(center, public_only=True),
        server_ssl_context(*tls, None),
        public=is_public,
        threads=threads,
        limits=Limits(
            max_connections=256,
            max_per_peer=16,
            max_handshaking=128,
            max_handshaking_per_peer=16,
            max_waiting=64,
            slot_wait=1.0,
        ),
        limiter=RateLimiter(a.public_rate, a.public_rate * 2),
    )

    retention = Retention.from_config(cfg)

    async def purge_forever() -> None:
        # Several processes may purge at once: the deletes are idempotent, each row goes once.
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(retention.purge_interval_s)
            try:
                await loop.run_in_executor(None, purge, engine, center.config.clock(), retention)
            except SQLAlchemyError as exc:
                log.warning("purge failed: %s", type(exc).__name__)

    async def trim_forever() -> None:
        # Closed connections leave free pages inside the heap; give them back while the count drops.
        last = 0
        while True:
            await asyncio.sleep(5.0)
            closed = server.slots.released + public.slots.released
            if closed != last:
                # A closed TLS connection's objects sit in reference cycles; an idle server allocates
                # too little for the collector to run by itself, so collect, then trim.
                gc.collect()
                trim_memory()
            last = closed

    async def run() -> None:
        purger = asyncio.get_running_loop().create_task(purge_forever())
        trimmer = asyncio.get_running_loop().create_task(trim_forever())
        port = await server.start(a.host, a.port, reuse_port=a.reuse_port)
        public_port = await public.start(a.host, a.public_port, reuse_port=a.reuse_port)
        print(
            json.dumps(
                {
                    "listening": f"{a.host}:{port}",
                    "port": port,
                    "public_port": public_port,
                    "pid": os.getpid(),
                }
            ),
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        purger.cancel()
        trimmer.cancel()
        await server.close()
        await public.close()

    asyncio.run(run())
    engine.dispose()
    return 0


def _cmd_revoke(a: argparse.Namespace) -> int:
    from server_stub.kiosks import revoke_kiosk
    from server_stub.revoke import revoke_serial

    now = dt.datetime.fromtimestamp(offset_clock(a.now or os.environ.get(NOW_ENV))(), dt.UTC)
    if a.kiosk:
        kiosks = revoke_kiosk(Path(a.data), a.kiosk, now)
        print(json.dumps({"revoked_kiosk_serials": [f"{s:X}" for s in kiosks]}))
        return 0
    serials = revoke_serial(Path(a.data), a.serial, now)
    print(json.dumps({"revoked": [f"{s:X}" for s in serials]}))
    return 0


def _cmd_purge(a: argparse.Namespace) -> int:
    from server_stub.initdata import load_config
    from server_stub.retention import Retention, purge
    from server_stub.store import make_engine

    cfg = load_config(Path(a.data))
    engine = make_engine(a.db or cfg["db"])
    try:
        counts = purge(engine, offset_clock(a.now or os.environ.get(NOW_ENV))(), Retention.from_config(cfg))
    finally:
        engine.dispose()
    print(json.dumps({"purged": counts}))
    return 0


def _cmd_anchor(a: argparse.Namespace) -> int:
    from server_stub.anchor import make_anchor
    from server_stub.initdata import load_config
    from server_stub.pki import load_ec_private
    from server_stub.store import make_engine

    d = Path(a.data)
    key = load_ec_private(Path(a.key) if a.key else d / "audit" / "anchor-key.pem")
    engine = make_engine(a.db or load_config(d)["db"])
    try:
        with engine.connect() as conn:
            anchor = make_anchor(conn, key, dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    line = json.dumps(anchor)
    with (d / "audit" / "anchors.jsonl").open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    print(line)
    return 0


def _verify_audit(a: argparse.Namespace) -> int:
    from server_stub.anchor import read_anchors, verify_audit
    from server_stub.initdata import load_config
    from server_stub.store import make_engine

    if not a.data:
        raise ConfigError("--audit needs --data")
    d = Path(a.data)
    anchors = read_anchors(Path(a.anchors) if a.anchors else d / "audit" / "anchors.jsonl")
    pub = Path(a.public_key) if a.public_key else d / "audit" / "anchor-public.pem"
    engine = make_engine(load_config(d)["db"])
    try:
        with engine.connect() as conn:
            result = verify_audit(conn, anchors, pub.read_bytes())
    finally:
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["valid"] else 1


def _cmd_verify(a: argparse.Namespace) -> int:
    from server_stub.verify import verify_cli

    if a.audit:
        return _verify_audit(a)
    result = verify_cli(
        image=a.image,
        payload=a.payload,
        data=Path(a.data) if a.data else None,
        public_key=a.public_key,
        center=a.center,
        content=a.content,
        ca=a.ca,
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["valid"] else 1


def _cmd_municipal(a: argparse.Namespace) -> int:
    from server_stub.municipal.cli import cmd_municipal

    return cmd_municipal(a)


def _cmd_tiers(a: argparse.Namespace) -> int:
    from server_stub.municipal.cli import cmd_tiers

    return cmd_tiers(a)


def _cmd_migrate(a: argparse.Namespace) -> int:
    from server_stub.initdata import load_config
    from server_stub.migrate import copy_database

    counts = copy_database(load_config(Path(a.data))["db"], a.db)
    print(json.dumps({"copied": counts}))
    return 0


def _cmd_ops(a: argparse.Namespace) -> int:
    from server_stub.ops.cli import run

    return run(a)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m server_stub", description="issuance center stub")
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init", help="create a data directory")
    i.add_argument("--data", required=True)
    i.add_argument("--residents", type=int, default=40)
    i.add_argument("--seed", default="1", help="seed of the synthetic registry only (never of a key)")
    i.add_argument(
        "--insecure-seed",
        help="TESTS ONLY: derive every key from this seed (reproducible, never deploy; not stored)",
    )
    i.add_argument("--kiosk-cert-days", type=int, default=90, help="lifetime of kiosk certificates")
    i.add_argument("--kiosks", type=int, default=4)
    i.add_argument("--db", help="database URL (default: SQLite file in the data dir)")
    i.add_argument("--jobs", type=int, default=None, help="processes for key generation")
    i.add_argument("--now", help="ISO time to treat as now (default: env KONBINI_CENTER_NOW or the clock)")
    i.add_argument("--municipal-servers", type=int, default=2, help="municipal processes in directory.json")
    i.add_argument("--municipalities", type=int, default=4, help="municipalities (4 hand-made + synthetic)")
    s = sub.add_parser("serve", help="serve the HTTPS API")
    s.add_argument("--data", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--db", help="database URL (default: from center.json)")
    s.add_argument(
        "--threads",
        type=int,
        default=None,
        help="handler threads; 0 = on the event loop (default: 0 for SQLite, 4 for PostgreSQL)",
    )
    s.add_argument("--reuse-port", action="store_true", help="SO_REUSEPORT: several processes on one port")
    s.add_argument("--public-port", type=int, default=8444, help="seal-status listener (no client cert)")
    s.add_argument("--max-connections", type=int, default=1024, help="API connections in total")
    s.add_argument("--max-per-peer", type=int, default=128, help="API connections per peer address")
    s.add_argument("--max-handshaking", type=int, default=256, help="connections before/in the handshake")
    s.add_argument("--max-handshaking-per-peer", type=int, default=32, help="the same, per peer address")
    s.add_argument("--slot-wait", type=float, default=2.0, help="seconds a connection may wait for a slot")
    s.add_argument("--request-timeout", type=float, default=15.0, help="seconds for a whole request")
    s.add_argument("--kiosk-rate", type=float, default=20.0, help="requests/s per kiosk (0: no limit)")
    s.add_argument("--kiosk-burst", type=float, default=100.0, help="requests a kiosk may send at once")
    s.add_argument("--public-rate", type=float, default=10.0, help="seal lookups/s per peer address")
    s.add_argument("--challenge-ttl", type=float, default=60.0)
    s.add_argument("--session-ttl", type=float, default=600.0)
    s.add_argument("--now", help="ISO time the clock starts at (default: env KONBINI_CENTER_NOW)")
    s.add_argument("--directory", help="municipal directory JSON (default: in-process municipal backend)")
    s.add_argument("--municipal-deadline", type=float, default=3.0, help="seconds a municipality has")
    r = sub.add_parser("revoke", help="revoke a user certificate or a kiosk (updates a CRL)")
    r.add_argument("--data", required=True)
    what = r.add_mutually_exclusive_group(required=True)
    what.add_argument("--serial", help="user-authentication certificate serial in hex")
    what.add_argument("--kiosk", help="kiosk id: its certificate goes on the kiosk CRL")
    r.add_argument("--now", help="ISO time of the revocation (default: env KONBINI_CENTER_NOW or the clock)")
    an = sub.add_parser("audit-anchor", help="sign the audit chain's head (key outside the database)")
    an.add_argument("--data", required=True)
    an.add_argument("--db", help="database URL (default: from center.json)")
    an.add_argument("--key", help="anchor private key (default DIR/audit/anchor-key.pem)")
    u = sub.add_parser("purge", help="delete expired challenges, sessions and abandoned orders now")
    u.add_argument("--data", required=True)
    u.add_argument("--db", help="database URL (default: from center.json)")
    u.add_argument("--now", help="ISO time to treat as now (default: env KONBINI_CENTER_NOW or the clock)")
    g = sub.add_parser("migrate", help="copy the data dir's database into --db URL (e.g. PostgreSQL)")
    g.add_argument("--data", required=True)
    g.add_argument("--db", required=True)
    from server_stub.ops.cli import add_parser as add_ops

    add_ops(sub)
    v = sub.add_parser("verify", help="verify a document's digital seal")
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", help="PNG with the seal QR code")
    src.add_argument("--payload", help="the seal text KJ1:...")
    src.add_argument("--audit", action="store_true", help="verify the audit chain against its anchors")
    v.add_argument("--anchors", help="anchors JSON lines (default DIR/audit/anchors.jsonl); with --audit")
    v.add_argument("--data", help="center data dir: public key and (when present) the database")
    v.add_argument("--public-key", help="PEM public key of the center or, with --audit, of the anchor key")
    v.add_argument("--center", help="https://HOST:PORT to ask for the void status (uses DIR/tls/ca.pem)")
    v.add_argument("--ca", help="CA file that signed the center's TLS certificate (default DIR/tls/ca.pem)")
    v.add_argument("--content", help="JSON of the document or its content, to check the digest")
    from server_stub.municipal.cli import add_parsers

    add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("KONBINI_LOG", "WARNING"),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args = _parser().parse_args(argv)
    try:
        return int(
            {
                "init": _cmd_init,
                "serve": _cmd_serve,
                "revoke": _cmd_revoke,
                "verify": _cmd_verify,
                "migrate": _cmd_migrate,
                "purge": _cmd_purge,
                "audit-anchor": _cmd_anchor,
                "municipal": _cmd_municipal,
                "tiers": _cmd_tiers,
                "ops": _cmd_ops,
            }[args.cmd](args)
        )
    except CenterError as exc:
        return _fail(exc.error_code, exc.message)
    except SQLAlchemyError as exc:
        # An unreachable or unusable database is an operator error, not a crash: name it, no traceback.
        return _fail(
            "store_failed", f"データベースを利用できません / database unavailable: {type(exc).__name__}"
        )
    except OSError as exc:
        return _fail("os_error", f"ファイルまたはポートを利用できません / cannot use a file or port: {exc}")


def _fail(code: str, message: str) -> int:
    print(json.dumps({"error": code, "message": message}, ensure_ascii=False), file=sys.stderr)
    return 2
