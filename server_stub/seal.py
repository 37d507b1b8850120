"""The digital seal: a COSE_Sign1 (RFC 9052, ES256) over a compact CBOR claim set, as QR text.

Sans-IO: bytes and keys in, strings and claims out.  The wire form is ``KJ1:`` + Base45(zlib(COSE))
(docs/document-content.md "The seal string", docs/seal.md).  The claims bind the paper to its content:
besides the identifying fields they carry the SHA-256 of the canonical content JSON, so any change to
what the page shows changes the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from server_stub.base45 import b45decode, b45encode
from server_stub.errors import SealError

__all__ = [
    "PREFIX",
    "SealClaims",
    "canonical_json",
    "content_digest",
    "key_id",
    "open_seal",
    "read_seal",
    "seal_document",
]

PREFIX = "KJ1:"
MAX_SEAL_CHARS = 2500  # a version-25 alphanumeric QR holds ~1,850; anything longer is not ours
MAX_COSE_BYTES = 4096
COSE_TAG = 18  # RFC 9052 §4.2: COSE_Sign1 tag
ALG_ES256 = -7
HDR_ALG, HDR_KID = 1, 4
# Claim keys (small integers keep the QR small); docs/seal.md lists them.
K_VERSION, K_SEAL_ID, K_TYPE, K_MUNI, K_DATE, K_ISSUE_NO, K_HOLDER, K_NAME, K_DIGEST, K_COPY = range(1, 11)


_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HALF_ORDER = _P256_ORDER // 2


def canonical_json(content: dict[str, Any]) -> bytes:
    """The canonical form the digest covers: UTF-8 JSON, sorted keys, no insignificant whitespace."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_digest(content: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json(content)).digest()


