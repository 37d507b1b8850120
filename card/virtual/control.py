"""HTTP control of a served virtual card: simulate insertion/removal from scripts.

Same style as the printer emulator's control port (docs/architecture.md): JSON over HTTP on loopback.

- ``GET /state`` → ``{"inserted", "connected", "apdus", "auth_tries_left", "sign_tries_left"}``
- ``POST /state`` with ``{"inserted": true|false}`` → the new state
- ``POST /insert`` and ``POST /remove`` → the new state
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from card.virtual.model import VirtualJpkiCard
from card.virtual.vpcd import VpcdLink

__all__ = ["ControlServer"]

log = logging.getLogger(__name__)
MAX_BODY = 4096


class ControlServer:
    """Serves the control API for one ``VpcdLink`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, link: VpcdLink, host: str = "127.0.0.1", port: int = 0) -> None:
        self.link = link
        server = ThreadingHTTPServer((host, port), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self.address: tuple[str, int] = (host, server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, name="card-control", daemon=True)

    def state(self) -> dict[str, Any]:
        card = self.link.card
        out: dict[str, Any] = {
            "inserted": self.link.inserted,
            "connected": self.link.connected,
            "apdus": self.link.session.apdus,
        }
        if isinstance(card, VirtualJpkiCard):
            out["auth_tries_left"] = card.state.auth_tries_left
            out["sign_tries_left"] = card.state.sign_tries_left
        return out

    def set_inserted(self, inserted: bool) -> None:
        if inserted:
            self.link.insert()
        else:
            self.link.remove()

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _make_handler(control: ControlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "konbini-virtual-card/1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("control: " + format, *args)

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path == "/state":
                self._reply(200, control.state())
            else:
                self._reply(404, {"error": "not_found"})

        def do_POST(self) -> None:
            if self.path in ("/insert", "/remove"):
                control.set_inserted(self.path == "/insert")
                self._reply(200, control.state())
                return
            if self.path != "/state":
                self._reply(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY:
                self._reply(400, {"error": "bad_request", "message": "JSON body of 1..4096 bytes"})
                return
            try:
                body = json.loads(self.rfile.read(length))
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("inserted"), bool):
                self._reply(400, {"error": "bad_request", "message": 'expected {"inserted": bool}'})
                return
            control.set_inserted(body["inserted"])
            self._reply(200, control.state())

    return Handler
