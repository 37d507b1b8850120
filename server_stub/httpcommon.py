"""What the center's HTTPS listeners share: the request and response types, the TLS context, the peer
and client-certificate readers, and the canned error answers (docs/center.md "Hostile load").

``server_stub.httpserver`` holds the connection handling itself; this module has no event loop.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from server_stub.errors import CenterError, RequestError
from server_stub.strictjson import parse_json_object

__all__ = [
    "DISCARD_LIMIT",
    "MAX_BODY",
    "MAX_HEADER",
    "Handler",
    "HttpRequest",
    "Response",
    "closes",
    "error_response",
    "kiosk_cert",
    "peer_of",
    "server_ssl_context",
    "timed_out",
    "too_large",
]

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
MAX_HEADER = 16 * 1024
DISCARD_LIMIT = 1024 * 1024  # an oversized body up to this is read and dropped before the 413


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    kiosk_id: str | None

    peer: str = ""

    def json(self) -> dict[str, Any]:
        """The body as a strict JSON object.  :raises RequestError: ``body_malformed``."""
        if not self.body:
            return {}
        return parse_json_object(self.body)


Response = tuple[int, dict[str, Any]]
Handler = Callable[[HttpRequest], Response]


def server_ssl_context(cert: str, key: str, client_ca: str | None) -> ssl.SSLContext:
    """TLS context of a listener: with ``client_ca`` a kiosk certificate is required at the handshake."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def peer_of(writer: asyncio.StreamWriter) -> str:
    name = writer.get_extra_info("peername")
    return str(name[0]) if isinstance(name, tuple) and name else "?"


def kiosk_cert(writer: asyncio.StreamWriter) -> tuple[str, int] | None:
    """(CN, serial) of the verified client certificate, None without one."""
    sslobj = writer.get_extra_info("ssl_object")
    der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
    if not der:
        return None
    cert = x509.load_der_x509_certificate(der)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (str(cns[0].value), cert.serial_number) if cns else None


def too_large() -> Response:
    return error_response(
        RequestError(
            f"本文が大きすぎます / body larger than {MAX_BODY} bytes", code="body_too_large", status=413
        )
    )


def error_response(exc: CenterError) -> Response:
    return exc.http_status, exc.to_json()


def closes(status: int, body: dict[str, Any]) -> bool:
    """After these answers the connection is closed (the client is refused or out of sync)."""
    return status in (408, 413, 431) or body.get("error") in ("kiosk_revoked", "kiosk_unknown")


def timed_out() -> Response:
    return error_response(
        RequestError("要求が時間内に届きません / request timed out", code="request_timeout", status=408)
    )