def key_id(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """First 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER: names the key in the COSE header."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:8]


@dataclass(frozen=True)
class SealClaims:
    """What the seal asserts about one printed document."""

    seal_id: str
    certificate: str
    municipality: str
    issued_date: dt.date
    issue_number: str
    holder: str
    holder_name: str
    digest: bytes
    copy: tuple[int, int] = (1, 1)  # this copy's number and the order's copy count

    def to_cbor_map(self) -> dict[int, Any]:
        return {
            K_VERSION: 1,
            K_SEAL_ID: self.seal_id,
            K_TYPE: self.certificate,
            K_MUNI: self.municipality,
            K_DATE: self.issued_date.isoformat(),
            K_ISSUE_NO: self.issue_number,
            K_HOLDER: self.holder,
            K_NAME: self.holder_name,
            K_DIGEST: self.digest,
            K_COPY: list(self.copy),
        }

    @classmethod
    def from_cbor_map(cls, m: Any) -> SealClaims:
        if not isinstance(m, Mapping) or m.get(K_VERSION) != 1:
            raise SealError("封印の形式が不正です / unknown seal claim set", code="seal_malformed")
        try:
            claims = cls(
                seal_id=_str(m[K_SEAL_ID]),
                certificate=_str(m[K_TYPE]),
                municipality=_str(m[K_MUNI]),
                issued_date=dt.date.fromisoformat(_str(m[K_DATE])),
                issue_number=_str(m[K_ISSUE_NO]),
                holder=_str(m[K_HOLDER]),
                holder_name=_str(m[K_NAME]),
                digest=bytes(m[K_DIGEST]),
                copy=(int(m[K_COPY][0]), int(m[K_COPY][1])),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise SealError(
                "封印の項目が不正です / seal claim missing or malformed", code="seal_malformed"
            ) from exc
        if len(claims.digest) != 32:
            raise SealError("封印の項目が不正です / seal digest has the wrong size", code="seal_malformed")
        return claims

    def to_json(self) -> dict[str, Any]:
        return {
            "seal_id": self.seal_id,
            "certificate": self.certificate,
            "municipality": self.municipality,
            "issued_date": self.issued_date.isoformat(),
            "issue_number": self.issue_number,
            "holder": self.holder,
            "holder_name": self.holder_name,
            "content_sha256": self.digest.hex(),
            "copy": f"{self.copy[0]}/{self.copy[1]}",
        }


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError("expected text")
    return v


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    # RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload].
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal_document(claims: SealClaims, key: ec.EllipticCurvePrivateKey) -> str:
    """Sign ``claims`` with the center's P-256 key; return the QR text ``KJ1:...``."""
    protected = cbor2.dumps({HDR_ALG: ALG_ES256})
    payload = cbor2.dumps(claims.to_cbor_map())
    der = key.sign(_sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    if s > _HALF_ORDER:
        s = _P256_ORDER - s  # low-s form: (r, n - s) is the same signature; readers accept only this one
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # RFC 9053 §2.1: fixed-size r || s
    cose = cbor2.dumps(
        cbor2.CBORTag(COSE_TAG, [protected, {HDR_KID: key_id(key.public_key())}, payload, signature])
    )
    return PREFIX + b45encode(zlib.compress(cose, 9))


def _decode_cose(text: str) -> list[Any]:
    if len(text) > MAX_SEAL_CHARS:
        raise SealError("封印が長すぎます / seal text too long", code="seal_malformed")
    if not text.startswith(PREFIX):
        raise SealError("封印の形式が不正です / not a KJ1 seal", code="seal_malformed")
    raw = b45decode(text[len(PREFIX) :])
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(raw, MAX_COSE_BYTES)
    except zlib.error as exc:
        raise SealError("封印を展開できません / seal is not zlib data", code="seal_malformed") from exc
    if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
        # unused_data: bytes after the end of the zlib stream (docs/seal.md refuses them).
        raise SealError(
            "封印が長すぎるか不完全です / seal data oversized or truncated", code="seal_malformed"
        )
    try:
        obj = cbor2.loads(cose)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise SealError("封印を解読できません / seal is not CBOR", code="seal_malformed") from exc
    # cbor2 decodes arrays inside tags as tuples and maps as frozendicts.
    if not (
        isinstance(obj, cbor2.CBORTag)
        and obj.tag == COSE_TAG
        and isinstance(obj.value, (list, tuple))
        and len(obj.value) == 4
    ):
        raise SealError("封印が COSE_Sign1 ではありません / seal is not COSE_Sign1", code="seal_malformed")
    protected, _unprotected, payload, signature = obj.value
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise SealError("封印の構造が不正です / COSE_Sign1 fields malformed", code="seal_malformed")
    return list(obj.value)


def read_seal(text: str) -> SealClaims:
    """Decode the claims WITHOUT checking the signature (for display only; use :func:`open_seal`).

    :raises SealError: when the text is not a well-formed KJ1 seal.
    """
    _protected, _unprotected, payload, _sig = _decode_cose(text)
    try:
        return SealClaims.from_cbor_map(cbor2.loads(payload))
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise SealError(
            "封印の項目を解読できません / seal payload is not CBOR", code="seal_malformed"
        ) from exc


def open_seal(text: str, public_key: ec.EllipticCurvePublicKey) -> SealClaims:
    """Verify the seal's ES256 signature against the center's key and return its claims.

    :raises SealError: ``seal_malformed`` for bad encoding, ``seal_signature_invalid`` when the
        signature does not verify (tampered or another key).
    """
    protected, _unprotected, payload, signature = _decode_cose(text)
    try:
        header = cbor2.loads(protected)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise SealError("封印のヘッダが不正です / bad protected header", code="seal_malformed") from exc
    if not isinstance(header, Mapping) or header.get(HDR_ALG) != ALG_ES256 or len(signature) != 64:
        raise SealError("署名方式が不正です / seal algorithm is not ES256", code="seal_malformed")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if s > _HALF_ORDER:
        # Malleability: (r, n - s) verifies too.  Only the low-s form is a valid seal, so one document
        # has exactly one seal text.
        raise SealError(
            "封印の署名が正規形ではありません / seal signature is not low-s", code="seal_signature_invalid"
        )
    der = encode_dss_signature(r, s)
    try:
        public_key.verify(der, _sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise SealError(
            "封印の署名が一致しません / seal signature does not verify", code="seal_signature_invalid"
        ) from exc
    return read_seal(text)
