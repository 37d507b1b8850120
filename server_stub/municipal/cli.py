"""``municipal serve`` (one municipal issuance server) and ``tiers`` (servers + center, one command)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server_stub.errors import ConfigError

__all__ = ["add_parsers", "cmd_municipal", "cmd_tiers"]


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("municipal", help="a municipal issuance server (center-municipality protocol v1)")
    msub = m.add_subparsers(dest="municipal_cmd", required=True)
    s = msub.add_parser("serve", help="serve protocol v1 over mutual TLS")
    s.add_argument("--data", required=True, help="the municipal data dir (CENTER_DIR/municipal)")
    s.add_argument("--municipality", required=True, help="CODE[,CODE…] served by this process")
    s.add_argument("--name", default="m", help="server name (as in directory.json)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=9443)
    s.add_argument("--db", help="database URL (default: from municipal.json)")
    s.add_argument("--threads", type=int, default=4, help="handler threads")
    s.add_argument("--now", help="ISO time the clock starts at (default: env KONBINI_CENTER_NOW)")
    s.add_argument("--delay-ms", type=int, default=0, help="TESTS ONLY: answer this much later")
    s.add_argument(
        "--fault",
        choices=["garbage", "wrong-resident", "wrong-municipality", "fields-missing", "unbound"],
        help="TESTS ONLY: answer wrongly in this way",
    )
    s.add_argument(
        "--fault-on",
        choices=["certificates", "eligibility", "both"],
        default="certificates",
        help="TESTS ONLY: which call --fault and --delay-ms apply to",
    )
    i = msub.add_parser("init", help="(re)create DIR/munet and DIR/municipal for a center data dir")
    i.add_argument("--data", required=True, help="the center data dir")
    i.add_argument("--servers", type=int, default=2, help="municipal processes in directory.json")
    t = sub.add_parser("tiers", help="start the municipal servers of directory.json, then the center")
    t.add_argument("--data", required=True, help="the center data dir")
    t.add_argument("--now", help="ISO time the clocks start at")
    t.add_argument("--port", type=int, default=8443)
    t.add_argument("--public-port", type=int, default=8444)


def _load(d: Path, db: str | None) -> tuple[Any, str]:
    try:
        cfg = json.loads((d / "municipal.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{d}/municipal.json unreadable: run init") from exc
    return cfg, db or str(cfg["db"])


def cmd_municipal(a: argparse.Namespace) -> int:
    if a.municipal_cmd == "init":
        return _cmd_init(a)
    return _cmd_serve(a)


def _cmd_init(a: argparse.Namespace) -> int:
    import datetime as dt

    from server_stub.initdata import load_config
    from server_stub.municipal.setup import init_municipal
    from server_stub.store import make_engine, municipalities

    d = Path(a.data).resolve()
    url = str(load_config(d)["db"])
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            codes = [str(r.code) for r in conn.execute(select(municipalities.c.code))]
    finally:
        engine.dispose()
    old = os.umask(0o077)
    try:
        cfg = init_municipal(d, url, codes=codes, servers=a.servers, rng=None, now=dt.datetime.now(dt.UTC))
    finally:
        os.umask(old)
    print(json.dumps({"municipal": str(d / "municipal"), **cfg}))
    return 0


def _cmd_serve(a: argparse.Namespace) -> int:
    from server_stub.cli import NOW_ENV, offset_clock
    from server_stub.httpserver import HttpServer, Limits, server_ssl_context
    from server_stub.municipal.app import Faults, MunicipalApp, check_caller
    from server_stub.municipal.core import MunicipalCore
    from server_stub.municipalities import Municipality
    from server_stub.store import make_engine, municipalities

    d = Path(a.data).resolve()
    _cfg, url = _load(d, a.db)
    codes = [c for c in a.municipality.split(",") if c]
    engine = make_engine(url, pool_size=max(1, a.threads))
    with engine.connect() as conn:
        rows = conn.execute(select(municipalities.c.data)).all()
    catalogue = {m.code: m for m in (Municipality.from_json(json.loads(r.data)) for r in rows)}
    missing = [c for c in codes if c not in catalogue]
    if missing or not codes:
        raise ConfigError(f"municipality codes not in the registry: {missing or codes}")
    core = MunicipalCore(
        {c: catalogue[c] for c in codes},
        {c: (d / "seals" / f"{c}.b64").read_text().strip() for c in codes},
    )
    app = MunicipalApp(
        core,
        engine,
        offset_clock(a.now or os.environ.get(NOW_ENV)),
        Faults(delay_s=a.delay_ms / 1000, answer=a.fault, on=a.fault_on),
        a.name,
    )
    tls = d / "tls"
    server = HttpServer(
        app,
        server_ssl_context(str(tls / "server.pem"), str(tls / "server-key.pem"), str(tls / "ca.pem")),
        public=lambda _path: False,
        threads=a.threads,
        limits=Limits(request_timeout=60.0),
        check_kiosk=check_caller,
    )

    async def run() -> None:
        port = await server.start(a.host, a.port)
        line = {"listening": f"{a.host}:{port}", "port": port, "pid": os.getpid(), "name": a.name}
        print(json.dumps(line), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.close()

    asyncio.run(run())
    engine.dispose()
    return 0


def cmd_tiers(a: argparse.Namespace) -> int:
    from server_stub.municipal.spawn import SpawnedTiers

    tiers = SpawnedTiers(
        Path(a.data), "--port", str(a.port), "--public-port", str(a.public_port), now=a.now, quiet=True
    )
    print(json.dumps(tiers.describe()), flush=True)
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stop["now"] and tiers.alive():
            time.sleep(0.5)
    finally:
        tiers.stop()
    return 0
