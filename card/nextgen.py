"""The next-generation My Number card: every assumption about its interface, in this one module.

What is public (task-force report of 2024-03-18): ECDSA P-384 with SHA-384 instead of RSA-2048 with
SHA-256, certificates valid 10 years instead of 5, and fewer applets.  What is NOT public is its APDU
interface.  Everything below is therefore a design choice made "closest to today's JPKI AP", and each
one is listed as UNCONFIRMED in docs/card.md.  When the real interface is published, correct the
constants and the two codec functions here; the virtual card (card.virtual.model), the reader
(card.jpki) and the center (server_stub.trust) all take their nextgen behaviour from this module.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from card.errors import SignatureFormatError
from card.keys import P384_ORDER

__all__ = [
    "ATR",
    "CERT_YEARS",
    "CURVE",
    "HASH",
    "HASH_LEN",
    "SIGNATURE_FORMAT",
    "SIGNATURE_LEN",
    "SIGN_P1",
    "TOKEN_LABEL",
    "der_to_raw",
    "is_low_s",
    "raw_to_der",
]

# UNCONFIRMED: the label in EF 0006.  Today's card says JPKIAPICCTOKEN2; we assume the next generation
# bumps the suffix, as the 住基 card -> My Number card change did (JPKIAPICCTOKEN -> ...TOKEN2).
TOKEN_LABEL = "JPKIAPICCTOKEN3"
# UNCONFIRMED: the contact ATR.  We assume it is unchanged (OpenSC would then bind it as JPKI at once).
ATR = "3BE000FF8131FE4514"
# UNCONFIRMED: AID and EF numbers are today's (auth cert 000A, auth CA 000B, auth key 0017, PIN 0018,
# sign cert 0001, sign CA 0002, sign key 001A, password 001B); nothing here overrides them.
CURVE: ec.EllipticCurve = ec.SECP384R1()  # public (task-force report)
HASH: hashes.HashAlgorithm = hashes.SHA384()  # public
HASH_LEN = 48
CERT_YEARS = 10  # public
# UNCONFIRMED: COMPUTE DIGITAL SIGNATURE is today's `80 2A 00 80 Lc data 00` with P1 = 00 meaning
# "the data as given": for ECDSA there is no padding, so the data is the 48-byte SHA-384 hash.
SIGN_P1 = 0x00
# UNCONFIRMED: the signature on the wire is the plain r‖s concatenation (BSI TR-03111 "plain" format,
# 48 + 48 bytes), not a DER SEQUENCE.  Most ISO 7816-8 ECDSA cards answer plain r‖s.
SIGNATURE_FORMAT = "raw"
SIGNATURE_LEN = 96
# UNCONFIRMED: the card answers low-s signatures (s <= n/2).  The center refuses high-s signatures so
# that one signature has exactly one valid encoding; a card that answers high-s would need s -> n - s here.


def raw_to_der(raw: bytes) -> bytes:
    """Plain r‖s (96 bytes) to the DER ``ECDSA-Sig-Value`` that ``cryptography`` verifies.

    :raises SignatureFormatError: when ``raw`` is not 96 bytes (a DER signature is 102-104 bytes and
        starts with 30: it is refused, never converted, because the format is part of the contract).
    """
    if len(raw) != SIGNATURE_LEN:
        hint = " (looks like DER)" if raw[:1] == b"\x30" else ""
        raise SignatureFormatError(f"ECDSA signature of {len(raw)} bytes, expected raw r||s of 96{hint}")
    r, s = int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")
    if not (0 < r < P384_ORDER and 0 < s < P384_ORDER):
        raise SignatureFormatError("ECDSA signature r or s out of range")
    return encode_dss_signature(r, s)


def der_to_raw(der: bytes, *, low_s: bool = True) -> bytes:
    """DER ``ECDSA-Sig-Value`` to plain r‖s, with s normalised to the low half when ``low_s``."""
    r, s = decode_dss_signature(der)
    if low_s and s > P384_ORDER // 2:
        s = P384_ORDER - s
    return r.to_bytes(48, "big") + s.to_bytes(48, "big")


def is_low_s(raw: bytes) -> bool:
    """Is the s half of a raw r‖s signature in the low half of the group order?"""
    return int.from_bytes(raw[48:], "big") <= P384_ORDER // 2
