"""HTTPS server: asyncio TLS + h11 (sans-IO HTTP/1.1), keep-alive, bounded reads, mutual TLS.

The TLS context requires nothing at the handshake (``CERT_OPTIONAL``) but verifies any certificate a
client presents against the kiosk CA, so a certificate from another CA fails the handshake.  Routes
other than the public ones answer 401 ``client_certificate_required`` to a client without one before
any application code runs.  The kiosk id is the CN of the verified certificate, per connection.
Application handlers are synchronous (short DB transactions) and run in a bounded thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import h11
from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy.exc import SQLAlchemyError

from server_stub.errors import CenterError, RequestError

__all__ = ["MAX_BODY", "HttpRequest", "HttpServer", "Response", "server_ssl_context"]

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
MAX_HEADER = 16 * 1024
DISCARD_LIMIT = 1024 * 1024  # an oversized body up to this is read and dropped before the 413
READ_TIMEOUT = 15.0  # a request must arrive in full within this
IDLE_TIMEOUT = 60.0  # keep-alive connections idle longer are closed
MAX_CONNECTIONS = 2048


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    kiosk_id: str | None

    def json(self) -> dict[str, Any]:
        """The body as a JSON object.  :raises RequestError: ``body_malformed``."""
        if not self.body:
            return {}
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise RequestError("JSON ではありません / body is not JSON", code="body_malformed") from exc
        if not isinstance(data, dict):
            raise RequestError(
                "JSON オブジェクトが必要です / body must be a JSON object", code="body_malformed"
            )
        return data


Response = tuple[int, dict[str, Any]]
Handler = Callable[[HttpRequest], Response]


def server_ssl_context(cert: str, key: str, client_ca: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _kiosk_id(writer: asyncio.StreamWriter) -> str | None:
    sslobj = writer.get_extra_info("ssl_object")
    der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
    if not der:
        return None
    cert = x509.load_der_x509_certificate(der)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else None


def _too_large() -> Response:
    return _error(
        RequestError(
            f"本文が大きすぎます / body larger than {MAX_BODY} bytes", code="body_too_large", status=413
        )
    )


def _error(exc: CenterError) -> Response:
    return exc.http_status, exc.to_json()


class HttpServer:
    """Serves ``handler`` over TLS.  ``public(path)`` says which paths need no client certificate."""

    def __init__(
        self, handler: Handler, ssl_ctx: ssl.SSLContext, *, public: Callable[[str], bool], threads: int = 4
    ) -> None:
        self.handler = handler
        self.ssl_ctx = ssl_ctx
        self.public = public
        # threads=0 runs handlers on the event loop itself: no GIL hand-offs between the loop and a worker
        # (each costs up to the 5 ms switch interval under load); right when handlers are short and the
        # database is local.  With threads > 0, a slow database round trip does not stall other kiosks.
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="center") if threads else None
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        self.server = await asyncio.start_server(
            self._client,
            host,
            port,
            ssl=self.ssl_ctx,
            backlog=1024,
            reuse_port=reuse_port or None,
            ssl_handshake_timeout=10,
        )
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop accepting, drop idle keep-alive connections, wait briefly for requests in flight."""
        if self.server is not None:
            self.server.close()
        for w in list(self.writers):
            w.transport.abort()
        for _ in range(50):
            if not self.writers:
                break
            await asyncio.sleep(0.02)
        if self.server is not None:
            await self.server.wait_closed()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self.slots:
            self.writers.add(writer)
            try:
                await self._serve(reader, writer, _kiosk_id(writer))
            except (TimeoutError, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
                pass
            except Exception:  # a connection must never take the server down; logged, not shown
                log.exception("connection handler failed")
            finally:
                self.writers.discard(writer)
                writer.close()
                with contextlib.suppress(ConnectionError, asyncio.TimeoutError, ssl.SSLError):
                    await asyncio.wait_for(writer.wait_closed(), 2)

    async def _next_event(self, conn: h11.Connection, reader: asyncio.StreamReader, timeout: float) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            # asyncio.timeout (3.11) bounds the read without the extra task asyncio.wait_for creates.
            async with asyncio.timeout(timeout):
                data = await reader.read(65536)
            conn.receive_data(data)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, kiosk: str | None
    ) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER)
        while True:
            try:
                event = await self._next_event(conn, reader, IDLE_TIMEOUT)
                if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
                if not isinstance(event, h11.Request):
                    return
                status, body = await self._request(conn, reader, event, kiosk)
            except h11.RemoteProtocolError as exc:
                status, body = _error(
                    RequestError(f"HTTP が不正です / malformed HTTP: {exc}", code="http_malformed")
                )
                await self._send(conn, writer, status, body, close=True)
                return
            keep = await self._send(conn, writer, status, body, close=status in (408, 413, 431))
            if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _request(
        self, conn: h11.Connection, reader: asyncio.StreamReader, req: h11.Request, kiosk: str | None
    ) -> Response:
        if sum(len(k) + len(v) for k, v in req.headers) + len(req.target) > MAX_HEADER:
            # h11 bounds only *incomplete* heads; a head that arrived whole in one read is checked here.
            return _error(
                RequestError(
                    "ヘッダが大きすぎます / request head too large", code="headers_too_large", status=431
                )
            )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in req.headers}
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            return _error(
                RequestError("Content-Length が不正です / bad Content-Length", code="http_malformed")
            )
        if length is not None and int(length) > DISCARD_LIMIT:
            return _too_large()
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                event = await self._next_event(conn, reader, READ_TIMEOUT)
                if isinstance(event, h11.Data):
                    size += len(event.data)
                    if size > DISCARD_LIMIT:
                        return _too_large()
                    if size <= MAX_BODY:
                        chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    return _error(
                        RequestError("要求が途切れました / request truncated", code="http_malformed")
                    )
        except TimeoutError:
            return _error(
                RequestError(
                    "要求が時間内に届きません / request timed out", code="request_timeout", status=408
                )
            )
        if size > MAX_BODY:
            # Read (and dropped) up to DISCARD_LIMIT so that the client sees the 413 rather than a reset.
            return _too_large()
        path = req.target.decode("latin-1").split("?", 1)[0]
        if kiosk is None and not self.public(path):
            return _error(
                RequestError(
                    "端末のクライアント証明書が必要です / kiosk client certificate required",
                    code="client_certificate_required",
                    status=401,
                )
            )
        request = HttpRequest(req.method.decode("ascii", "replace"), path, headers, b"".join(chunks), kiosk)
        if self.pool is None:
            return self._call(request)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._call, request)

    def _call(self, request: HttpRequest) -> Response:
        try:
            return self.handler(request)
        except CenterError as exc:
            if exc.http_status >= 500:
                log.warning("request failed: %s", exc.error_code)
            return _error(exc)
        except SQLAlchemyError as exc:
            log.error("database error: %s", type(exc).__name__)
            return 503, {
                "error": "store_failed",
                "message": "データベースが利用できません / database unavailable",
            }
        except Exception:  # the one place that turns an unexpected bug into a clean 500
            log.exception("handler failed for %s %s", request.method, request.path)
            return 500, {"error": "internal", "message": "センターの内部エラー / internal center error"}

    async def _send(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        body: dict[str, Any],
        *,
        close: bool,
    ) -> bool:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if conn.our_state is not h11.SEND_RESPONSE:
            # h11 cannot frame a response before a request line was parsed (garbage input): answer a
            # minimal, fixed HTTP/1.1 error ourselves, then close.
            head = (
                f"HTTP/1.1 {status} Error\r\ncontent-type: application/json; charset=utf-8\r\n"
                f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n"
            )
            writer.write(head.encode("ascii") + payload)
            await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
            return False
        headers = [
            ("content-type", "application/json; charset=utf-8"),
            ("content-length", str(len(payload))),
            ("cache-control", "no-store"),
        ]
        if close:
            headers.append(("connection", "close"))
        try:
            data = conn.send(h11.Response(status_code=status, headers=headers))
            data += conn.send(h11.Data(data=payload))
            data += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            return False
        writer.write(data)
        async with asyncio.timeout(READ_TIMEOUT):
            await writer.drain()
        return not close
