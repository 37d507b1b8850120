"""Routing of Center API v1 (docs/architecture.md) onto :class:`~server_stub.service.Center`."""

from __future__ import annotations

import re
import time
from typing import Any

from server_stub.errors import CenterError, RequestError
from server_stub.fleet import Fleet, known_kiosks
from server_stub.httpserver import HttpRequest, Response
from server_stub.openapi import ID_PATTERN, OPENAPI
from server_stub.service import Center

__all__ = ["Api", "is_public"]

_ID = rf"({ID_PATTERN})"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/v1/auth/challenge"), "challenge"),
    ("POST", re.compile(r"/v1/auth/response"), "response"),
    ("POST", re.compile(r"/v1/orders"), "order"),
    ("POST", re.compile(rf"/v1/orders/{_ID}/issue"), "issue"),
    ("POST", re.compile(rf"/v1/orders/{_ID}/complete"), "complete"),
    ("GET", re.compile(rf"/v1/seals/{_ID}"), "seal"),
    ("POST", re.compile(r"/v1/kiosks/status"), "kiosk_status"),
    ("GET", re.compile(r"/openapi\.json"), "openapi"),
]
_PUBLIC = re.compile(rf"/v1/seals/{_ID}")


def route_of(path: str) -> str:
    """The route's name (a metrics label: never the ids in the path)."""
    for _method, pattern, name in ROUTES:
        if pattern.fullmatch(path):
            return name
    return "unknown"


def is_public(path: str) -> bool:
    """Seal verification is the one route open to clients without a kiosk certificate."""
    return _PUBLIC.fullmatch(path) is not None


class Api:
    """Maps requests to the center; the kiosk id comes only from the TLS layer."""

    def __init__(self, center: Center, *, public_only: bool = False) -> None:
        self.center = center
        self.public_only = public_only
        self.fleet = Fleet(center.engine, known_kiosks(center.config.data_dir), clock=center.config.clock)
        from server_stub.ops.metrics import ApiMetrics  # sets the multiprocess dir before the import

        self.metrics = ApiMetrics(center.config.data_dir)

    def __call__(self, req: HttpRequest) -> Response:
        t0 = time.perf_counter()
        code = "ok"
        try:
            return self._dispatch(req)
        except CenterError as exc:
            code = exc.error_code
            self.center.record_security_event(req.kiosk_id, exc)
            raise
        except Exception:
            code = "internal"
            raise
        finally:
            self.metrics.observe(route_of(req.path), code, time.perf_counter() - t0)

    def edge_request(self, path: str, seconds: float) -> None:
        """``server_stub.httpserver``: first decrypted byte of a request in → its answer drained out."""
        self.metrics.edge.labels(route_of(path)).observe(seconds)

    def edge_handshake(self, seconds: float) -> None:
        """``server_stub.httpserver``: one finished TLS handshake (a new kiosk connection)."""
        self.metrics.handshake.observe(seconds)

    def _dispatch(self, req: HttpRequest) -> Response:
        if self.public_only and not is_public(req.path):
            raise RequestError("見つかりません / not found", code="not_found", status=404)
        matched_path = False
        for method, pattern, name in ROUTES:
            m = pattern.fullmatch(req.path)
            if m is None:
                continue
            matched_path = True
            if method == req.method:
                return getattr(self, f"_{name}")(req, *m.groups())  # type: ignore[no-any-return]
        if matched_path:
            raise RequestError(
                "許可されていないメソッドです / method not allowed", code="method_not_allowed", status=405
            )
        raise RequestError("見つかりません / not found", code="not_found", status=404)

    @staticmethod
    def _kiosk(req: HttpRequest) -> str:
        if req.kiosk_id is None:
            raise RequestError(
                "端末のクライアント証明書が必要です / kiosk client certificate required",
                code="client_certificate_required",
                status=401,
            )
        return req.kiosk_id

    def _challenge(self, req: HttpRequest) -> Response:
        req.json()
        return 201, self.center.challenge(self._kiosk(req))

    def _response(self, req: HttpRequest) -> Response:
        return 201, self.center.respond(self._kiosk(req), req.json())

    def _order(self, req: HttpRequest) -> Response:
        return 201, self.center.order(self._kiosk(req), req.json())

    def _issue(self, req: HttpRequest, oid: str) -> Response:
        return 200, self.center.issue(self._kiosk(req), oid, req.headers.get("idempotency-key"), req.json())

    def _complete(self, req: HttpRequest, oid: str) -> Response:
        return 200, self.center.complete(self._kiosk(req), oid, req.json())

    def _seal(self, req: HttpRequest, seal_id: str) -> Response:
        if req.kiosk_id is not None:
            # A kiosk's health probe: it learns here that the center cannot authenticate anyone (CRL
            # stale, unreadable or rolled back) and goes out of service with that reason.
            self.center.trust.check_crls(self.center.now()[1])
        return 200, self.center.seal_status(seal_id)

    def _kiosk_status(self, req: HttpRequest) -> Response:
        return 200, self.fleet.report(self._kiosk(req), req.json())

    def _openapi(self, req: HttpRequest) -> Response:
        doc: dict[str, Any] = OPENAPI
        return 200, doc
