"""Where the center gets certificate content: the municipal directory and its two backends.

With a directory (``serve --directory FILE``) every municipality code maps to one or more municipal
issuance servers reached over mutual TLS on the closed network (:class:`RemoteMunicipal`); without one
the same protocol runs in process on the center's database (:class:`LocalMunicipal`, the single-process
stub of before).  Both hand back the raw protocol answer, which the center checks the same way
(:func:`server_stub.municipal.protocol.check_answer`), so both modes run through one code path.

Failure is per municipality: a server that refuses the connection or misses the deadline is marked
down for ``down_for`` seconds; a code whose servers are all down is refused before payment with the
reason ``municipal_unavailable``, and the other codes keep issuing.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from server_stub.dbexec import transaction
from server_stub.errors import AuthError, CenterError, ConfigError, NotAvailableError, RequestError
from server_stub.municipal.core import MunicipalCore
from server_stub.municipal.eligibility import PATH_ELIGIBILITY, EligibilityRequest
from server_stub.municipal.protocol import (
    PATH_CERTIFICATES,
    CertificateRequest,
    bad_answer,
    unavailable,
)

__all__ = [
    "Directory",
    "LocalMunicipal",
    "MunicipalBackend",
    "RemoteMunicipal",
    "load_directory",
    "municipal_backend",
    "municipal_client_context",
]

log = logging.getLogger(__name__)


class MunicipalBackend(Protocol):
    """What the center asks a municipality through (thread-safe)."""

    def fetch(self, req: CertificateRequest) -> bytes:
        """The raw answer body.  :raises MunicipalError, NotAvailableError, CenterError:"""

    def eligibility(self, req: EligibilityRequest) -> bytes:
        """The raw answer body of ``/m1/eligibility``.  :raises MunicipalError, CenterError:"""

    def available(self, code: str) -> bool:
        """False while every server of ``code`` is marked down."""


@dataclass(frozen=True)
class Server:
    name: str
    host: str
    port: int


@dataclass(frozen=True)
class Directory:
    """Municipality code → the servers that serve it (in the order the center tries them)."""

    servers: dict[str, Server]
    codes: dict[str, tuple[str, ...]]

    def servers_for(self, code: str) -> tuple[Server, ...]:
        return tuple(self.servers[n] for n in self.codes.get(code, ()))


def load_directory(path: Path) -> Directory:
    """``{"version": 1, "servers": [{"name", "address": "HOST:PORT", "municipalities": [CODE…]}]}``.

    :raises ConfigError: when the file is unreadable or malformed.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        servers: dict[str, Server] = {}
        codes: dict[str, list[str]] = {}
        for s in doc["servers"]:
            host, _, port = str(s["address"]).rpartition(":")
            servers[str(s["name"])] = Server(str(s["name"]), host, int(port))
            for code in s["municipalities"]:
                codes.setdefault(str(code), []).append(str(s["name"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"municipal directory {path} unusable: {type(exc).__name__}") from exc
    if doc.get("version") != 1:
        raise ConfigError(f"municipal directory {path}: version must be 1")
    return Directory(servers, {c: tuple(n) for c, n in codes.items()})


class LocalMunicipal:
    """The protocol in process, on the center's own database (no directory configured)."""

    def __init__(self, core: MunicipalCore, engine: Engine, clock: Callable[[], float]) -> None:
        self.core, self.engine, self.clock = core, engine, clock

    def fetch(self, req: CertificateRequest) -> bytes:
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        with transaction(self.engine) as conn:
            answer = self.core.answer(conn, req, now)
        return json.dumps(answer, ensure_ascii=False).encode()

    def eligibility(self, req: EligibilityRequest) -> bytes:
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        with self.engine.connect() as conn:
            answer = self.core.eligibility(conn, req, now)
            conn.rollback()
        return json.dumps(answer, ensure_ascii=False).encode()

    def available(self, code: str) -> bool:
        return True


_JSON = {"content-type": "application/json"}
# The rules' refusals of an order that pass through to the kiosk (codes of contracts/center.py); the
# message is the center's own, never the municipality's text.
_ORDER_REFUSALS = {
    "option_invalid": "オプションが不正です / option invalid",
    "option_not_allowed": "このオプションは選べません / option not allowed",
    "year_not_offered": "この年度は交付できません / year not offered",
    "copies_invalid": "部数が不正です / copies invalid",
    "certificate_type_unknown": "証明書の種類が不正です / unknown certificate",
}


class RemoteMunicipal:
    """Municipal issuance servers over mutual TLS, with keep-alive connections and per-server health."""

    def __init__(
        self,
        directory: Directory,
        ctx: ssl.SSLContext,
        *,
        down_for: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory, self.ctx, self.down_for, self.clock = directory, ctx, down_for, clock
        self._lock = threading.Lock()
        self._idle: dict[str, list[http.client.HTTPSConnection]] = {}
        self._down_until: dict[str, float] = {}
        self._turn: dict[str, int] = {}

    def available(self, code: str) -> bool:
        now = self.clock()
        servers = self.directory.servers_for(code)
        return any(self._down_until.get(s.name, 0.0) <= now for s in servers)

    def _mark_down(self, server: Server, why: str) -> None:
        log.warning("municipal server %s down: %s", server.name, why)
        with self._lock:
            self._down_until[server.name] = self.clock() + self.down_for
            for c in self._idle.pop(server.name, []):
                c.close()

    def _order(self, code: str) -> list[Server]:
        # Round robin over the servers that are up; the ones marked down go last.
        servers = list(self.directory.servers_for(code))
        with self._lock:
            turn = self._turn.get(code, 0)
            self._turn[code] = turn + 1
        if servers:
            k = turn % len(servers)
            servers = servers[k:] + servers[:k]
        now = self.clock()
        return sorted(servers, key=lambda s: self._down_until.get(s.name, 0.0) > now)

    def _conn(self, server: Server, timeout: float) -> tuple[http.client.HTTPSConnection, bool]:
        """A kept-alive connection (and True) or a new one (and False)."""
        with self._lock:
            idle = self._idle.get(server.name)
            conn = idle.pop() if idle else None
        if conn is None:
            return http.client.HTTPSConnection(
                server.host, server.port, context=self.ctx, timeout=timeout
            ), False
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, True

    def _exchange(self, server: Server, path: str, body: bytes, timeout: float) -> tuple[int, bytes, Any]:
        """One request; a kept-alive connection the server had closed is replaced once (the request
        is idempotent on its id, so sending it again is safe)."""
        conn, reused = self._conn(server, timeout)
        try:
            conn.request("POST", path, body=body, headers=_JSON)
            resp = conn.getresponse()
            return resp.status, resp.read(), conn
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            if not reused:
                raise
        except BaseException:
            conn.close()
            raise
        conn, _ = self._conn(server, timeout)
        try:
            conn.request("POST", path, body=body, headers=_JSON)
            resp = conn.getresponse()
            return resp.status, resp.read(), conn
        except BaseException:
            conn.close()
            raise

    def _release(self, server: Server, conn: http.client.HTTPSConnection) -> None:
        with self._lock:
            self._idle.setdefault(server.name, []).append(conn)

    def fetch(self, req: CertificateRequest) -> bytes:
        """Ask the code's servers in turn until one answers, all within ``req.deadline_ms``.

        :raises MunicipalError: ``municipal_unavailable`` (none answered in time);
            ``municipal_bad_answer`` (an answer that is not the protocol's).
        :raises CenterError: the municipality's typed refusal (e.g. ``not_available`` + reason).
        """
        return self._ask(PATH_CERTIFICATES, req.municipality, req.to_json(), req.deadline_ms)

    def eligibility(self, req: EligibilityRequest) -> bytes:
        """``/m1/eligibility`` with the same failover, deadline and refusals as :meth:`fetch`."""
        return self._ask(PATH_ELIGIBILITY, req.municipality, req.to_json(), req.deadline_ms)

    def _ask(self, path: str, code: str, request: dict[str, Any], deadline_ms: int) -> bytes:
        deadline = self.clock() + deadline_ms / 1000
        servers = self._order(code)
        if not servers:
            raise unavailable("not_in_directory")
        body = json.dumps(request).encode()
        why = "down"
        for server in servers:
            left = deadline - self.clock()
            if left <= 0:
                break
            try:
                status, data, conn = self._exchange(server, path, body, left)
            except TimeoutError:
                # Too slow: the deadline is spent, and any answer that still comes is not taken.
                self._mark_down(server, "timeout")
                raise unavailable("timeout") from None
            except (OSError, http.client.HTTPException) as exc:
                self._mark_down(server, type(exc).__name__)
                why = "connect_failed"
                continue
            if self.clock() > deadline:
                conn.close()
                self._mark_down(server, "late")
                raise unavailable("timeout")
            self._release(server, conn)
            if status == 200:
                return data
            raise self._refusal(status, data)
        raise unavailable(why)

    @staticmethod
    def _refusal(status: int, data: bytes) -> CenterError:
        """A municipality's typed 4xx (its rules refuse, the resident is unknown) passes through."""
        try:
            err: Any = json.loads(data)
        except ValueError:
            err = None
        if not isinstance(err, dict) or not isinstance(err.get("error"), str):
            return bad_answer("garbage")
        if status >= 500:
            return unavailable(str(err["error"])[:40])
        from server_stub.rules import REASONS, reason_message

        reason, code = err.get("reason"), err["error"]
        if code in ("not_available", "outside_hours") and reason in REASONS:
            # The rules' refusal as the in-process backend raises it (outside_hours is 403).
            status = 403 if code == "outside_hours" else 422
            return NotAvailableError(reason_message(reason), code=code, status=status, reason=reason)
        if code in _ORDER_REFUSALS and status == 422:
            return RequestError(_ORDER_REFUSALS[code], code=code, status=422)
        if code == "resident_unknown" and status == 403:
            return AuthError("住民が見つかりません / resident unknown", code=code, status=403)
        return bad_answer("wrong_request")


def municipal_client_context(ca: Path, cert: Path, key: Path) -> ssl.SSLContext:
    """The center's side of the closed network: trusts only the network CA, shows its own certificate."""
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.load_cert_chain(str(cert), str(key))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def municipal_backend(
    config: Any, engine: Engine, catalogue: dict[str, Any], seal_png: dict[str, str]
) -> MunicipalBackend:
    """Remote servers when ``config.directory`` is set, else the in-process backend (CenterConfig)."""
    if config.directory is None:
        return LocalMunicipal(MunicipalCore(catalogue, seal_png), engine, config.clock)
    net = config.data_dir / "munet"
    return RemoteMunicipal(
        load_directory(config.directory),
        municipal_client_context(net / "ca.pem", net / "center.pem", net / "center-key.pem"),
    )
