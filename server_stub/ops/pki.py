"""The operator CA: operators' client certificates for the console (``ops``), separate from the kiosk CA.

``init`` makes ``ops/ca.pem`` (+ key), one operator (``ops/operator-01.pem``/``-key.pem``) and the same
operator as PKCS#12 (``ops/operator-01.p12``, password in ``ops/operator-01.p12.txt``) for a browser.
A kiosk certificate is no operator certificate and vice versa: each listener trusts only its own CA.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from card.profile import SeededRandom
from server_stub import pki

__all__ = ["OPERATOR", "ensure_operator_pki", "issue_operator"]

OPERATOR = "operator-01"


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def issue_operator(d: Path, name: str, now: dt.datetime, *, seed: str | None = None) -> Path:
    """A further operator certificate from the data dir's operator CA; returns the .p12 path."""
    ca_cert = x509.load_pem_x509_certificate((d / "ops" / "ca.pem").read_bytes())
    ca_key = pki.load_ec_private(d / "ops" / "ca-key.pem")
    rng = SeededRandom(seed or secrets.token_hex(16))
    cert, key = pki.issue_kiosk_cert(name, (ca_cert, ca_key), rng.child(f"operator:{name}"), now)
    _write(d / "ops" / f"{name}.pem", pki.pem(cert))
    pki.write_key(d / "ops" / f"{name}-key.pem", key)
    password = secrets.token_urlsafe(12)
    p12 = pkcs12.serialize_key_and_certificates(
        name.encode(),
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(password.encode()),
    )
    _write(d / "ops" / f"{name}.p12", p12, 0o600)
    _write(d / "ops" / f"{name}.p12.txt", (password + "\n").encode(), 0o600)
    return d / "ops" / f"{name}.p12"


def ensure_operator_pki(d: Path, now: dt.datetime | None = None, *, seed: str = "ops") -> bool:
    """Create the operator CA and ``operator-01`` unless present (data dirs made before them get them
    on the first ``ops``); True when created."""
    if (d / "ops" / "ca.pem").exists():
        return False
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca = pki.make_ec_ca("Konbini Operator CA TEST", SeededRandom(f"center:{seed}").child("ops-ca"), now)
    _write(d / "ops" / "ca.pem", pki.pem(ca[0]))
    pki.write_key(d / "ops" / "ca-key.pem", ca[1])
    issue_operator(d, OPERATOR, now)
    return True
