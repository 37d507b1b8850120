"""The center's trust store (server_stub.trust): CA generations, CRL per CA, RSA and ECDSA signatures.

CAs and tokens are made here with unseeded keys; the expected refusal codes are the API's, written out.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from card.certs import ee_cert
from card.profile import CardProfile, JpkiCA, PersonAttributes, make_card_profile, make_jpki_ca
from server_stub.errors import AuthError
from server_stub.pki import auth_message, make_crl
from server_stub.trust import TrustStore, verify_auth_signature

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
P384_N = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
             "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16)
PERSON = PersonAttributes("見本　次郎", "東京都見本市見本町2番", dt.date(1980, 2, 2), 1)
MSG = auth_message("CH-1", "K0001", bytes(32))


def _gen(tmp: Path, name: str, *, start_years_ago: float, years: int,
         alg: str = "rsa") -> tuple[JpkiCA, JpkiCA]:
    start = NOW - dt.timedelta(days=round(365 * start_years_ago))
    algorithm = "ec" if alg == "ec" else "rsa"
    auth = make_jpki_ca("auth", now=NOW, years=years, not_before=start, algorithm=algorithm,
                        org=f"JPKI-TEST-{name}")
    sign = make_jpki_ca("sign", now=NOW, years=years, not_before=start, algorithm=algorithm,
                        org=f"JPKI-TEST-{name}")
    return auth, sign


def _write_store(tmp: Path, current: JpkiCA, others: dict[str, JpkiCA],
                 revoked: dict[str, list[int]] | None = None) -> TrustStore:
    revoked = revoked or {}
    (tmp / "auth-ca.pem").write_text(current.cert_pem)
    (tmp / "auth-crl.pem").write_bytes(
        make_crl(current, revoked.get("current", []), NOW).public_bytes(serialization.Encoding.PEM))
    listing = []
    for name, ca in others.items():
        (tmp / f"auth-ca-{name}.pem").write_text(ca.cert_pem)
        (tmp / f"auth-crl-{name}.pem").write_bytes(
            make_crl(ca, revoked.get(name, []), NOW).public_bytes(serialization.Encoding.PEM))
        listing.append({"name": name, "cert": f"auth-ca-{name}.pem", "crl": f"auth-crl-{name}.pem"})
    (tmp / "trust.json").write_text(json.dumps({"generations": listing}))
    return TrustStore.load(tmp)


def _token(cas: tuple[JpkiCA, JpkiCA], kind: str = "card", serial: int | None = None) -> CardProfile:
    return make_card_profile(*cas, PERSON, kind=kind, auth_serial=serial,
                             not_before=NOW - dt.timedelta(days=30), not_after=NOW + dt.timedelta(days=365))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("trust")
    current = _gen(tmp, "CUR", start_years_ago=1, years=10)
    old = _gen(tmp, "OLD", start_years_ago=9, years=10)
    expired = _gen(tmp, "EXP", start_years_ago=10.2, years=10)
    nxt = _gen(tmp, "NEXT", start_years_ago=0, years=20, alg="ec")
    return {"tmp": tmp, "current": current, "old": old, "expired": expired, "nextgen": nxt}


def _store(world: dict[str, object], sub: str, revoked: dict[str, list[int]] | None = None) -> TrustStore:
    tmp = world["tmp"] / sub  # type: ignore[operator]
    tmp.mkdir()
    return _write_store(tmp, world["current"][0], {  # type: ignore[index]
        n: world[n][0] for n in ("old", "expired", "nextgen")}, revoked)  # type: ignore[index]


def _der(p: CardProfile) -> bytes:
    return p.auth.cert().public_bytes(serialization.Encoding.DER)


def test_rollover_accepts_old_and_current_refuses_expired_ca(world: dict[str, object]) -> None:
    store = _store(world, "rollover")
    for gen in ("current", "old", "nextgen"):
        p = _token(world[gen], "nextgen" if gen == "nextgen" else "card")  # type: ignore[arg-type]
        assert store.verify(_der(p), NOW).serial_number == p.auth.cert().serial_number
    p = _token(world["expired"])  # type: ignore[arg-type]
    assert p.auth.cert().not_valid_after_utc > NOW  # the card's own certificate still runs
    with pytest.raises(AuthError) as info:
        store.verify(_der(p), NOW)
    assert (info.value.error_code, info.value.reason) == ("ca_expired", "issuing_ca_expired")
    # The old CA's cards stay valid until the old CA itself expires, and not a day longer.
    p_old = _token(world["old"])  # type: ignore[arg-type]
    old_ca_end = world["old"][0].cert.not_valid_after_utc  # type: ignore[index]
    with pytest.raises(AuthError) as info:
        store.verify(_der(p_old), old_ca_end + dt.timedelta(seconds=1))
    assert info.value.error_code == "ca_expired"


def test_crl_per_ca(world: dict[str, object]) -> None:
    serial = 0x1234567
    store = _store(world, "crl", revoked={"old": [serial]})
    old_card = _token(world["old"], serial=serial)  # type: ignore[arg-type]
    cur_card = _token(world["current"], serial=serial)  # type: ignore[arg-type]
    with pytest.raises(AuthError) as info:
        store.verify(_der(old_card), NOW)
    assert info.value.error_code == "certificate_revoked"
    # The same serial from another CA is another certificate: the old CA's CRL does not touch it.
    assert store.verify(_der(cur_card), NOW).serial_number == serial


def test_rsa_and_ecdsa_signatures_over_the_same_message(world: dict[str, object]) -> None:
    rsa_card = _token(world["current"])  # type: ignore[arg-type]
    key = rsa_card.auth.private_key()
    assert isinstance(key, rsa.RSAPrivateKey)
    verify_auth_signature(rsa_card.auth.cert(), key.sign(MSG, padding.PKCS1v15(), hashes.SHA256()), MSG)
    ec_card = _token(world["nextgen"], "nextgen")  # type: ignore[arg-type]
    ekey = ec_card.auth.private_key()
    assert isinstance(ekey, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(ekey.sign(MSG, ec.ECDSA(hashes.SHA384())))
    s = min(s, P384_N - s)
    raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    verify_auth_signature(ec_card.auth.cert(), raw, MSG)
    for bad_msg in (MSG + b"!", auth_message("CH-1", "K0002", bytes(32))):
        with pytest.raises(AuthError) as info:
            verify_auth_signature(ec_card.auth.cert(), raw, bad_msg)
        assert info.value.error_code == "signature_invalid"
    high = r.to_bytes(48, "big") + (P384_N - s).to_bytes(48, "big")  # also a valid ECDSA signature
    with pytest.raises(AuthError) as info:
        verify_auth_signature(ec_card.auth.cert(), high, MSG)
    assert info.value.error_code == "signature_invalid"
    with pytest.raises(AuthError) as info:
        verify_auth_signature(ec_card.auth.cert(), encode_dss_signature(r, s), MSG)  # DER, not raw
    assert info.value.error_code == "signature_format"
    with pytest.raises(AuthError) as info:  # an RSA signature is not an ECDSA one
        verify_auth_signature(ec_card.auth.cert(), bytes(256), MSG)
    assert info.value.error_code == "signature_format"


def test_curve_other_than_p384_is_refused(world: dict[str, object]) -> None:
    store = _store(world, "curve")
    ca = world["nextgen"][0]  # type: ignore[index]
    p256 = ec.generate_private_key(ec.SECP256R1())
    cert = ee_cert(ca, p256, serial=77, not_before=NOW - dt.timedelta(days=1),
                   not_after=NOW + dt.timedelta(days=1),
                   subject=world["nextgen"][0].cert.subject, person=None)  # type: ignore[index]
    with pytest.raises(AuthError) as info:
        store.verify(cert.public_bytes(serialization.Encoding.DER), NOW)
    assert info.value.error_code == "key_algorithm_unsupported"
    with pytest.raises(AuthError) as info:
        verify_auth_signature(cert, bytes(64), MSG)
    assert info.value.error_code == "key_algorithm_unsupported"


def test_unknown_ca_is_refused(world: dict[str, object]) -> None:
    store = _store(world, "rogue")
    rogue = _gen(world["tmp"], "CUR", start_years_ago=1, years=10)  # type: ignore[arg-type]
    with pytest.raises(AuthError) as info:
        store.verify(_der(_token(rogue)), NOW)
    assert info.value.error_code == "certificate_invalid"
