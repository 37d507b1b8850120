"""The COSE_Sign1 seal: round trip, tampering, another key, size, hostile input."""

from __future__ import annotations

import datetime as dt
import zlib

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from server_stub.base45 import b45decode, b45encode
from server_stub.errors import SealError
from server_stub.seal import PREFIX, SealClaims, content_digest, open_seal, read_seal, seal_document

KEY = ec.derive_private_key(123456789, ec.SECP256R1())
CONTENT = {"schema": "konbini-doc/1", "type": "juminhyo", "body": {"persons": [{"name": "見本　太郎"}]}}
CLAIMS = SealClaims(
    seal_id="S-abcdefghijklmnopqrstuvwx",
    certificate="juminhyo",
    municipality="139991",
    issued_date=dt.date(2026, 11, 25),
    issue_number="20261125 見本市 K0001 000123",
    holder="R00001",
    holder_name="見本　太郎",
    digest=content_digest(CONTENT),
)


def test_round_trip_and_fits_a_qr_code() -> None:
    text = seal_document(CLAIMS, KEY)
    assert text.startswith(PREFIX)
    assert open_seal(text, KEY.public_key()) == CLAIMS
    assert len(text) < 600  # well inside a version-15 alphanumeric QR code (ECC M holds ~ 1,000 chars)
    assert set(text[4:]) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_digest_covers_every_displayed_value() -> None:
    changed = {**CONTENT, "body": {"persons": [{"name": "見本　次郎"}]}}
    assert content_digest(changed) != CLAIMS.digest
    # Key order does not matter (canonical JSON).
    assert content_digest(dict(reversed(list(CONTENT.items())))) == CLAIMS.digest


def _cose(text: str) -> list:
    return list(cbor2.loads(zlib.decompress(b45decode(text[4:]))).value)


def _pack(parts: list) -> str:
    return PREFIX + b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, parts))))


def test_tampered_payload_fails() -> None:
    parts = _cose(seal_document(CLAIMS, KEY))
    payload = cbor2.loads(parts[2])
    payload = dict(payload)
    payload[7] = "R99999"  # another holder
    parts[2] = cbor2.dumps(payload)
    with pytest.raises(SealError) as e:
        open_seal(_pack(parts), KEY.public_key())
    assert e.value.error_code == "seal_signature_invalid"
    assert read_seal(_pack(parts)).holder == "R99999"  # decodable, but not genuine


def test_other_key_and_wrong_algorithm() -> None:
    other = ec.derive_private_key(987654321, ec.SECP256R1())
    with pytest.raises(SealError) as e:
        open_seal(seal_document(CLAIMS, other), KEY.public_key())
    assert e.value.error_code == "seal_signature_invalid"
    parts = _cose(seal_document(CLAIMS, KEY))
    parts[0] = cbor2.dumps({1: -8})  # EdDSA header: not what we accept
    with pytest.raises(SealError):
        open_seal(_pack(parts), KEY.public_key())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "KJ1:",
        "KJ2:ABC",
        "KJ1:" + "A" * 3000,
        PREFIX + b45encode(zlib.compress(b"\x00" * 100_000)),
        PREFIX + b45encode(zlib.compress(cbor2.dumps([1, 2, 3]))),
        PREFIX + b45encode(b"not zlib"),
    ],
)
def test_malformed_seals(text: str) -> None:
    with pytest.raises(SealError):
        open_seal(text, KEY.public_key())


@settings(max_examples=60)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for text in (PREFIX + b45encode(data), PREFIX + b45encode(zlib.compress(data))):
        with pytest.raises(SealError):
            open_seal(text, KEY.public_key())


# Issue 12: the decoder is strict.  n is the order of P-256 (SEC 2, not taken from the code).
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def test_bytes_after_the_zlib_stream_are_refused() -> None:
    text = seal_document(CLAIMS, KEY)
    raw = b45decode(text[len(PREFIX) :])
    assert open_seal(text, KEY.public_key()) == CLAIMS
    padded = PREFIX + b45encode(raw + b"\x00junk")
    with pytest.raises(SealError) as e:
        open_seal(padded, KEY.public_key())
    assert e.value.error_code == "seal_malformed"


def _high_s(text: str) -> str:
    tag = cbor2.loads(zlib.decompress(b45decode(text[len(PREFIX) :])))
    protected, unprotected, payload, sig = tag.value
    s = int.from_bytes(sig[32:], "big")
    flipped = sig[:32] + (P256_N - s).to_bytes(32, "big")
    cose = cbor2.dumps(cbor2.CBORTag(tag.tag, [protected, dict(unprotected), payload, flipped]))
    return PREFIX + b45encode(zlib.compress(cose, 9))


def test_only_low_s_signatures_are_issued_and_accepted() -> None:
    for i in range(16):  # each signature has a random nonce: about half would be high-s if not normalized
        text = seal_document(CLAIMS, KEY)
        sig = cbor2.loads(zlib.decompress(b45decode(text[len(PREFIX) :]))).value[3]
        assert int.from_bytes(sig[32:], "big") <= P256_N // 2, i
        with pytest.raises(SealError) as e:
            open_seal(_high_s(text), KEY.public_key())  # (r, n - s) verifies mathematically
        assert e.value.error_code == "seal_signature_invalid"
