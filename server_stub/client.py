"""A small typed client of Center API v1 for tests and the benchmark (the kiosk has its own).

One persistent HTTPS connection (keep-alive) with the kiosk's client certificate; software signing of
the challenge with a card profile's user-authentication key stands in for the card.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from card import nextgen
from card.keys import PrivateKey
from card.profile import CardProfile
from server_stub.childproc import start_child, stop_child
from server_stub.pki import auth_message

__all__ = [
    "ApiResponse",
    "CenterClient",
    "Kiosk",
    "SpawnedCenter",
    "client_ssl_context",
    "kiosks",
    "sign_challenge",
    "spawn_center",
]



@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    cert: Path
    key: Path


def kiosks(data_dir: Path) -> list[Kiosk]:
    """The kiosks of ``DIR/kiosks/index.json``."""
    index = json.loads((data_dir / "kiosks" / "index.json").read_text())
    return [Kiosk(k["kiosk_id"], data_dir / k["cert"], data_dir / k["key"]) for k in index]


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        v = self.body.get("error")
        return str(v) if v is not None else None


def client_ssl_context(ca: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key) if key else None)
    return ctx


@functools.lru_cache(maxsize=512)
def _card_key(key_pem: str) -> PrivateKey:
    # Loading a PEM RSA key validates it (tens of ms); a simulated kiosk signs many times with one card.
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return key


@functools.lru_cache(maxsize=512)
def _cert_der(cert_pem: str) -> bytes:
    return x509.load_pem_x509_certificate(cert_pem.encode()).public_bytes(serialization.Encoding.DER)


def sign_challenge(profile: CardProfile, challenge: dict[str, Any], kiosk_id: str) -> dict[str, str]:
    """The ``/v1/auth/response`` body a token would produce: PKCS#1 v1.5 over SHA-256 for RSA, raw
    low-s r‖s ECDSA over SHA-384 for a next-generation token (card.nextgen)."""
    nonce = base64.b64decode(challenge["nonce"])
    msg = auth_message(challenge["challenge_id"], kiosk_id, nonce)
    key = _card_key(profile.auth.key_pem)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        sig = nextgen.der_to_raw(key.sign(msg, ec.ECDSA(nextgen.HASH)))
    else:
        sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    der = _cert_der(profile.auth.cert_pem)
    return {
        "challenge_id": challenge["challenge_id"],
        "certificate": base64.b64encode(der).decode(),
        "signature": base64.b64encode(sig).decode(),
    }


class CenterClient:
    """Blocking client over one keep-alive connection; reconnects once when the server closed it."""

    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, *, timeout: float = 15.0) -> None:
        self.host, self.port, self.ctx, self.timeout = host, port, ctx, timeout
        self._conn: http.client.HTTPSConnection | None = None

    def _connection(self) -> http.client.HTTPSConnection:
        if self._conn is None:
            self._conn = http.client.HTTPSConnection(
                self.host, self.port, context=self.ctx, timeout=self.timeout
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> CenterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> ApiResponse:
        """One request with a raw body.  :raises OSError, http.client.HTTPException: on transport failure."""
        hdrs = {"content-type": "application/json", **(headers or {})}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        parsed = json.loads(data) if data else {}
        return ApiResponse(resp.status, parsed if isinstance(parsed, dict) else {"value": parsed})

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        return self.raw(method, path, json.dumps(body).encode() if body is not None else None, headers)

    def challenge(self) -> ApiResponse:
        return self.call("POST", "/v1/auth/challenge", {})

    def authenticate(self, profile: CardProfile, kiosk_id: str) -> ApiResponse:
        ch = self.challenge()
        if ch.status != 201:
            return ch
        return self.call("POST", "/v1/auth/response", sign_challenge(profile, ch.body, kiosk_id))

    def order(
        self,
        session_id: str,
        municipality: str,
        certificate: str,
        options: dict[str, Any] | None = None,
        copies: int = 1,
    ) -> ApiResponse:
        return self.call(
            "POST",
            "/v1/orders",
            {
                "session_id": session_id,
                "municipality": municipality,
                "certificate": certificate,
                "options": options or {},
                "copies": copies,
            },
        )

    def issue(self, order_id: str, key: str, amount: int, method: str = "cash") -> ApiResponse:
        return self.call(
            "POST",
            f"/v1/orders/{order_id}/issue",
            {"payment": {"method": method, "amount": amount}},
            {"idempotency-key": key},
        )

    def complete(self, order_id: str, result: str, pages_printed: int = 1) -> ApiResponse:
        return self.call(
            "POST", f"/v1/orders/{order_id}/complete", {"result": result, "pages_printed": pages_printed}
        )

    def seal_status(self, seal_id: str) -> ApiResponse:
        return self.call("GET", f"/v1/seals/{seal_id}")




class SpawnedCenter:
    """``python -m server_stub serve`` as a child on 127.0.0.1 with free ports (API and public).

    The one place that builds the ``serve`` command line (tests, benches and the soak use it).

    :param extra: further ``serve`` options.
    :param now: ISO time the center's clock starts at.
    :raises RuntimeError: when it does not come up.
    """

    def __init__(
        self, data: Path, *extra: str, db: str | None = None, now: str | None = None, quiet: bool = False
    ) -> None:
        args = [sys.executable, "-m", "server_stub", "serve", "--data", str(data), "--port", "0"]
        args += ["--public-port", "0"]
        if now:
            args += ["--now", now]
        if db:
            args += ["--db", db]
        self.data, self.db = data, db
        self.proc, info = start_child([*args, *extra], "center", quiet=quiet)
        self.port = int(info["port"])
        self.public_port = int(info["public_port"])
        self.pid = int(info["pid"])

    def client(self, kiosk: Kiosk | None = None, *, public: bool = False) -> CenterClient:
        """A client of the API listener (with ``kiosk``'s certificate) or of the public listener."""
        ctx = client_ssl_context(
            self.data / "tls" / "ca.pem", kiosk.cert if kiosk else None, kiosk.key if kiosk else None
        )
        return CenterClient("127.0.0.1", self.public_port if public else self.port, ctx)

    def stop(self) -> str:
        """Stop by pid (SIGTERM, then SIGKILL); returns what it wrote to stderr."""
        return stop_child(self.proc)


spawn_center = SpawnedCenter
