"""HTTPS server: asyncio TLS + h11 (sans-IO HTTP/1.1), keep-alive, bounded reads, mutual TLS.

Order of defences for every accepted TCP connection (docs/center.md "Hostile load"):

1. **Slot before handshake.**  A connection takes a *handshake* slot (at most ``max_handshaking`` in
   total and ``max_handshaking_per_peer`` per peer address) *before* any TLS work or TLS buffer is
   spent on it.  When the pool is full, the newcomer is admitted and the *oldest* handshake is cut
   (the oldest of its own address when that address is at its cap): a client that stalls its
   handshake is the one that gets dropped, and a kiosk whose handshake takes milliseconds gets
   through however many stallers keep arriving.
2. **Handshake.**  On the API listener the client certificate is *required* (``CERT_REQUIRED``) and
   verified against the kiosk CA; a client without one never gets past the handshake, which is bounded
   by ``handshake_timeout``.  The public listener (seal status only) asks for no certificate.  Only a
   finished handshake moves the connection to the *established* pool (``max_connections`` in total,
   ``max_per_peer`` per address), so clients without a certificate, however many, compete only for
   handshake slots and never for the slots of kiosks already connected.
3. **One deadline per request.**  From the first byte of a request, its head and body must arrive in
   full within ``request_timeout`` (15 s), however they are trickled; an idle keep-alive connection is
   closed after ``idle_timeout``.
4. **Rate limit** per kiosk id (API) or per peer address (public listener): 429 ``rate_limited``.

The kiosk id is the CN of the verified certificate, per connection.  Application handlers are
synchronous (short DB transactions) and run in a bounded thread pool or on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h11
import orjson
from sqlalchemy.exc import SQLAlchemyError

from server_stub.connlimits import Handshakes, Limits, Slots, return_freed_memory
from server_stub.errors import CenterError, RequestError
from server_stub.httpcommon import (
    DISCARD_LIMIT,
    MAX_BODY,
    MAX_HEADER,
    Handler,
    HttpRequest,
    Response,
    closes,
    error_response,
    kiosk_cert,
    peer_of,
    server_ssl_context,
    timed_out,
    too_large,
)
from server_stub.ratelimit import RateLimiter, rate_limited
from server_stub.strictjson import parse_json_object

__all__ = [
    "MAX_BODY",
    "HttpRequest",
    "HttpServer",
    "Limits",
    "Response",
    "parse_json_object",
    "return_freed_memory",
    "server_ssl_context",
]

log = logging.getLogger(__name__)


def _quiet_peer_resets(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A peer that resets or leaves during its TLS handshake is not a server error.  asyncio keeps the
    handshake's exception in an internal future too; when a GC cycle frees that future it logged
    "Future exception was never retrieved" with a traceback (timing-dependent): logged at debug."""
    exc = context.get("exception")
    if context.get("message") == "Future exception was never retrieved" and isinstance(
        exc, (ConnectionError, ssl.SSLError, TimeoutError)
    ):
        log.debug("peer left during the handshake: %s", type(exc).__name__)
        return
    loop.default_exception_handler(context)


