"""Token kinds (issue 11): the Android smartphone token, the next-generation card, unknown labels.

Each token is the in-process virtual card speaking APDUs; the JPKI client reads it as it would read a
real one.  Expected values (labels, ATRs, status words, the P-384 order) are written out here, not taken
from the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from card.errors import (
    KeyAlgorithmError,
    PinIncorrectError,
    ProfileError,
    SecurityStatusError,
    SignatureFormatError,
    UnknownTokenError,
    UnsupportedTokenError,
)
from card.jpki import JpkiClient
from card.profile import CardProfile, KeyCert, PersonAttributes, make_card_profile, make_jpki_ca
from card.virtual.__main__ import make_profile
from card.virtual.model import VirtualJpkiCard

P384_N = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
             "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16)
MESSAGE = b"konbini-kiosk-auth-v1\x00CH-1\x00K0001\x00" + bytes(range(32))


@pytest.fixture(scope="module")
def phone() -> CardProfile:
    return make_profile("4321", "PHONE123", "phone-seed", "smartphone")


@pytest.fixture(scope="module")
def nextgen() -> CardProfile:
    return make_profile("1234", "ABC123", "nextgen-seed", "nextgen")


def _client(profile: CardProfile) -> JpkiClient:
    client = JpkiClient(VirtualJpkiCard(profile).execute)
    client.select_ap()
    return client


def test_smartphone_identity(phone: CardProfile) -> None:
    assert phone.token_label == "JPKIAPGPSETOKEN"
    assert phone.atr == "3B8480014A504B491D"  # contactless (PC/SC part 3) ATR, not the contact one
    assert phone.atr != "3BE000FF8131FE4514"
    rules = _client(phone).token_rules()
    assert (rules.kind.value, rules.pin_before_certificate, rules.contactless) == ("smartphone", True, True)


def test_smartphone_certificate_only_after_pin(phone: CardProfile) -> None:
    card = VirtualJpkiCard(phone)
    assert card.execute(bytes.fromhex("00A4040C0AD392F000260100000001")) == b"\x90\x00"
    assert card.execute(bytes.fromhex("00A4020C02000A")) == b"\x90\x00"
    assert card.execute(bytes.fromhex("00B0000004")) == b"\x69\x82"  # security status not satisfied
    client = JpkiClient(card.execute)
    with pytest.raises(SecurityStatusError) as info:
        client.read_auth_certificate()
    assert info.value.sw == 0x6982
    client.verify_pin("4321")  # the phone's own PIN
    der = client.read_auth_certificate()
    assert x509.load_der_x509_certificate(der).serial_number == phone.auth.cert().serial_number


def test_smartphone_has_its_own_pin_and_tries(phone: CardProfile) -> None:
    client = _client(phone)
    assert client.pin_status().tries_left == 3
    with pytest.raises(PinIncorrectError) as info:
        client.verify_pin("1234")  # a card's default PIN is not the phone's
    assert info.value.tries_left == 2


def test_classic_card_still_reads_certificate_without_pin(card_profile: CardProfile) -> None:
    client = _client(card_profile)
    assert client.token_rules().kind.value == "card"
    assert client.read_auth_certificate()[:2] == b"\x30\x82"


def test_nextgen_certificate_and_ecdsa_signature(nextgen: CardProfile) -> None:
    client = _client(nextgen)
    rules = client.token_rules()
    assert (rules.kind.value, rules.key_algorithm.value) == ("nextgen", "ECDSA-P384/SHA-384")
    der = client.read_checked_auth_certificate(rules)
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
    assert cert.signature_hash_algorithm is not None and cert.signature_hash_algorithm.name == "sha384"
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365.25
    assert 9.9 < years < 10.1
    client.verify_pin("1234")
    sig = client.sign_auth_message(MESSAGE, rules)
    assert len(sig) == 96  # raw r||s, not DER
    r, s = int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big")
    assert s <= P384_N // 2  # low-s
    key.verify(encode_dss_signature(r, s), MESSAGE, ec.ECDSA(hashes.SHA384()))
    with pytest.raises(InvalidSignature):
        key.verify(encode_dss_signature(r, s), MESSAGE + b"x", ec.ECDSA(hashes.SHA384()))


def test_nextgen_refuses_the_rsa_command_shape(nextgen: CardProfile) -> None:
    card = VirtualJpkiCard(nextgen)
    client = JpkiClient(card.execute)
    client.select_ap()
    client.verify_pin("1234")
    client.select_ef(0x0017)
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + bytes(32)
    assert card.execute(bytes.fromhex("802A008033") + digest_info + b"\x00")[-2:] == b"\x67\x00"
    assert card.execute(bytes.fromhex("802A038030") + bytes(48) + b"\x00")[-2:] == b"\x6a\x86"


def test_rsa_card_signature_over_the_same_message(card_profile: CardProfile) -> None:
    client = _client(card_profile)
    rules = client.token_rules()
    client.verify_pin(card_profile.pin)
    sig = client.sign_auth_message(MESSAGE, rules)
    key = card_profile.auth.cert().public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("label", ["JPKIAPXYZTOKEN", "JPKIAPICCTOKEN9", ""])
def test_unknown_label_is_a_typed_error_naming_it(card_profile: CardProfile, label: str) -> None:
    profile = dataclasses.replace(card_profile, token_label=label)
    with pytest.raises(UnknownTokenError) as info:
        _client(profile).token_rules()
    assert info.value.label == label and repr(label) in str(info.value)
    assert info.value.code == "card_token_unknown"


def test_iphone_label_is_known_but_refused(card_profile: CardProfile) -> None:
    profile = dataclasses.replace(card_profile, token_label="JPKIAPIOSTOKEN")
    with pytest.raises(UnsupportedTokenError) as info:
        _client(profile).token_rules()
    assert "JPKIAPIOSTOKEN" in str(info.value) and info.value.kind == "iphone"


def test_rsa_certificate_on_a_nextgen_label_is_refused(card_profile: CardProfile) -> None:
    profile = dataclasses.replace(card_profile, token_label="JPKIAPICCTOKEN3")
    client = _client(profile)
    with pytest.raises(KeyAlgorithmError, match="ECDSA-P384"):
        client.read_checked_auth_certificate(client.token_rules())


def _p256_profile(base: CardProfile) -> CardProfile:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "P-256 test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return dataclasses.replace(base, auth=KeyCert(pem, key_pem, pem))


def test_curve_other_than_p384_is_refused(nextgen: CardProfile) -> None:
    client = _client(_p256_profile(nextgen))
    with pytest.raises(KeyAlgorithmError, match="secp256r1"):
        client.read_checked_auth_certificate(client.token_rules())


def test_der_signature_where_raw_is_expected_is_refused(nextgen: CardProfile) -> None:
    card = VirtualJpkiCard(nextgen)

    def der_answering(apdu: bytes) -> bytes:
        answer = card.execute(apdu)
        if apdu[:2] == b"\x80\x2a" and answer[-2:] == b"\x90\x00":  # re-encode r||s as DER
            raw = answer[:-2]
            der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
            return der + b"\x90\x00"
        return answer

    client = JpkiClient(der_answering)
    client.select_ap()
    client.verify_pin("1234")
    with pytest.raises(SignatureFormatError, match="DER"):
        client.sign_auth_message(MESSAGE, client.token_rules())


def test_nextgen_profile_needs_ec_cas() -> None:
    person = PersonAttributes("見本　太郎", "東京都見本市見本町1番", dt.date(1990, 1, 1), 1)
    rsa_ca = make_jpki_ca("auth")
    with pytest.raises(ProfileError, match="EC"):
        make_card_profile(rsa_ca, make_jpki_ca("sign"), person, kind="nextgen")


@pytest.mark.parametrize(("kind", "label", "atr"), [
    ("card", "JPKIAPICCTOKEN2", "3BE000FF8131FE4514"),
    ("smartphone", "JPKIAPGPSETOKEN", "3B8480014A504B491D"),
    ("nextgen", "JPKIAPICCTOKEN3", "3BE000FF8131FE4514"),
])
def test_cli_profile_kind(tmp_path: Path, kind: str, label: str, atr: str) -> None:
    out = tmp_path / "p.json"
    subprocess.run([sys.executable, "-m", "card.virtual", "profile", "--kind", kind, "--out", str(out),
                    "--seed", "cli"], check=True, capture_output=True)
    data = json.loads(out.read_text())
    assert (data["token_label"], data["atr"]) == (label, atr)
    cert = x509.load_pem_x509_certificate(data["auth"]["cert_pem"].encode())
    want = ec.EllipticCurvePublicKey if kind == "nextgen" else rsa.RSAPublicKey
    assert isinstance(cert.public_key(), want)


def test_cli_profile_refuses_iphone(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "card.virtual", "profile", "--kind", "iphone", "--out",
                           str(tmp_path / "p.json")], check=False, capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
