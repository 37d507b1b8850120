"""``python -m server_stub ops --data DIR --port P``: run the operators' listener."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    o = sub.add_parser("ops", help="serve the operators' console (HTML, remote commands, /metrics)")
    o.add_argument("--data", required=True)
    o.add_argument("--host", default="127.0.0.1")
    o.add_argument("--port", type=int, default=9443)
    o.add_argument("--db", help="database URL (default: from center.json)")
    o.add_argument(
        "--unreachable-after",
        type=float,
        default=90.0,
        help="seconds without a report after which a kiosk is unreachable",
    )
    o.add_argument("--now", help="ISO time the clock starts at (as serve)")


def run(a: argparse.Namespace) -> int:
    from contracts import jsonlog
    from server_stub.cli import NOW_ENV, offset_clock
    from server_stub.fleet import Fleet, known_kiosks
    from server_stub.initdata import load_config
    from server_stub.ops.pki import ensure_operator_pki
    from server_stub.ops.server import OpsApp, OpsServer, ops_ssl_context
    from server_stub.store import make_engine

    jsonlog.setup(os.environ.get("KONBINI_LOG", "INFO"))
    d = Path(a.data).resolve()
    cfg = load_config(d)
    ensure_operator_pki(d)
    engine = make_engine(a.db or cfg["db"], pool_size=2)
    clock = offset_clock(a.now or os.environ.get(NOW_ENV))
    fleet = Fleet(engine, known_kiosks(d), clock=clock, unreachable_after=a.unreachable_after)
    ctx = ops_ssl_context(
        str(d / "tls" / "server.pem"), str(d / "tls" / "server-key.pem"), str(d / "ops" / "ca.pem")
    )
    server = OpsServer((a.host, a.port), OpsApp(fleet, engine, d), ctx)
    port = server.server_address[1]
    print(json.dumps({"listening": f"{a.host}:{port}", "port": port, "pid": os.getpid()}), flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    stop.wait()
    server.shutdown()
    server.server_close()
    engine.dispose()
    return 0
