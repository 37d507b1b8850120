"""The card-profile file format, and the making of a test token's profile.

A *card profile* is what a virtual JPKI token needs to behave like a real one: the ATR, the token
label (which says the token's kind: card, smartphone or nextgen; card.contract), the PIN and signing
password, and for each of the two JPKI key pairs the end-entity certificate, its private key and the
issuing CA certificate.  A real token never yields its keys; this is test material only, and the file
says so in ``"test_material": true``.  Keys: card.keys; certificates: card.certs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from card import nextgen
from card.certs import (
    AUTH_POLICY_OID,
    SIGN_POLICY_OID,
    JpkiCA,
    PersonAttributes,
    ee_cert,
    make_jpki_ca,
    pem_cert,
)
from card.contract import CLASSIC_ATR, CONTACTLESS_ATR, TOKEN_LABELS, TokenKind
from card.errors import ProfileError
from card.keys import PrivateKey, SeededRandom, ec_p384_key, pem_key, rsa_key

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
    "token_identity",
]

CONTACT_ATR = CLASSIC_ATR
TOKEN_LABEL = "JPKIAPICCTOKEN2"
_IDENTITY: dict[TokenKind, tuple[str, str]] = {
    TokenKind.CARD: (CLASSIC_ATR, TOKEN_LABEL),
    TokenKind.SMARTPHONE: (CONTACTLESS_ATR, "JPKIAPGPSETOKEN"),
    TokenKind.NEXTGEN: (nextgen.ATR, nextgen.TOKEN_LABEL),
}


def token_identity(kind: TokenKind | str) -> tuple[str, str]:
    """(ATR, EF 0006 label) of a virtual token of ``kind``.  :raises ProfileError: no virtual token."""
    try:
        return _IDENTITY[TokenKind(kind)]
    except (KeyError, ValueError) as exc:
        raise ProfileError(f"no virtual token of kind {kind!r}") from exc


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

    def private_key(self) -> PrivateKey:
        key = serialization.load_pem_private_key(self.key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ProfileError("card keys must be RSA or EC")
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

    @property
    def kind(self) -> TokenKind | None:
        """The token kind its label names (None: a label no documented token uses)."""
        return TOKEN_LABELS.get(self.token_label)

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
    kind: TokenKind | str = TokenKind.CARD,
) -> CardProfile:
    """A complete token profile for one synthetic person, both certificates issued by the given CAs.

    ``kind`` sets the ATR and label; ``nextgen`` makes P-384 keys and 10-year certificates and needs
    EC CAs, the other kinds RSA keys and RSA CAs.

    :raises ProfileError: when the PIN or password do not have the card's format, or the CAs' keys do
        not fit the kind.
    """
    atr, label = token_identity(kind)
    ec_token = TokenKind(kind) is TokenKind.NEXTGEN
    for ca in (auth_ca, sign_ca):
        if isinstance(ca.key, ec.EllipticCurvePrivateKey) != ec_token:
            raise ProfileError(f"a {TokenKind(kind).value} token needs {'EC' if ec_token else 'RSA'} CAs")
    now = dt.datetime.now(dt.UTC)
    years = nextgen.CERT_YEARS if ec_token else 5
    not_before = not_before or now - dt.timedelta(days=30)
    not_after = not_after or now + dt.timedelta(days=365 * years)
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
    new_key = ec_p384_key if ec_token else rsa_key
    auth_key, sign_key = new_key(rng_auth), new_key(rng_sign)
    auth_cert = ee_cert(
        auth_ca, auth_key, serial=a_serial, not_before=not_before, not_after=not_after,
        subject=_auth_subject(a_serial), person=None,
    )
    sign_cert = ee_cert(
        sign_ca, sign_key, serial=s_serial, not_before=not_before, not_after=not_after,
        subject=_sign_subject(person, s_serial), person=person,
    )
    profile = CardProfile(
        atr=atr,
        token_label=label,
        pin=pin,
        sign_password=sign_password,
        auth=KeyCert(pem_cert(auth_cert), pem_key(auth_key), auth_ca.cert_pem),
        sign=KeyCert(pem_cert(sign_cert), pem_key(sign_key), sign_ca.cert_pem),
        meta=dict(meta or {}),
    )
    # Round-trip through the validator so a bad PIN fails here, not when the card is served.
    return CardProfile.from_dict(json.loads(profile.to_json()))