class HttpServer:
    """Serves ``handler`` over TLS.  ``public(path)`` says which paths need no client certificate.

    :param limits: connection caps and deadlines (:class:`Limits`).
    :param limiter: requests per kiosk id, or per peer address for clients without a certificate.
    :param check_kiosk: called with the kiosk id and certificate serial after the handshake and before
        every request; raising :class:`CenterError` (unknown or revoked kiosk) answers that error and
        closes the connection, so a revocation takes effect on open keep-alive connections too.
    """

    def __init__(
        self,
        handler: Handler,
        ssl_ctx: ssl.SSLContext,
        *,
        public: Callable[[str], bool],
        threads: int = 4,
        limits: Limits | None = None,
        limiter: RateLimiter | None = None,
        check_kiosk: Callable[[str, int], None] | None = None,
    ) -> None:
        self.handler = handler
        self.ssl_ctx = ssl_ctx
        self.public = public
        self.limits = limits or Limits()
        self.limiter = limiter
        self.check_kiosk = check_kiosk
        # Timing at the TLS edge, when the handler offers it (server_stub.app.Api): the handler's own
        # histogram misses the handshake, the queue for a worker thread and the writing of the answer.
        self._edge_request = getattr(handler, "edge_request", None)
        self._edge_handshake = getattr(handler, "edge_handshake", None)
        # threads=0 runs handlers on the event loop itself: no GIL hand-offs between the loop and a worker
        # (each costs up to the 5 ms switch interval under load); right when handlers are short and the
        # database is local.  With threads > 0, a slow database round trip does not stall other kiosks.
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="center") if threads else None
        lim = self.limits
        self.handshaking = Handshakes(lim.max_handshaking, lim.max_handshaking_per_peer)
        self.slots = Slots(lim.max_connections, lim.max_per_peer, lim)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        asyncio.get_running_loop().set_exception_handler(_quiet_peer_resets)
        # Plain TCP here: TLS starts only once the connection holds a slot (_client).
        self.server = await asyncio.start_server(
            self._client, host, port, backlog=1024, reuse_port=reuse_port or None
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
        peer = peer_of(writer)
        key, raw = id(writer), writer.transport
        self.handshaking.admit(key, peer, raw)
        t_tls = time.perf_counter()
        try:
            await writer.start_tls(self.ssl_ctx, ssl_handshake_timeout=self.limits.handshake_timeout)
        except (OSError, ssl.SSLError, TimeoutError, AttributeError):
            # AttributeError: CPython 3.11's StreamWriter.start_tls fails so when the connection is lost
            # (cut, or the peer left) just as the handshake finishes, leaving the writer without a
            # transport.  Put the raw one back so that the writer's finalizer has one to check.
            if getattr(writer, "_transport", None) is None:
                setattr(writer, "_transport", raw)  # noqa: B010
            raw.abort()
            return
        finally:
            self.handshaking.done(key)
        if self._edge_handshake is not None:
            self._edge_handshake(time.perf_counter() - t_tls)
        if not await self.slots.acquire(peer):
            writer.transport.abort()
            return
        self.writers.add(writer)
        try:
            cert = kiosk_cert(writer)
            refusal = self._refusal(cert)
            if refusal is not None and refusal.error_code in ("kiosk_revoked", "kiosk_unknown"):
                writer.transport.abort()  # unknown or revoked: no request is read at all
                return
            await self._serve(reader, writer, cert, peer)
        except (TimeoutError, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        except Exception:  # a connection must never take the server down; logged, not shown
            log.exception("connection handler failed")
        finally:
            self.writers.discard(writer)
            await self.slots.release(peer)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.TimeoutError, ssl.SSLError):
                await asyncio.wait_for(writer.wait_closed(), 2)

    def _refusal(self, cert: tuple[str, int] | None) -> CenterError | None:
        if cert is None or self.check_kiosk is None:
            return None
        try:
            self.check_kiosk(*cert)
        except CenterError as exc:
            log.warning("kiosk %s refused: %s", cert[0], exc.error_code)
            return exc
        return None

    async def _next_event(self, conn: h11.Connection, reader: asyncio.StreamReader, deadline: float) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            # One absolute deadline for all the reads of a request: trickling bytes does not extend it.
            async with asyncio.timeout_at(deadline):
                data = await reader.read(65536)
            conn.receive_data(data)

    async def _request_start(self, conn: h11.Connection, reader: asyncio.StreamReader) -> float | None:
        """Wait (idle timeout) for the first byte of the next request; its deadline, None on close."""
        loop = asyncio.get_running_loop()
        pending, _closed = conn.trailing_data
        if pending:
            return loop.time() + self.limits.request_timeout
        async with asyncio.timeout(self.limits.idle_timeout):
            data = await reader.read(65536)
        conn.receive_data(data)
        return loop.time() + self.limits.request_timeout if data else None

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        cert: tuple[str, int] | None,
        peer: str,
    ) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER)
        while True:
            try:
                deadline = await self._request_start(conn, reader)
                if deadline is None:
                    return
                t_in = time.perf_counter()  # the request's first bytes are through TLS
                try:
                    event = await self._next_event(conn, reader, deadline)
                except TimeoutError:
                    status, body = timed_out()
                    await self._send(conn, writer, status, body, close=True)
                    return
                if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
                if not isinstance(event, h11.Request):
                    return
                status, body = await self._request(conn, reader, event, cert, peer, deadline)
            except h11.RemoteProtocolError as exc:
                status, body = error_response(
                    RequestError(f"HTTP が不正です / malformed HTTP: {exc}", code="http_malformed")
                )
                await self._send(conn, writer, status, body, close=True)
                return
            keep = await self._send(conn, writer, status, body, close=closes(status, body))
            if self._edge_request is not None:  # the answer is drained to the TLS socket
                path = event.target.decode("latin-1").split("?", 1)[0]
                self._edge_request(path, time.perf_counter() - t_in)
            if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _request(  # noqa: PLR0917
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        req: h11.Request,
        cert: tuple[str, int] | None,
        peer: str,
        deadline: float,
    ) -> Response:
        kiosk = cert[0] if cert is not None else None
        if sum(len(k) + len(v) for k, v in req.headers) + len(req.target) > MAX_HEADER:
            # h11 bounds only *incomplete* heads; a head that arrived whole in one read is checked here.
            return error_response(
                RequestError(
                    "ヘッダが大きすぎます / request head too large", code="headers_too_large", status=431
                )
            )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in req.headers}
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            return error_response(
                RequestError("Content-Length が不正です / bad Content-Length", code="http_malformed")
            )
        if length is not None and int(length) > DISCARD_LIMIT:
            return too_large()
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                event = await self._next_event(conn, reader, deadline)
                if isinstance(event, h11.Data):
                    size += len(event.data)
                    if size > DISCARD_LIMIT:
                        return too_large()
                    if size <= MAX_BODY:
                        chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    return error_response(
                        RequestError("要求が途切れました / request truncated", code="http_malformed")
                    )
        except TimeoutError:
            return timed_out()
        if size > MAX_BODY:
            # Read (and dropped) up to DISCARD_LIMIT so that the client sees the 413 rather than a reset.
            return too_large()
        path = req.target.decode("latin-1").split("?", 1)[0]
        if kiosk is None and not self.public(path):
            return error_response(
                RequestError(
                    "端末のクライアント証明書が必要です / kiosk client certificate required",
                    code="client_certificate_required",
                    status=401,
                )
            )
        refusal = self._refusal(cert)
        if refusal is not None:
            return error_response(refusal)
        if self.limiter is not None:
            wait = self.limiter.check(kiosk if kiosk is not None else f"peer:{peer}")
            if wait:
                return error_response(rate_limited(wait))
        request = HttpRequest(
            req.method.decode("ascii", "replace"), path, headers, b"".join(chunks), kiosk, peer
        )
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
            return error_response(exc)
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
        try:
            # orjson writes the same compact UTF-8 as json.dumps(ensure_ascii=False, separators=(",", ":")).
            payload = orjson.dumps(body)
        except TypeError:  # what orjson refuses (an integer over 64 bits, a non-str key): the stdlib's
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if conn.our_state is not h11.SEND_RESPONSE:
            # h11 cannot frame a response before a request line was parsed (garbage input): answer a
            # minimal, fixed HTTP/1.1 error ourselves, then close.
            head = (
                f"HTTP/1.1 {status} Error\r\ncontent-type: application/json; charset=utf-8\r\n"
                f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n"
            )
            writer.write(head.encode("ascii") + payload)
            async with asyncio.timeout(self.limits.request_timeout):
                await writer.drain()
            return False
        headers = [
            ("content-type", "application/json; charset=utf-8"),
            ("content-length", str(len(payload))),
            ("cache-control", "no-store"),
        ]
        if close:
            headers.append(("connection", "close"))
        if status == 429 and "retry_after" in body:
            headers.append(("retry-after", str(body["retry_after"])))
        try:
            data = conn.send(h11.Response(status_code=status, headers=headers))
            data += conn.send(h11.Data(data=payload))
            data += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            return False
        writer.write(data)
        async with asyncio.timeout(self.limits.request_timeout):
            await writer.drain()
        return not close
