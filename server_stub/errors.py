"""Typed errors of the center stub.

Every error carries a stable ``code`` (the ``error`` field of the API's 4xx JSON, docs/architecture.md "Center
API v1"), the HTTP status it maps to, and a bilingual message (Japanese / English) that is safe to
show: it never contains a name, address, PIN, My Number or certificate.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AuthError",
    "CenterError",
    "ConfigError",
    "NotAvailableError",
    "OrderError",
    "RequestError",
    "SealError",
    "SessionError",
    "StoreError",
    "api_error",
]


class CenterError(Exception):
    """Root of everything the center stub raises.

    :param code: stable machine code (overrides the class default).
    :param message: bilingual human text 「日本語 / English」.
    :param status: HTTP status the API answers with.
    :param reason: optional finer stable code (e.g. why a service is not available).
    """

    code: ClassVar[str] = "center_error"
    status: ClassVar[int] = 500

    def __init__(
        self,
        message: str = "センターでエラーが発生しました / The center failed",
        *,
        code: str | None = None,
        status: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = code or type(self).code
        self.http_status = status or type(self).status
        self.reason = reason
        # (event, detail) for the audit log, written after the failed transaction rolled back.
        self.security_event: tuple[str, dict[str, Any]] | None = None
        # Seconds a client must wait before trying again (429 rate_limited); also sent as Retry-After.
        self.retry_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error_code, "message": self.message}
        if self.reason:
            body["reason"] = self.reason
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


class ConfigError(CenterError, ValueError):
    """The data directory, a key file or a command-line option is unusable."""

    code = "config_invalid"
    status = 500


class StoreError(CenterError):
    """The database failed (wrapped SQLAlchemy error)."""

    code = "store_failed"
    status = 503


class RequestError(CenterError, ValueError):
    """The HTTP request is malformed, too large, or misses a field (4xx, never a 500)."""

    code = "bad_request"
    status = 400


class AuthError(CenterError):
    """Challenge/response authentication failed (challenge, certificate, signature, resident)."""

    code = "auth_failed"
    status = 401


class SessionError(CenterError):
    """The session is unknown, belongs to another kiosk, or has expired."""

    code = "session_unknown"
    status = 404


class OrderError(CenterError):
    """The order is unknown, belongs to another kiosk, or is in the wrong state."""

    code = "order_unknown"
    status = 404


class NotAvailableError(CenterError):
    """The municipality's rules or the resident's eligibility refuse the service (``reason`` says why)."""

    code = "not_available"
    status = 422


class SealError(CenterError, ValueError):
    """A digital seal string is malformed, tampered with or signed by another key."""

    code = "seal_invalid"
    status = 400


_CLASSES: dict[str, type[CenterError]] = {
    "auth": AuthError,
    "session": SessionError,
    "order": OrderError,
    "request": RequestError,
}


def api_error(
    kind: str, code: str, ja: str, en: str, *, status: int, reason: str | None = None
) -> CenterError:
    """Build an error of family ``kind`` with a stable ``code`` and the message 「ja / en」."""
    cls = _CLASSES.get(kind, CenterError)
    return cls(f"{ja} / {en}", code=code, status=status, reason=reason)
