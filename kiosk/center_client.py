"""Client of the issuance center's API v1 (docs/architecture.md "Center API v1") over httpx with mutual TLS.

- Trust: only the center CA given (``DIR/tls/ca.pem``), never the system store; the kiosk proves who it
  is with its client certificate (``DIR/kiosks/index.json``).  The kiosk id is that certificate's CN.
- Errors: ``{"error": code, "message": ...}`` becomes ``CenterRefused`` carrying the center's stable
  ``code``; a timeout, refused connection or TLS failure becomes ``CenterUnreachable``
  (``center_unreachable``); an answer without the documented shape becomes ``CenterBadAnswer``.
- Retries only where a repeat cannot do harm: a request that never left (connection refused or
  connect timeout) is retried for every route; after it may have reached the center, only ``issue``
  (it carries an ``Idempotency-Key``) and ``complete`` (same result, same key) and ``GET`` are retried.
  ``challenge``, ``response`` and ``orders`` are not repeated blindly: a second order could be created.
- Every answer is read with a size limit.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from kiosk.errors import KioskError
from kiosk.flow.auth import AUTH_DOMAIN, auth_digest, auth_message
from kiosk.flow.errors import CenterDataError
from kiosk.flow.services import Municipality, parse_municipalities

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

__all__ = [
    "AUTH_DOMAIN",
    "CenterBadAnswer",
    "CenterClient",
    "CenterClientError",
    "CenterRefused",
    "CenterUnreachable",
    "Challenge",
    "Order",
    "Session",
    "auth_digest",
    "auth_message",
]

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 32 * 1024 * 1024  # issue answers carry the municipality's seal PNG per copy


class CenterClientError(KioskError):
    """Root of the center client's errors; ``code`` is what the flow shows (kiosk.flow.codes)."""

    code = "center_error"

    def __init__(self, message: str, code: str | None = None, status: int | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.status = status
        self.reason = reason  # the center's availability reason with not_available / outside_hours


class CenterUnreachable(CenterClientError):  # noqa: N818 - the name issue 5 uses
    """No answer: connection refused, timeout, TLS failure.  The kiosk goes out of service."""

    code = "center_unreachable"


class CenterRefused(CenterClientError):  # noqa: N818 - reads as a sentence: "except CenterRefused"
    """The center answered with ``{"error": code}``; ``code`` is the center's stable code."""


class CenterBadAnswer(CenterClientError):  # noqa: N818 - same family as CenterRefused
    """The center answered something that is not the documented JSON."""

    code = "center_bad_answer"


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: bytes
    expires_at: str


@dataclass(frozen=True)
class Session:
    session_id: str
    expires_at: str
    municipalities: tuple[Municipality, ...]


@dataclass(frozen=True)
class Order:
    order_id: str
    fee_total: int


def _field(body: Mapping[str, Any], key: str, kind: type, route: str) -> Any:
    value = body.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CenterBadAnswer(f"{route}: answer lacks {key!r} ({kind.__name__})")
    return value


class CenterClient:
    """One kiosk's connection to the center.  Thread-safe for one request at a time (the runner).

    :param base_url: ``https://host:port``.
    :param kiosk_id: the CN of the client certificate (used in the signed auth message).
    :param tls: ``(ca, cert, key)`` files; required unless ``transport`` is given (tests).
    :param transport: an httpx transport (``httpx.MockTransport`` in unit tests).
    :param sleep: injected for tests of the retry back-off.
    """

    def __init__(
        self, base_url: str, kiosk_id: str, *, tls: tuple[Path, Path, Path] | None = None,
        connect_timeout: float = 5.0, read_timeout: float = 20.0, retries: int = 2,
        transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.kiosk_id = kiosk_id
        self._retries = retries
        self._sleep = sleep
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        if transport is not None:
            self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
            return
        if tls is None:
            raise ValueError("tls=(ca, cert, key) is required without a transport")
        ca, cert, key = tls
        try:
            ctx = ssl.create_default_context(cafile=str(ca))  # only this CA: the center is pinned
            ctx.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as e:
            raise CenterUnreachable(f"cannot load kiosk TLS material: {e}") from e
        self._http = httpx.Client(base_url=base_url, timeout=timeout, verify=ctx)

    @classmethod
    def from_config(cls, cfg: KioskConfig) -> CenterClient:
        """Build from a ``kiosk.config.KioskConfig``.

        :raises ConfigError: TLS files missing; :raises CenterUnreachable: TLS files unusable.
        """
        c = cfg.center
        return cls(c.url, cfg.kiosk.id, tls=cfg.center_tls(), connect_timeout=c.connect_timeout,
                   read_timeout=c.read_timeout, retries=c.retries)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CenterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- routes -------------------------------------------------------------------------------------

    def challenge(self) -> Challenge:
        """``POST /v1/auth/challenge``.  :raises CenterClientError: typed, with the center's code."""
        body = self._call("POST", "/v1/auth/challenge", {}, idempotent=False)
        try:
            nonce = base64.b64decode(_field(body, "nonce", str, "challenge"), validate=True)
        except ValueError as e:
            raise CenterBadAnswer("challenge: nonce is not base64") from e
        return Challenge(_field(body, "challenge_id", str, "challenge"), nonce,
                         str(body.get("expires_at", "")))

    def authenticate(self, challenge_id: str, certificate: bytes, signature: bytes) -> Session:
        """``POST /v1/auth/response``.  :raises CenterClientError: e.g. ``certificate_revoked``."""
        body = self._call("POST", "/v1/auth/response", {
            "challenge_id": challenge_id,
            "certificate": base64.b64encode(certificate).decode(),
            "signature": base64.b64encode(signature).decode(),
        }, idempotent=False)
        try:
            municipalities = parse_municipalities(body.get("municipalities"))
        except CenterDataError as e:
            raise CenterBadAnswer(f"auth/response: {e}") from e
        return Session(_field(body, "session_id", str, "auth/response"), str(body.get("expires_at", "")),
                       municipalities)

    def create_order(self, session_id: str, municipality: str, certificate: str, options: Mapping[str, Any],
                     copies: int) -> Order:
        """``POST /v1/orders``.  :raises CenterClientError: e.g. ``not_available``."""
        body = self._call("POST", "/v1/orders", {
            "session_id": session_id, "municipality": municipality, "certificate": certificate,
            "options": dict(options), "copies": copies,
        }, idempotent=False)
        return Order(_field(body, "order_id", str, "orders"), _field(body, "fee_total", int, "orders"))

    def issue(
        self, order_id: str, idempotency_key: str, payment: Mapping[str, Any]
    ) -> tuple[dict[str, Any], ...]:
        """``POST /v1/orders/{id}/issue`` (retried with the same key).  Returns the documents.

        :raises CenterClientError: typed.
        """
        body = self._call("POST", f"/v1/orders/{order_id}/issue", {"payment": dict(payment)}, idempotent=True,
                          headers={"Idempotency-Key": idempotency_key})
        docs = _field(body, "documents", list, "issue")
        if not docs or not all(isinstance(d, dict) and "content" in d and "seal" in d for d in docs):
            raise CenterBadAnswer("issue: documents must be a non-empty list of {content, seal}")
        return tuple(docs)

    def complete(self, order_id: str, result: str, pages_printed: int) -> None:
        """``POST /v1/orders/{id}/complete`` with ``printed`` or ``failed`` (voids the order's seals).

        :raises CenterClientError: typed.
        """
        self._call("POST", f"/v1/orders/{order_id}/complete",
                   {"result": result, "pages_printed": pages_printed}, idempotent=True,
                   headers={"Idempotency-Key": f"{order_id}:complete"})

    def report_status(self, report: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``POST /v1/kiosks/status`` (kiosk.runtime.health_report); returns the operators' commands.

        :raises CenterClientError: typed; ``CenterBadAnswer`` when ``commands`` is not a list of objects.
        """
        body = self._call("POST", "/v1/kiosks/status", report, idempotent=False)
        commands = body.get("commands", [])
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise CenterBadAnswer("kiosks/status: commands must be a list of objects")
        return commands

    def seal_status(self, seal_id: str) -> str:
        """``GET /v1/seals/{id}`` → ``valid`` or ``voided``.  :raises CenterClientError: typed."""
        body = self._call("GET", f"/v1/seals/{seal_id}", None, idempotent=True)
        return str(_field(body, "status", str, "seals"))

    # --- transport ------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: Mapping[str, Any] | None, *, idempotent: bool,
              headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return self._once(method, path, payload, headers)
            except _NotSentError as e:
                error: CenterClientError = e.error  # never reached the center: safe to repeat anything
            except CenterUnreachable as e:
                if not idempotent:
                    raise
                error = e
            except CenterRefused as e:
                if not (idempotent and e.status is not None and e.status >= 500):
                    raise
                error = e
            if attempt >= self._retries:
                raise error
            attempt += 1
            log.info("center %s %s: retry %d after %s", method, path.split("/")[2], attempt, error.code)
            self._sleep(0.2 * 2 ** (attempt - 1))

    def _once(self, method: str, path: str, payload: Mapping[str, Any] | None,
              headers: Mapping[str, str] | None) -> dict[str, Any]:
        try:
            with self._http.stream(method, path, json=payload, headers=headers) as resp:
                data = self._read(resp)
                status = resp.status_code
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise _NotSentError(CenterUnreachable(f"center not reachable: {type(e).__name__}")) from e
        except httpx.TimeoutException as e:
            raise CenterUnreachable(f"center did not answer in time: {type(e).__name__}") from e
        except httpx.TransportError as e:
            raise CenterUnreachable(f"center connection failed: {type(e).__name__}") from e
        return _decode(status, data, path)

    @staticmethod
    def _read(resp: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise CenterBadAnswer(f"answer larger than {MAX_ANSWER_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


class _NotSentError(Exception):
    """Internal: the request never reached the center (safe to retry any route)."""

    def __init__(self, error: CenterClientError) -> None:
        super().__init__(str(error))
        self.error = error


def _decode(status: int, data: bytes, path: str) -> dict[str, Any]:
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = None
    if status >= 400:
        code = body.get("error") if isinstance(body, dict) else None
        if not isinstance(code, str):
            code = "center_busy" if status in (429, 503) else "center_error"
        message = body.get("message") if isinstance(body, dict) else None
        reason = body.get("reason") if isinstance(body, dict) else None
        raise CenterRefused(f"center refused {path.split('/')[2]}: {code} ({status}) {message or ''}".strip(),
                            code=code, status=status, reason=reason if isinstance(reason, str) else None)
    if not isinstance(body, dict):
        raise CenterBadAnswer(f"{path}: answer is not a JSON object")
    return body
