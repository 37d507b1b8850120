"""Test PKI of the center: kiosk CA and client certificates, the center's TLS certificate, the seal key,
the JPKI user-authentication CRL, and verification of a card's user-authentication certificate.

Keys come from the OS random source.  Only behind the explicit test flag ``init --insecure-seed S``
are they derived from seeded scalars (with RFC 6979 deterministic ECDSA nonces), so a test can
reproduce a PKI; such a data dir must never be deployed, and the seed is not stored.
"""

from __future__ import annotations

import datetime as dt
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

from card.profile import AUTH_POLICY_OID, JpkiCA, SeededRandom
from contracts.center import AUTH_DOMAIN, auth_message
from server_stub.errors import AuthError, ConfigError, api_error

__all__ = [
    "AUTH_DOMAIN",
    "CrlCache",
    "auth_message",
    "crl_number",
    "derive_ec_key",
    "issue_kiosk_cert",
    "load_ec_private",
    "load_ec_public",
    "make_crl",
    "make_ec_ca",
    "make_server_cert",
    "pem",
    "sign_crl",
    "verify_signature",
    "verify_user_certificate",
    "write_key",
]

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551



def derive_ec_key(rng: SeededRandom | None) -> ec.EllipticCurvePrivateKey:
    """A P-256 key: from the OS random source, or (tests only) from ``rng``."""
    if rng is None:
        return ec.generate_private_key(ec.SECP256R1())
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


def _serial(rng: SeededRandom | None) -> int:
    if rng is None:
        return x509.random_serial_number()
    return rng.getrandbits(63) | 1


def make_ec_ca(
    cn: str, rng: SeededRandom | None, now: dt.datetime
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
    rng: SeededRandom | None,
    now: dt.datetime,
    eku: x509.ObjectIdentifier,
    san: list[x509.GeneralName] | None,
    days: int = 825,
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
        .not_valid_after(now + dt.timedelta(days=days))
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
    rng: SeededRandom | None,
    now: dt.datetime,
    *,
    days: int = 90,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A kiosk's TLS client certificate; its CN is the kiosk id (docs/architecture.md
    "Files the contracts name").

    Valid ``days`` (``init --kiosk-cert-days``, default 90): a stolen kiosk key is also revocable on
    the kiosk CRL (``revoke --kiosk``), and a short life bounds the damage if the CRL is not updated.
    """
    return _leaf(kiosk_id, ca, rng, now, ExtendedKeyUsageOID.CLIENT_AUTH, None, days)


def make_server_cert(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], rng: SeededRandom | None, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    san: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    return _leaf("localhost", ca, rng, now, ExtendedKeyUsageOID.SERVER_AUTH, san)


def make_crl(
    ca: JpkiCA, revoked: list[int], now: dt.datetime, *, days: int = 30, number: int = 1
) -> x509.CertificateRevocationList:
    """A user-authentication CA's CRL, listing ``revoked`` serials (signed by that CA: RSA/SHA-256, or
    ECDSA/SHA-384 for a next-generation CA)."""
    return sign_crl(ca.cert.subject, ca.key, revoked, now, days=days, number=number)


def sign_crl(
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    revoked: list[int],
    now: dt.datetime,
    *,
    days: int = 30,
    number: int = 1,
) -> x509.CertificateRevocationList:
    """A CRL with a CRL number (RFC 5280 5.2.3): readers refuse one whose number goes back."""
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(now)
        .next_update(now + dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial in sorted(set(revoked)):
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    # SHA-384 goes with P-384 (the next-generation CA); RSA and the P-256 kiosk CA sign with SHA-256.
    strong = isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384
    return b.sign(key, hashes.SHA384() if strong else hashes.SHA256())


def crl_number(crl: x509.CertificateRevocationList) -> int:
    """The CRL number, 0 when the CRL has none."""
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return 0


@dataclass(frozen=True)
class _Crl:
    key: tuple[int, int, int]
    revoked: frozenset[int]
    next_update: dt.datetime
    number: int
    this_update: dt.datetime


CRL_CLOCK_SKEW = dt.timedelta(minutes=5)


def _crl_refused(ja: str, en: str) -> AuthError:
    exc = api_error("auth", "crl_unavailable", ja, en, status=503)
    assert isinstance(exc, AuthError)
    return exc


class CrlCache:
    """The CRL file, re-read when it changes (``revoke`` rewrites it while centers run).

    The signature is checked against the CA on every load; a CRL that is stale or does not verify makes
    every authentication fail closed (``crl_unavailable``).  So does a *rollback*: once a CRL was
    accepted, a later file whose CRL number or thisUpdate is lower (an older, still-valid CRL put back
    to un-revoke a card) is refused, and so is one dated in the future.
    """

    def __init__(self, path: Path, ca_cert: x509.Certificate) -> None:
        self.path = path
        self.ca_cert = ca_cert
        self._lock = threading.Lock()
        self._crl: _Crl | None = None
        self._high: tuple[int, dt.datetime] | None = None  # highest (number, thisUpdate) accepted

    def _load(self, key: tuple[int, int, int], now: dt.datetime) -> _Crl:
        try:
            crl = x509.load_pem_x509_crl(self.path.read_bytes())
        except (OSError, ValueError) as exc:
            raise _crl_refused("失効リストを読めません", "CRL unavailable") from exc
        pub = self.ca_cert.public_key()
        # Each CA generation signs its own CRL; the next generation's CA is EC P-384.
        usable = isinstance(pub, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        if not usable or not crl.is_signature_valid(pub):  # type: ignore[arg-type]
            raise _crl_refused("失効リストの署名が不正です", "CRL signature invalid")
        if crl.next_update_utc is None:
            raise _crl_refused("失効リストが不正です", "CRL has no nextUpdate")
        number, this_update = crl_number(crl), crl.last_update_utc
        if this_update > now + CRL_CLOCK_SKEW:
            raise _crl_refused("失効リストの発行日時が未来です", "CRL is dated in the future")
        if self._high is not None and (number < self._high[0] or this_update < self._high[1]):
            raise _crl_refused("失効リストが巻き戻されました", "CRL rolled back (older number or date)")
        self._high = (number, this_update)
        return _Crl(key, frozenset(r.serial_number for r in crl), crl.next_update_utc, number, this_update)

    def revoked(self, now: dt.datetime) -> frozenset[int]:
        """:raises AuthError: ``crl_unavailable`` when the CRL cannot be read, verified, or is stale."""
        try:
            st = self.path.stat()
        except OSError as exc:
            raise _crl_refused("失効リストがありません", "CRL missing") from exc
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if self._crl is None or self._crl.key != key:
                self._crl = None
                self._crl = self._load(key, now)
            crl = self._crl
        if now > crl.next_update:
            raise _crl_refused("失効リストの期限切れです", "CRL is stale")
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
        # A digital-signature (署名用) certificate must not log in: docs/jpki-card.md §9 policy OIDs.
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
