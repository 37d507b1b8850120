"""Command line: ``init``, ``serve``, ``revoke``, ``verify`` (docs/architecture.md "Contracts")."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
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
    )
    print(json.dumps({"data": str(Path(a.data).resolve()), **{k: v for k, v in cfg.items() if k != "db"}}))
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    from server_stub.app import Api, is_public
    from server_stub.httpserver import HttpServer, server_ssl_context
    from server_stub.initdata import load_config
    from server_stub.service import Center, CenterConfig
    from server_stub.store import make_engine

    d = Path(a.data).resolve()
    cfg = load_config(d)
    url = a.db or cfg["db"]
    # SQLite: handlers inline on the event loop (no GIL hand-offs; its one connection serializes them
    # anyway).  PostgreSQL: a small pool so that database round trips of different kiosks overlap.
    threads = a.threads if a.threads is not None else (0 if url.startswith("sqlite") else 4)
    engine = make_engine(url, pool_size=max(1, threads))
    center = Center(
        CenterConfig(
            d,
            challenge_ttl=a.challenge_ttl,
            session_ttl=a.session_ttl,
            clock=offset_clock(a.now or os.environ.get(NOW_ENV)),
        ),
        engine,
    )
    ctx = server_ssl_context(
        str(d / "tls" / "server.pem"), str(d / "tls" / "server-key.pem"), str(d / "kiosks" / "ca.pem")
    )
    server = HttpServer(Api(center), ctx, public=is_public, threads=threads)

    async def run() -> None:
        port = await server.start(a.host, a.port, reuse_port=a.reuse_port)
        print(json.dumps({"listening": f"{a.host}:{port}", "port": port, "pid": os.getpid()}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.close()

    asyncio.run(run())
    engine.dispose()
    return 0


def _cmd_revoke(a: argparse.Namespace) -> int:
    from server_stub.revoke import revoke_serial

    serials = revoke_serial(Path(a.data), a.serial)
    print(json.dumps({"revoked": [f"{s:X}" for s in serials]}))
    return 0


def _cmd_verify(a: argparse.Namespace) -> int:
    from server_stub.verify import verify_cli

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
    i.add_argument("--seed", default="1")
    i.add_argument("--kiosks", type=int, default=4)
    i.add_argument("--db", help="database URL (default: SQLite file in the data dir)")
    i.add_argument("--jobs", type=int, default=None, help="processes for key generation")
    i.add_argument("--now", help="ISO time to treat as now (default: env KONBINI_CENTER_NOW or the clock)")
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
    s.add_argument("--challenge-ttl", type=float, default=60.0)
    s.add_argument("--session-ttl", type=float, default=600.0)
    s.add_argument("--now", help="ISO time the clock starts at (default: env KONBINI_CENTER_NOW)")
    r = sub.add_parser("revoke", help="revoke a user certificate (updates the CRL)")
    r.add_argument("--data", required=True)
    r.add_argument("--serial", required=True, help="certificate serial in hex")
    g = sub.add_parser("migrate", help="copy the data dir's database into --db URL (e.g. PostgreSQL)")
    g.add_argument("--data", required=True)
    g.add_argument("--db", required=True)
    from server_stub.ops.cli import add_parser as add_ops

    add_ops(sub)
    v = sub.add_parser("verify", help="verify a document's digital seal")
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", help="PNG with the seal QR code")
    src.add_argument("--payload", help="the seal text KJ1:...")
    v.add_argument("--data", help="center data dir: public key and (when present) the database")
    v.add_argument("--public-key", help="PEM public key of the center (instead of --data)")
    v.add_argument("--center", help="https://HOST:PORT to ask for the void status (uses DIR/tls/ca.pem)")
    v.add_argument("--ca", help="CA file that signed the center's TLS certificate (default DIR/tls/ca.pem)")
    v.add_argument("--content", help="JSON of the document or its content, to check the digest")
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
