"""``python -m server_stub ops``: the operators' listener (console pages, remote commands, /metrics).

A listener of its own, apart from the kiosks' API: TLS that *requires* a client certificate from the
operator CA (``ops/ca.pem``), so a certificate from any other CA (a kiosk's, a forged one) fails the
handshake before a byte of HTTP.  The operator is the certificate's CN; it is written into the audit
log with every command.  Forms are protected by a CSRF token bound to the operator (HMAC with a
secret of this process), so another site cannot make an operator's browser post a command.

stdlib ``ThreadingHTTPServer``: the console serves a handful of operators, not thousands of kiosks; the
TLS handshake runs in the connection's thread, so a slow client cannot stall the accept loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine

from server_stub.errors import CenterError
from server_stub.fleet import Fleet
from server_stub.ops import lookup, pages
from server_stub.ops.metrics import FleetCollector, ops_registry
from server_stub.ops.stats import crl_state, issuance

__all__ = ["OpsApp", "OpsServer", "ops_ssl_context"]

log = logging.getLogger("server_stub.ops")
MAX_FORM = 4096
_KIOSK = re.compile(r"/kiosks/([A-Za-z0-9_\-]{1,64})")
_COMMAND = re.compile(r"/kiosks/([A-Za-z0-9_\-]{1,64})/commands")


def ops_ssl_context(cert: str, key: str, operator_ca: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(operator_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED  # no operator certificate, no connection
    return ctx


@dataclass
class OpsApp:
    """What the pages need: the fleet, the database and the data dir."""

    fleet: Fleet
    engine: Engine
    data_dir: Path

    def __post_init__(self) -> None:
        self.secret = secrets.token_bytes(32)
        self.references = lookup.ReferenceIndex(self.engine, self.fleet.clock)
        self.registry = ops_registry(
            self.data_dir,
            FleetCollector(
                self.fleet.overview,
                lambda: issuance(self.engine, self.fleet.clock(), hours=1).by_state,
                self._crl,
            ),
        )

    def _crl(self) -> tuple[float, bool]:
        c = crl_state(self.data_dir, self.fleet.clock())
        return c.age, c.stale

    def csrf(self, operator: str) -> str:
        return hmac.new(self.secret, operator.encode(), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: OpsServer
    protocol_version = "HTTP/1.1"

    # -- plumbing ------------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one JSON line per request in _done instead

    def _operator(self) -> str:
        der = self.connection.getpeercert(binary_form=True)
        cert = x509.load_der_x509_certificate(der)
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(cns[0].value) if cns else "unknown"

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'",
        )
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, status: int, html: str) -> None:
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8")

    def _error(self, status: int, code: str, message: str) -> None:
        self._html(status, pages.error_page(status, code, message))
        self._code = code

    def _route(self, fn: Any) -> None:
        t0 = time.perf_counter()
        self._code = "ok"
        try:
            fn()
        except CenterError as exc:
            self._error(exc.http_status, exc.error_code, exc.message)
        except Exception:  # a bug must not leak a trace to the page; logged here
            log.exception("ops request failed")
            self._error(500, "internal", "内部エラー / internal error")
        finally:
            ms = round((time.perf_counter() - t0) * 1000, 1)
            route = re.sub(r"/kiosks/[^/]+", "/kiosks/{id}", urlsplit(self.path).path)
            log.info(
                "request",
                extra={"fields": {"method": self.command, "route": route, "code": self._code, "ms": ms}},
            )

    # -- routes --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._route(self._get)

    def do_POST(self) -> None:
        self._route(self._post)

    def _get(self) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        if url.path == "/":
            q = parse_qs(url.query)
            status = q.get("status", [""])[0]
            status = status if status in pages.STATUS_LABEL else ""
            text = q.get("q", [""])[0][:64]
            html = pages.fleet_page(
                app.fleet.overview(),
                issuance(app.engine, app.fleet.clock()),
                crl_state(app.data_dir, app.fleet.clock()),
                status=status,
                q=text,
                show_all=q.get("all", [""])[0] == "1",
            )
            self._html(200, html)
            return
        if url.path == "/metrics":
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            self._send(200, generate_latest(app.registry), CONTENT_TYPE_LATEST)
            return
        if url.path in lookup.ROUTES:  # short reference → transaction (server_stub/ops/lookup.py)
            http_status, ctype, body, self._code = lookup.handle(
                app.references, url.path, parse_qs(url.query), self._operator())
            self._send(http_status, body, ctype)
            return
        m = _KIOSK.fullmatch(url.path)
        if m:
            view, hist, cmds = app.fleet.detail(m.group(1))
            notice = {
                "sent": "指示を送りました。次の報告で端末に届きます。 / Command queued: the kiosk gets "
                "it with its next report."
            }.get(parse_qs(url.query).get("n", [""])[0], "")
            self._html(200, pages.detail_page(view, hist, cmds, app.csrf(self._operator()), notice=notice))
            return
        self._error(404, "not_found", "見つかりません / not found")

    def _post(self) -> None:
        app = self.server.app
        m = _COMMAND.fullmatch(urlsplit(self.path).path)
        if m is None:
            self._error(404, "not_found", "見つかりません / not found")
            return
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_FORM:
            self._error(413, "body_too_large", "本文が大きすぎます / body too large")
            return
        form = parse_qs(self.rfile.read(int(length)).decode("utf-8", "replace"))
        operator = self._operator()
        token = form.get("csrf", [""])[0]
        if not hmac.compare_digest(token, app.csrf(operator)):
            self._error(403, "csrf_invalid", "画面を開き直してください / reload the page (CSRF token)")
            return
        kid = m.group(1)
        app.fleet.command(kid, form.get("kind", [""])[0], operator, form.get("reason", [None])[0])
        self._send(303, b"", "text/plain", {"Location": f"/kiosks/{kid}?n=sent"})


class OpsServer(ThreadingHTTPServer):
    """TLS per connection, in the connection's thread."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], app: OpsApp, ctx: ssl.SSLContext) -> None:
        self.app = app
        self.ctx = ctx
        super().__init__(addr, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        sock: socket.socket = request
        sock.settimeout(15)
        try:
            tls = self.ctx.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log.info("handshake refused", extra={"fields": {"reason": type(e).__name__}})
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, name="ops", daemon=True)
        t.start()
        return t
