"""The center's JPKI trust store: several user-authentication CA generations, each with its own CRL,
and verification of RSA-2048/SHA-256 and ECDSA P-384/SHA-384 signatures over the same message.

Generations (docs/center.md, "CA generations"): the current CA is ``pki/auth-ca.pem`` with its CRL
``pki/auth-crl.pem`` (the original contract); further generations are listed in ``pki/trust.json`` as
``{"generations": [{"name", "cert", "crl"}]}``, paths relative to ``pki/``.  A certificate is accepted
only while the CA that issued it is itself valid: an older CA's cards stay valid until that CA expires,
then the center refuses them with ``ca_expired`` (reason ``issuing_ca_expired``) even if the card's own
certificate still runs.  During a rollover both generations are trusted at once.

Refusal codes (stable, in the OpenAPI document): ``certificate_invalid``, ``certificate_expired``,
``certificate_revoked``, ``ca_expired``, ``key_algorithm_unsupported`` (a key that is neither RSA-2048
nor EC P-384), ``signature_format`` (an ECDSA signature that is not raw r‖s, e.g. DER),
``signature_invalid`` (wrong message, wrong key, or an ECDSA high-s signature), ``crl_unavailable``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from card import nextgen
from card.certs import AUTH_POLICY_OID
from card.errors import SignatureFormatError
from server_stub.errors import AuthError, ConfigError
from server_stub.pki import CrlCache

__all__ = ["Generation", "TrustStore", "verify_auth_signature"]

TRUST_FILE = "trust.json"


@dataclass(frozen=True)
class Generation:
    """One user-authentication CA generation and the CRL it signs."""

    name: str
    cert: x509.Certificate
    crl: CrlCache


def _invalid(en: str, code: str = "certificate_invalid") -> AuthError:
    return AuthError(f"証明書が不正です / certificate invalid: {en}", code=code, status=401)


def _load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"認証局証明書を読めません / cannot read CA certificate {path.name}") from exc


def _check_key(cert: x509.Certificate) -> None:
    """RSA-2048 (today's tokens) or EC P-384 (next generation): anything else is refused."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == nextgen.CURVE.name:
        return
    what = f"EC {key.curve.name}" if isinstance(key, ec.EllipticCurvePublicKey) else type(key).__name__
    if isinstance(key, rsa.RSAPublicKey):
        what = f"RSA-{key.key_size}"
    raise AuthError(f"鍵の方式に対応していません / key algorithm unsupported: {what}",
                    code="key_algorithm_unsupported", status=401)


class TrustStore:
    """The CA generations the center trusts; ``verify`` picks the one that issued a certificate."""

    def __init__(self, generations: list[Generation]) -> None:
        if not generations:
            raise ConfigError("信頼する認証局がありません / no trusted CA")
        self.generations = generations

    @classmethod
    def load(cls, pki_dir: Path) -> TrustStore:
        """``auth-ca.pem``/``auth-crl.pem`` (current) plus the generations of ``trust.json``.

        :raises ConfigError: an unreadable CA certificate or a malformed trust.json.
        """
        current = _load_cert(pki_dir / "auth-ca.pem")
        gens = [Generation("current", current, CrlCache(pki_dir / "auth-crl.pem", current))]
        listing = pki_dir / TRUST_FILE
        if listing.exists():
            try:
                entries = json.loads(listing.read_text(encoding="utf-8"))["generations"]
                for e in entries:
                    cert = _load_cert(pki_dir / str(e["cert"]))
                    gens.append(Generation(str(e["name"]), cert, CrlCache(pki_dir / str(e["crl"]), cert)))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{TRUST_FILE} が不正です / {TRUST_FILE} malformed") from exc
        return cls(gens)

    def check_crls(self, now: dt.datetime) -> None:
        """Read every generation's CRL as an authentication would (the kiosks' health probe).

        :raises CenterError: ``crl_unavailable`` when one is stale, unreadable or rolled back.
        """
        for gen in self.generations:
            gen.crl.revoked(now)

    def issuer_of(self, cert: x509.Certificate) -> Generation:
        """The generation whose key signed ``cert`` (names can repeat across generations, keys do not).

        :raises AuthError: ``certificate_invalid`` when no trusted CA issued it.
        """
        for gen in self.generations:
            if gen.cert.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(gen.cert)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return gen
        raise _invalid("not issued by a trusted JPKI user-authentication CA")

    def verify(self, der: bytes, now: dt.datetime) -> x509.Certificate:
        """Chain, issuing-CA validity, key algorithm, key usage, policy, validity and the CA's CRL.

        :raises AuthError: see the module docstring for the codes.
        """
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise _invalid("not DER X.509") from exc
        gen = self.issuer_of(cert)
        if now > gen.cert.not_valid_after_utc:
            day = gen.cert.not_valid_after_utc.date().isoformat()
            ja = f"発行元の認証局の有効期限（{day}）が切れています"
            raise AuthError(f"{ja} / the issuing CA ({gen.name}) expired on {day}",
                            code="ca_expired", status=401, reason="issuing_ca_expired")
        if now < gen.cert.not_valid_before_utc:
            raise _invalid("issuing CA not yet valid")
        _check_key(cert)
        try:
            ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
        except x509.ExtensionNotFound as exc:
            raise _invalid("key usage or policy missing") from exc
        if not ku.digital_signature or not any(p.policy_identifier == AUTH_POLICY_OID for p in policies):
            raise _invalid("not a user-authentication certificate")
        if now < cert.not_valid_before_utc:
            raise _invalid("not yet valid")
        if now > cert.not_valid_after_utc:
            raise AuthError("証明書の有効期限が切れています / certificate expired",
                            code="certificate_expired")
        if cert.serial_number in gen.crl.revoked(now):
            raise AuthError("証明書は失効しています / certificate revoked", code="certificate_revoked")
        return cert


def verify_auth_signature(cert: x509.Certificate, signature: bytes, message: bytes) -> None:
    """The token's signature over the domain-separated ``message``, in the certificate's algorithm.

    RSA-2048: PKCS#1 v1.5 over SHA-256.  EC P-384: ECDSA over SHA-384, raw r‖s on the wire
    (card.nextgen), low s only, so that a signature has one valid encoding.

    :raises AuthError: ``signature_invalid``, ``signature_format``, ``key_algorithm_unsupported``.
    """
    _check_key(cert)
    key = cert.public_key()
    bad = AuthError("署名が一致しません / signature invalid", code="signature_invalid")
    if isinstance(key, rsa.RSAPublicKey):
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise bad from exc
        return
    assert isinstance(key, ec.EllipticCurvePublicKey)  # _check_key let only RSA and P-384 through
    try:
        der = nextgen.raw_to_der(signature)
    except SignatureFormatError as exc:
        raise AuthError(f"署名の形式が不正です / signature format: {exc}", code="signature_format") from exc
    if not nextgen.is_low_s(signature):
        raise AuthError("署名が一致しません / signature invalid: high s", code="signature_invalid")
    try:
        key.verify(der, message, ec.ECDSA(nextgen.HASH))
    except InvalidSignature as exc:
        raise bad from exc
