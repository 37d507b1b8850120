"""Test JPKI certificates: the CAs of each generation and the end-entity certificates of a token.

The certificates follow the public profile (docs/card.md, "Certificate profile"): single-tier
self-signed CAs with ``C=JP, O=JPKI(-TEST), OU=JPKI for user authentication|digital signature,
OU=Japan Agency for Local Authority Information Systems``; key usage critical (auth: digitalSignature;
sign: digitalSignature + nonRepudiation); the user-authentication subject carries no name or address
(serial only); the signing certificate carries name, address, birth date and sex as otherName entries
in its subjectAltName.  Today's generations are RSA-2048/sha256RSA; the next-generation CA and tokens
are ECDSA P-384/ecdsa-with-SHA384 (card.nextgen).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from card.errors import ProfileError
from card.keys import PrivateKey, SeededRandom, ec_p384_key, pem_key, rsa_key

__all__ = [
    "AUTH_POLICY_OID",
    "SIGN_POLICY_OID",
    "JpkiCA",
    "Kind",
    "PersonAttributes",
    "ee_cert",
    "make_jpki_ca",
    "pem_cert",
    "signing_hash",
]

AUTH_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
SIGN_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
# otherName type ids of the signing certificate's subjectAltName (docs/card.md).
SAN_NAME = ObjectIdentifier("1.2.392.200149.8.5.5.1")
SAN_SEX = ObjectIdentifier("1.2.392.200149.8.5.5.3")
SAN_BIRTH = ObjectIdentifier("1.2.392.200149.8.5.5.4")
SAN_ADDRESS = ObjectIdentifier("1.2.392.200149.8.5.5.5")

AGENCY_OU = "Japan Agency for Local Authority Information Systems"
Kind = Literal["auth", "sign"]
_KIND_OU: dict[str, str] = {
    "auth": "JPKI for user authentication",
    "sign": "JPKI for digital signature",
}


def signing_hash(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    """The hash a CA of this key signs with: SHA-256 for RSA-2048, SHA-384 for P-384."""
    return hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()


def pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _ca_name(kind: Kind, org: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _KIND_OU[kind]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, AGENCY_OU),
    ])


_JPKI_ALT = x509.DirectoryName(x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公的個人認証サービス"),
]))


@dataclass(frozen=True)
class JpkiCA:
    """One test JPKI CA (user authentication or digital signature) with its key."""

    kind: Kind
    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> str:
        return pem_cert(self.cert)

    @property
    def key_pem(self) -> str:
        return pem_key(self.key)

    @classmethod
    def from_pem(cls, kind: Kind, cert_pem: str, key_pem: str) -> JpkiCA:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ProfileError("CA key is neither RSA nor EC")
        return cls(kind, x509.load_pem_x509_certificate(cert_pem.encode()), key)


def make_jpki_ca(
    kind: Kind,
    *,
    now: dt.datetime | None = None,
    org: str = "JPKI-TEST",
    serial: int = 0x06D18006,
    rng: SeededRandom | None = None,
    years: int = 10,
    algorithm: Literal["rsa", "ec"] = "rsa",
    not_before: dt.datetime | None = None,
) -> JpkiCA:
    """A self-signed single-tier JPKI-shaped CA (docs/card.md).

    ``algorithm="ec"`` makes a next-generation CA (P-384, ecdsa-with-SHA384).  ``not_before`` (default:
    a day before ``now``) lets tests build an older generation, or one that has already expired.
    """
    now = now or dt.datetime.now(dt.UTC)
    key: PrivateKey = ec_p384_key(rng) if algorithm == "ec" else rsa_key(rng)
    start = not_before or now - dt.timedelta(days=1)
    name = _ca_name(kind, org)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1 + 365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.SubjectAlternativeName([_JPKI_ALT]), critical=False)
        .add_extension(
            x509.CRLDistributionPoints([
                x509.DistributionPoint(
                    full_name=[x509.DirectoryName(name)], relative_name=None,
                    reasons=None, crl_issuer=None,
                )
            ]),
            critical=False,
        )
        .sign(key, signing_hash(key))
    )
    return JpkiCA(kind, cert, key)


@dataclass(frozen=True)
class PersonAttributes:
    """The four attributes (基本4情報) that the signing certificate carries; synthetic only."""

    name: str
    address: str
    birth_date: dt.date
    sex: Literal[1, 2, 3]  # 1 male, 2 female, 3 other, as in the certificate profile

    def birth_field(self) -> str:
        # 'E' era digit then Gregorian YYYYMMDD (docs/jpki-card.md §9); era 5 = 令和, 4 = 平成, 3 = 昭和.
        d = self.birth_date
        era = 5 if d >= dt.date(2019, 5, 1) else 4 if d >= dt.date(1989, 1, 8) else 3
        return f"{era}{d:%Y%m%d}"


def _other_name(oid: ObjectIdentifier, text: str) -> x509.OtherName:
    raw = text.encode()
    # DER UTF8String: tag 0x0C, definite length.
    if len(raw) < 0x80:
        der = bytes([0x0C, len(raw)]) + raw
    else:
        n = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
        der = bytes([0x0C, 0x80 | len(n)]) + n + raw
    return x509.OtherName(oid, der)


def ee_cert(
    ca: JpkiCA,
    key: PrivateKey,
    *,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    subject: x509.Name,
    person: PersonAttributes | None,
) -> x509.Certificate:
    sign = ca.kind == "sign"
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=sign, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.CertificatePolicies([
                x509.PolicyInformation(SIGN_POLICY_OID if sign else AUTH_POLICY_OID, None)
            ]),
            critical=True,
        )
        .add_extension(x509.IssuerAlternativeName([_JPKI_ALT]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .add_extension(
            x509.CRLDistributionPoints([
                x509.DistributionPoint(
                    full_name=[x509.DirectoryName(ca.cert.subject)], relative_name=None,
                    reasons=None, crl_issuer=None,
                )
            ]),
            critical=False,
        )
    )
    if sign and person is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([
                _other_name(SAN_NAME, person.name),
                _other_name(SAN_SEX, str(person.sex)),
                _other_name(SAN_BIRTH, person.birth_field()),
                _other_name(SAN_ADDRESS, person.address),
            ]),
            critical=False,
        )
    return builder.sign(ca.key, signing_hash(ca.key))


