"""Test JPKI material and the card-profile file format.

A *card profile* is what a virtual My Number card needs to behave like a real one: the ATR, the token
label, the PIN and signing password, and for each of the two JPKI key pairs the end-entity
certificate, its private key and the issuing CA certificate.  A real card never yields its keys; this
is test material only, and the file says so in ``"test_material": true``.

The certificates follow the public profile in docs (docs/jpki-card.md §9): single-tier self-signed CAs with
``C=JP, O=JPKI(-TEST), OU=JPKI for user authentication|digital signature, OU=Japan Agency for Local
Authority Information Systems``; RSA-2048, e=65537, sha256RSA; key usage critical (auth:
digitalSignature; sign: digitalSignature + nonRepudiation); the user-authentication subject carries no
name or address (serial only); the signing certificate carries name, address, birth date and sex as
otherName entries in its subjectAltName.

Keys can be made deterministic from a seed (``SeededRandom``) so that ``server_stub init --seed S``
reproduces the same cards; the primes are found with Miller-Rabin over a seeded generator because
``cryptography`` cannot seed its own key generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from card.errors import ProfileError

__all__ = [
    "AUTH_POLICY_OID",
    "CONTACT_ATR",
    "SIGN_POLICY_OID",
    "TOKEN_LABEL",
    "CardProfile",
    "JpkiCA",
    "KeyCert",
    "PersonAttributes",
    "SeededRandom",
    "make_card_profile",
    "make_jpki_ca",
    "rsa_key",
]

CONTACT_ATR = "3BE000FF8131FE4514"
TOKEN_LABEL = "JPKIAPICCTOKEN2"
AUTH_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
SIGN_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
# otherName type ids of the signing certificate's subjectAltName (docs/jpki-card.md §9).
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

def _primes_below(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(range(i * i, limit, i)))
    return [i for i in range(3, limit) if sieve[i]]


_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]
# Odd primes for the incremental sieve of _prime: a sieve bound of 2**15 leaves ~10 % of odd candidates
# (Mertens), against ~15 % for trial division up to 2000, and costs one ``n % p`` per prime per window.
_SIEVE_PRIMES = _primes_below(1 << 15)
_SIEVE_WINDOW = 2048  # odd candidates per window: n, n+2, ..., n+2*(window-1)


class SeededRandom:
    """A reproducible source of big integers (not for production keys, only test cards)."""

    def __init__(self, seed: str | int) -> None:
        digest = hashlib.sha256(f"konbini-test-keys:{seed}".encode()).digest()
        self._rng = random.Random(int.from_bytes(digest, "big"))

    def getrandbits(self, bits: int) -> int:
        return self._rng.getrandbits(bits)

    def child(self, label: str) -> SeededRandom:
        """An independent stream for one purpose, so adding a key elsewhere changes nothing here."""
        return SeededRandom(f"{self._rng.getrandbits(64)}:{label}")


def _is_probable_prime(n: int, rng: SeededRandom, rounds: int = 24) -> bool:
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + rng.getrandbits(n.bit_length() - 2) % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _fermat2(n: int) -> bool:
    # One base-2 Fermat test rejects almost every composite that survives the sieve without drawing
    # from the seeded generator; the seeded Miller-Rabin rounds then run only on likely primes.
    return pow(2, n - 1, n) == 1


def _prime(bits: int, rng: SeededRandom, e: int) -> int:
    """A ``bits``-bit prime p with gcd(p-1, e) = 1, found by an incremental sieve search.

    The start is a seeded random odd number with the top two bits set (so that p*q has exactly
    2*bits bits); candidates n, n+2, ... are sieved against the odd primes below 2**15 in one pass per
    window, then tested with base-2 Fermat and seeded Miller-Rabin.  Deterministic for a given ``rng``.
    """
    top = 1 << bits
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * _SIEVE_WINDOW
        for p in _SIEVE_PRIMES:
            # First index i with start + 2i ≡ 0 (mod p): 2i ≡ -start, i ≡ -start * inv2 (mod p).
            i = (-start * ((p + 1) // 2)) % p
            if i < _SIEVE_WINDOW:
                alive[i::p] = bytearray(len(range(i, _SIEVE_WINDOW, p)))
        for i in range(_SIEVE_WINDOW):
            if not alive[i]:
                continue
            n = start + 2 * i
            if n >= top:
                break
            # 5 Miller-Rabin rounds after trial division give error < 2**-100 for 1024-bit
            # candidates (FIPS 186-4 Table C.2); smaller test keys keep the full default.
            rounds = 5 if bits >= 1024 else 24
            if (n - 1) % e and _fermat2(n) and _is_probable_prime(n, rng, rounds):
                return n


def rsa_key(rng: SeededRandom | None = None, bits: int = 2048) -> rsa.RSAPrivateKey:
    """RSA key with e=65537; deterministic when ``rng`` is given, else from the OS generator."""
    e = 65537
    if rng is None:
        return rsa.generate_private_key(public_exponent=e, key_size=bits)
    while True:
        p = _prime(bits // 2, rng, e)
        q = _prime(bits // 2, rng, e)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def _pem_key(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_cert(cert: x509.Certificate) -> str:
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
    key: rsa.RSAPrivateKey

    @property
    def cert_pem(self) -> str:
        return _pem_cert(self.cert)

    @property
    def key_pem(self) -> str:
        return _pem_key(self.key)

    @classmethod
    def from_pem(cls, kind: Kind, cert_pem: str, key_pem: str) -> JpkiCA:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ProfileError("CA key is not an RSA key")
        return cls(kind, x509.load_pem_x509_certificate(cert_pem.encode()), key)


def make_jpki_ca(
    kind: Kind,
    *,
    now: dt.datetime | None = None,
    org: str = "JPKI-TEST",
    serial: int = 0x06D18006,
    rng: SeededRandom | None = None,
    years: int = 10,
) -> JpkiCA:
    """A self-signed single-tier JPKI-shaped CA (docs/jpki-card.md §9)."""
    now = now or dt.datetime.now(dt.UTC)
    key = rsa_key(rng)
    name = _ca_name(kind, org)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
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
        .sign(key, hashes.SHA256())
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


def _ee_cert(
    ca: JpkiCA,
    key: rsa.RSAPrivateKey,
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
    return builder.sign(ca.key, hashes.SHA256())


@dataclass(frozen=True)
class KeyCert:
    """One key pair of the card: its certificate, private key and issuing CA (all PEM)."""

    cert_pem: str
    key_pem: str
    ca_cert_pem: str

    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    def ca_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.ca_cert_pem.encode())

    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ProfileError("card keys must be RSA")
        return key


_KEYCERT_KEYS = ("cert_pem", "key_pem", "ca_cert_pem")


@dataclass(frozen=True)
class CardProfile:
    """The JSON card profile of docs/architecture.md ("Files the contracts name")."""

    atr: str
    token_label: str
    pin: str
    sign_password: str
    auth: KeyCert
    sign: KeyCert
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["test_material"] = True
        return json.dumps(data, ensure_ascii=False, indent=2)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardProfile:
        try:
            atr = str(data["atr"])
            bytes.fromhex(atr)
            pin, password = str(data["pin"]), str(data["sign_password"])
            auth = KeyCert(*(str(data["auth"][k]) for k in _KEYCERT_KEYS))
            sign = KeyCert(*(str(data["sign"][k]) for k in _KEYCERT_KEYS))
            label = str(data.get("token_label", TOKEN_LABEL))
        except KeyError as exc:
            raise ProfileError(f"card profile is missing the key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            raise ProfileError(f"card profile is malformed: {exc}") from exc
        if not (len(pin) == 4 and pin.isdigit()):
            raise ProfileError("card profile key 'pin' must be 4 digits")
        if not (6 <= len(password) <= 16 and password.isascii() and password.isalnum()):
            raise ProfileError("card profile key 'sign_password' must be 6-16 letters/digits")
        meta = data.get("meta", {})
        if not isinstance(meta, dict):
            raise ProfileError("card profile key 'meta' must be an object")
        return cls(atr.upper(), label, pin, password.upper(), auth, sign, meta)

    @classmethod
    def load(cls, path: str | Path) -> CardProfile:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ProfileError(f"cannot read card profile {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise ProfileError(f"card profile {path} is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ProfileError(f"card profile {path} must be a JSON object")
        return cls.from_dict(data)


def _auth_subject(serial: int) -> x509.Name:
    # The real user-authentication certificate carries only an opaque serial-like CN (no name,
    # address, birth date or sex): docs/jpki-card.md §9.
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{serial:016X}J"),
    ])


def _sign_subject(person: PersonAttributes, serial: int) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Test-shi"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{serial:016X}S"),
    ])


def make_card_profile(
    auth_ca: JpkiCA,
    sign_ca: JpkiCA,
    person: PersonAttributes,
    *,
    pin: str = "1234",
    sign_password: str = "ABC123",
    auth_serial: int | None = None,
    sign_serial: int | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    rng: SeededRandom | None = None,
    meta: dict[str, Any] | None = None,
) -> CardProfile:
    """A complete card profile for one synthetic person, both certificates issued by the given CAs.

    :raises ProfileError: when the PIN or password do not have the card's format.
    """
    now = dt.datetime.now(dt.UTC)
    not_before = not_before or now - dt.timedelta(days=30)
    not_after = not_after or now + dt.timedelta(days=365 * 5)
    rng_auth = rng.child("auth") if rng else None
    rng_sign = rng.child("sign") if rng else None
    serial_src = rng.child("serials") if rng else None

    def _serial(given: int | None) -> int:
        if given is not None:
            return given
        if serial_src is not None:
            return serial_src.getrandbits(63) | 1
        return x509.random_serial_number()

    a_serial, s_serial = _serial(auth_serial), _serial(sign_serial)
    auth_key, sign_key = rsa_key(rng_auth), rsa_key(rng_sign)
    auth_cert = _ee_cert(
        auth_ca, auth_key, serial=a_serial, not_before=not_before, not_after=not_after,
        subject=_auth_subject(a_serial), person=None,
    )
    sign_cert = _ee_cert(
        sign_ca, sign_key, serial=s_serial, not_before=not_before, not_after=not_after,
        subject=_sign_subject(person, s_serial), person=person,
    )
    profile = CardProfile(
        atr=CONTACT_ATR,
        token_label=TOKEN_LABEL,
        pin=pin,
        sign_password=sign_password,
        auth=KeyCert(_pem_cert(auth_cert), _pem_key(auth_key), auth_ca.cert_pem),
        sign=KeyCert(_pem_cert(sign_cert), _pem_key(sign_key), sign_ca.cert_pem),
        meta=dict(meta or {}),
    )
    # Round-trip through the validator so a bad PIN fails here, not when the card is served.
    return CardProfile.from_dict(json.loads(profile.to_json()))
