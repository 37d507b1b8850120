"""Test PKI of the center: kiosk CA and client certificates, the center's TLS certificate, the seal key,
the JPKI user-authentication CRL, and verification of a card's user-authentication certificate.

Key material is deterministic from the init seed (EC keys are derived from seeded scalars; ECDSA
signatures use RFC 6979 deterministic nonces) so ``init --seed S`` reproduces the same PKI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from card.certs import signing_hash
from card.profile import AUTH_POLICY_OID, JpkiCA, SeededRandom
from server_stub.errors import AuthError, ConfigError, api_error

__all__ = [
    "AUTH_DOMAIN",
    "CrlCache",
    "auth_message",
    "derive_ec_key",
    "issue_kiosk_cert",
    "load_ec_private",
    "load_ec_public",
    "make_crl",
    "make_ec_ca",
    "make_server_cert",
    "pem",
    "verify_signature",
    "verify_user_certificate",
    "write_key",
]

AUTH_DOMAIN = b"konbini-kiosk-auth-v1"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def auth_message(challenge_id: str, kiosk_id: str, nonce: bytes) -> bytes:
    """The message the card signs (DESIGN.md "Center API v1"): domain 00 challenge_id 00 kiosk_id 00 nonce."""
    return b"\x00".join([AUTH_DOMAIN, challenge_id.encode(), kiosk_id.encode(), nonce])


def derive_ec_key(rng: SeededRandom) -> ec.EllipticCurvePrivateKey:
    scalar = rng.getrandbits(256) % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_key(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def load_ec_private(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"鍵を読めません / cannot read key {path.name}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"EC 鍵ではありません / {path.name} is not an EC key")
    return key


def load_ec_public(path: Path) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"公開鍵を読めません / cannot read public key {path.name}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(f"EC 公開鍵ではありません / {path.name} is not an EC public key")
    return key


def _serial(rng: SeededRandom) -> int:
    return rng.getrandbits(63) | 1


def make_ec_ca(
    cn: str, rng: SeededRandom, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = derive_ec_key(rng)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Konbini Center TEST"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial(rng))
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    return cert, key


def _leaf(  # noqa: PLR0917
    cn: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    rng: SeededRandom,
    now: dt.datetime,
    eku: x509.ObjectIdentifier,
    san: list[x509.GeneralName] | None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = derive_ec_key(rng)
    ca_cert, ca_key = ca
    b = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial(rng))
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, True, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True), key


def issue_kiosk_cert(
    kiosk_id: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    rng: SeededRandom,
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A kiosk's TLS client certificate; its CN is the kiosk id (DESIGN.md "Files the contracts name")."""
    return _leaf(kiosk_id, ca, rng, now, ExtendedKeyUsageOID.CLIENT_AUTH, None)


def make_server_cert(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], rng: SeededRandom, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    san: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    return _leaf("localhost", ca, rng, now, ExtendedKeyUsageOID.SERVER_AUTH, san)


def make_crl(
    ca: JpkiCA, revoked: list[int], now: dt.datetime, *, days: int = 30
) -> x509.CertificateRevocationList:
    """A user-authentication CA's CRL, listing ``revoked`` serials (signed by that CA: RSA/SHA-256, or
    ECDSA/SHA-384 for a next-generation CA)."""
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=days))
    )
    for serial in sorted(set(revoked)):
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    return b.sign(ca.key, signing_hash(ca.key))


@dataclass(frozen=True)
class _Crl:
    key: tuple[int, int]
    revoked: frozenset[int]
    next_update: dt.datetime


class CrlCache:
    """The CRL file, re-read when it changes (``revoke`` rewrites it while centers run).

    The signature is checked against the CA on every load; a CRL that is stale or does not verify makes
    every authentication fail closed (``crl_unavailable``).
    """

    def __init__(self, path: Path, ca_cert: x509.Certificate) -> None:
        self.path = path
        self.ca_cert = ca_cert
        self._lock = threading.Lock()
        self._crl: _Crl | None = None

    def _load(self, key: tuple[int, int]) -> _Crl:
        try:
            crl = x509.load_pem_x509_crl(self.path.read_bytes())
        except (OSError, ValueError) as exc:
            raise api_error(
                "auth", "crl_unavailable", "失効リストを読めません", "CRL unavailable", status=503
            ) from exc
        pub = self.ca_cert.public_key()
        # Each CA generation signs its own CRL; the next generation's CA is EC P-384.
        usable = isinstance(pub, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        if not usable or not crl.is_signature_valid(pub):  # type: ignore[arg-type]
            raise api_error(
                "auth", "crl_unavailable", "失効リストの署名が不正です", "CRL signature invalid", status=503
            )
        if crl.next_update_utc is None:
            raise api_error(
                "auth", "crl_unavailable", "失効リストが不正です", "CRL has no nextUpdate", status=503
            )
        return _Crl(key, frozenset(r.serial_number for r in crl), crl.next_update_utc)

    def revoked(self, now: dt.datetime) -> frozenset[int]:
        """:raises AuthError: ``crl_unavailable`` when the CRL cannot be read, verified, or is stale."""
        try:
            st = self.path.stat()
        except OSError as exc:
            raise api_error(
                "auth", "crl_unavailable", "失効リストがありません", "CRL missing", status=503
            ) from exc
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._crl is None or self._crl.key != key:
                self._crl = self._load(key)
            crl = self._crl
        if now > crl.next_update:
            raise api_error("auth", "crl_unavailable", "失効リストの期限切れです", "CRL is stale", status=503)
        return crl.revoked


def _invalid(en: str) -> AuthError:
    return AuthError(f"証明書が不正です / certificate invalid: {en}", code="certificate_invalid", status=401)


def verify_user_certificate(
    der: bytes, ca_cert: x509.Certificate, crl: CrlCache, now: dt.datetime
) -> x509.Certificate:
    """Chain, key usage, policy, validity and CRL of a card's user-authentication certificate.

    :raises AuthError: ``certificate_invalid``, ``certificate_expired``, ``certificate_revoked``,
        ``crl_unavailable``.
    """
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise _invalid("not DER X.509") from exc
    if cert.issuer != ca_cert.subject:
        raise _invalid("unknown issuer")
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise _invalid("not issued by the JPKI user-authentication CA") from exc
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound as exc:
        raise _invalid("key usage or policy missing") from exc
    if not ku.digital_signature or not any(p.policy_identifier == AUTH_POLICY_OID for p in policies):
        # A digital-signature (署名用) certificate must not log in: jpki-card.md §9 policy OIDs.
        raise _invalid("not a user-authentication certificate")
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise _invalid("not an RSA key")
    if now < cert.not_valid_before_utc:
        raise _invalid("not yet valid")
    if now > cert.not_valid_after_utc:
        raise AuthError("証明書の有効期限が切れています / certificate expired", code="certificate_expired")
    if cert.serial_number in crl.revoked(now):
        raise AuthError("証明書は失効しています / certificate revoked", code="certificate_revoked")
    return cert


def verify_signature(cert: x509.Certificate, signature: bytes, message: bytes) -> None:
    """PKCS#1 v1.5 over the SHA-256 DigestInfo of ``message`` (what the card's INTERNAL AUTH produces).

    :raises AuthError: ``signature_invalid``.
    """
    pub = cert.public_key()
    if not isinstance(pub, rsa.RSAPublicKey):
        raise _invalid("not an RSA key")
    try:
        pub.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise AuthError("署名が一致しません / signature invalid", code="signature_invalid") from exc


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
