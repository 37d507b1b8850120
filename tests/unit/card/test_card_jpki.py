"""JPKI client over the in-process virtual card, and over cards that break the spec."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from card.errors import (
    CardError,
    CardProtocolError,
    CardUsageError,
    CertificateFormatError,
    FileNotFoundOnCardError,
    NotJpkiCardError,
    PinBlockedError,
    PinFormatError,
    PinIncorrectError,
    SecurityStatusError,
    StatusWordError,
)
from card.jpki import Ef, JpkiClient, PinStatus, sha256_digest_info
from card.profile import CardProfile
from card.transport import MeteredTransport
from card.virtual.model import VirtualJpkiCard


class Recorder:
    """Records every C-APDU a transmit callable sees."""

    def __init__(self, inner: Callable[[bytes], bytes]) -> None:
        self.inner = inner
        self.sent: list[bytes] = []

    def __call__(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.inner(apdu)


@pytest.fixture
def card(card_profile: CardProfile) -> VirtualJpkiCard:
    return VirtualJpkiCard(card_profile)


@pytest.fixture
def client(card: VirtualJpkiCard) -> JpkiClient:
    c = JpkiClient(card.execute)
    c.select_ap()
    return c


def test_read_certificates(client: JpkiClient, card_profile: CardProfile) -> None:
    assert x509.load_der_x509_certificate(client.read_auth_certificate()) == card_profile.auth.cert()
    assert x509.load_der_x509_certificate(client.read_auth_ca_certificate()) == card_profile.auth.ca_cert()
    assert x509.load_der_x509_certificate(client.read_sign_ca_certificate()) == card_profile.sign.ca_cert()


def test_read_uses_openSC_sequence(card: VirtualJpkiCard) -> None:
    rec = Recorder(card.execute)
    client = JpkiClient(rec)
    client.select_ap()
    der = client.read_auth_certificate()
    size = len(der)
    expected = ["00A4040C0AD392F000260100000001", "00A4020C02000A", "00B0000004"]
    for offset in range(0, size, 256):
        le = min(256, size - offset)
        expected.append(f"00B0{offset:04X}{le % 256:02X}")
    assert [a.hex().upper() for a in rec.sent] == expected


def test_token_label_and_pin_status(client: JpkiClient) -> None:
    assert client.token_label() == "JPKIAPICCTOKEN2"
    assert client.pin_status() == PinStatus(3)
    assert client.pin_status(Ef.SIGN_PASSWORD) == PinStatus(5)


def test_wrong_pin_then_block(client: JpkiClient) -> None:
    with pytest.raises(PinIncorrectError) as first:
        client.verify_pin("9999")
    assert first.value.tries_left == 2
    with pytest.raises(PinIncorrectError):
        client.verify_pin("9999")
    with pytest.raises(PinBlockedError):
        client.verify_pin("9999")  # 63C0
    with pytest.raises(PinBlockedError):
        client.verify_pin("1234")  # 6984
    assert client.pin_status().blocked


def test_correct_pin_resets_and_signs(client: JpkiClient, card_profile: CardProfile) -> None:
    with pytest.raises(PinIncorrectError):
        client.verify_pin("0000")
    client.verify_pin("1234")
    assert client.pin_status().tries_left == 3
    digest = hashlib.sha256(b"challenge").digest()
    sig = client.sign_sha256(digest)
    card_profile.auth.cert().public_key().verify(  # type: ignore[call-arg, union-attr]
        sig, b"challenge", padding.PKCS1v15(), hashes.SHA256())


def test_sign_without_pin_is_typed(client: JpkiClient) -> None:
    with pytest.raises(SecurityStatusError):
        client.sign_sha256(b"\x00" * 32)


def test_sign_password_opens_sign_cert(client: JpkiClient, card_profile: CardProfile) -> None:
    with pytest.raises(SecurityStatusError):
        client.read_sign_certificate()
    client.verify_sign_password(card_profile.sign_password.lower())  # upper-cased like myna
    assert x509.load_der_x509_certificate(client.read_sign_certificate()) == card_profile.sign.cert()
    sig = client.sign_sha256(hashlib.sha256(b"doc").digest(), key=Ef.SIGN_KEY)
    card_profile.sign.cert().public_key().verify(  # type: ignore[call-arg, union-attr]
        sig, b"doc", padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", "", "１２３４"])
def test_pin_format_checked_before_sending(card: VirtualJpkiCard, pin: str) -> None:
    rec = Recorder(card.execute)
    with pytest.raises(PinFormatError):
        JpkiClient(rec).verify_pin(pin)
    assert rec.sent == []


def test_digest_info_helper() -> None:
    di = sha256_digest_info(b"\xab" * 32)
    assert di.hex() == "3031300d060960864801650304020105000420" + "ab" * 32 and len(di) == 51
    with pytest.raises(CardUsageError):
        sha256_digest_info(b"short")


def test_pin_never_logged(card: VirtualJpkiCard, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = JpkiClient(MeteredTransport(card.execute))
    client.select_ap()
    with pytest.raises(PinIncorrectError):
        client.verify_pin("4711")
    client.verify_pin("1234")
    text = caplog.text
    assert "C-APDU 00 20 00 80 Lc=4 <4 bytes redacted>" in text
    for secret in ("4711", "1234", "34 37 31 31", "31 32 33 34", "31323334"):
        assert secret not in text


def test_not_a_jpki_card() -> None:
    client = JpkiClient(lambda apdu: b"\x6a\x82")
    with pytest.raises(NotJpkiCardError):
        client.select_ap()


# -- out-of-spec cards --------------------------------------------------------------------------------


def scripted(cert_file: bytes, *, sw_after: bytes | None = None) -> Callable[[bytes], bytes]:
    """A card whose EF 000A holds ``cert_file``; answers every READ honestly unless ``sw_after``."""

    def transmit(apdu: bytes) -> bytes:
        if apdu[1] == 0xA4:
            return b"\x90\x00"
        if apdu[1] == 0xB0:
            if sw_after is not None and apdu[2:4] != b"\x00\x00":
                return sw_after
            off = (apdu[2] << 8) | apdu[3]
            le = apdu[4] or 256
            return cert_file[off : off + le] + b"\x90\x00"
        return b"\x6d\x00"

    return transmit


def test_cert_not_starting_3082() -> None:
    with pytest.raises(CertificateFormatError):
        JpkiClient(scripted(b"\x04\x82\x01\x00" + b"\x00" * 256)).read_auth_certificate()


def test_cert_oversize() -> None:
    with pytest.raises(CertificateFormatError):
        JpkiClient(scripted(b"\x30\x82\x7f\xf0" + b"\x00" * 300)).read_auth_certificate()


def test_cert_truncated() -> None:
    with pytest.raises(CertificateFormatError):
        JpkiClient(scripted(b"\x30\x82\x04\x00" + b"\x00" * 300)).read_auth_certificate()


def test_unexpected_sw_mid_read() -> None:
    with pytest.raises(StatusWordError) as exc:
        card = scripted(b"\x30\x82\x04\x00" + b"\x00" * 1024, sw_after=b"\x65\x81")
        JpkiClient(card).read_auth_certificate()
    assert exc.value.sw == 0x6581


def test_6b00_and_6282_end_the_read() -> None:
    full = b"\x30\x82\x01\x10" + bytes(range(256)) + b"\x01" * 16
    assert JpkiClient(scripted(full)).read_auth_certificate() == full
    client = JpkiClient(scripted(full, sw_after=b"\x6b\x00"))
    with pytest.raises(CertificateFormatError):
        client.read_auth_certificate()


def test_file_not_found_is_typed() -> None:
    with pytest.raises(FileNotFoundOnCardError):
        JpkiClient(lambda apdu: b"\x6a\x82").select_ef(0x000A)


def test_card_answering_too_much_or_garbage() -> None:
    with pytest.raises(CardProtocolError):
        JpkiClient(lambda apdu: b"\x90").select_ap()
    with pytest.raises(CardProtocolError):
        JpkiClient(lambda apdu: b"\x00" * 300 + b"\x90\x00").read_binary(0, 4)


def test_signature_wrong_length() -> None:
    with pytest.raises(CardProtocolError):
        JpkiClient(lambda apdu: b"\x00" * 128 + b"\x90\x00").sign_sha256(b"\x00" * 32)


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=30))
def test_random_card_answers_only_typed_errors(answers: list[bytes]) -> None:
    it = iter(answers)

    def transmit(apdu: bytes) -> bytes:
        return next(it, b"\x6f\x00")

    client = JpkiClient(transmit)
    for op in (client.select_ap, client.read_auth_certificate, client.token_label, client.pin_status,
               lambda: client.verify_pin("1234"), lambda: client.sign_sha256(b"\x00" * 32)):
        with contextlib.suppress(CardError):
            op()


def test_virtual_card_is_a_card_transport(card_profile: CardProfile) -> None:
    client = JpkiClient(VirtualJpkiCard(card_profile))  # the object itself, via CardTransport.transmit
    client.select_ap()
    assert client.token_label() == "JPKIAPICCTOKEN2"



def test_cert_summary_fields(card_profile: CardProfile) -> None:
    from cryptography.hazmat.primitives import serialization

    from card.cli import cert_summary

    cert = card_profile.auth.cert()
    der = cert.public_bytes(serialization.Encoding.DER)
    summary = cert_summary(der)
    assert summary["serial"] == f"{cert.serial_number:X}"
    assert summary["sha256"] == hashlib.sha256(der).hexdigest()
    assert summary["not_before"].endswith("+00:00") and "T" in summary["not_before"]
    assert "O=JPKI-TEST" in summary["issuer"]
    with pytest.raises(CertificateFormatError):
        cert_summary(b"\x30\x82\x00\x01\x00")
