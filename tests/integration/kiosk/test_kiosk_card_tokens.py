"""The kiosk's card adapter with each token kind over real pcscd + vpcd (issue 11)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fixtures.pcsc import PcscdHandle, serve_virtual_card

from card.pcsc import PcscTransport
from card.profile import CardProfile
from card.virtual.__main__ import make_profile
from kiosk.adapters.card import PcscCard
from kiosk.devices import CardDeviceError

MSG = b"konbini-kiosk-auth-v1\x00CH\x00K0001\x00nonce"


class RecordingTransport(PcscTransport):
    sent: ClassVar[list[bytes]] = []

    def transmit(self, apdu: bytes) -> bytes:
        RecordingTransport.sent.append(apdu[:4])
        return super().transmit(apdu)


@pytest.fixture(scope="module")
def phone() -> CardProfile:
    return make_profile("4321", "PHONE123", "kiosk-phone", "smartphone")


@pytest.fixture(scope="module")
def nextgen() -> CardProfile:
    return make_profile("1234", "ABC123", "kiosk-nextgen", "nextgen")


def test_phone_pin_first(pcscd: PcscdHandle, phone: CardProfile) -> None:
    with serve_virtual_card(phone) as h:
        card = PcscCard(h.reader, transport_factory=RecordingTransport)
        try:
            assert card.token_kind() == "smartphone"
            RecordingTransport.sent.clear()
            with pytest.raises(CardDeviceError) as info:
                card.read_auth_certificate()
            assert info.value.code == "card_pin_required"
            assert bytes.fromhex("00B00000") not in RecordingTransport.sent  # the kiosk did not try
            assert card.verify_pin("4321").ok
            der = card.read_auth_certificate()
            assert der == phone.auth.cert().public_bytes(serialization.Encoding.DER)
            key = phone.auth.cert().public_key()
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(card.sign_auth_message(MSG), MSG, padding.PKCS1v15(), hashes.SHA256())
        finally:
            card.close()


def test_token_itself_refuses_a_read_before_the_pin(pcscd: PcscdHandle, phone: CardProfile) -> None:
    with serve_virtual_card(phone) as h:
        card = PcscCard(h.reader, transport_factory=RecordingTransport, follow_token_rules=False)
        try:
            RecordingTransport.sent.clear()
            with pytest.raises(CardDeviceError) as info:
                card.read_auth_certificate()
            assert info.value.code == "card_pin_required"
            assert bytes.fromhex("00B00000") in RecordingTransport.sent  # sent, and refused by the token
            assert card.verify_pin("4321").ok  # the kiosk recovers on the same connection
            assert card.read_auth_certificate()[:2] == b"\x30\x82"
        finally:
            card.close()


def test_nextgen_signs_ecdsa_p384(pcscd: PcscdHandle, nextgen: CardProfile) -> None:
    with serve_virtual_card(nextgen) as h:
        card = PcscCard(h.reader)
        try:
            assert card.read_auth_certificate()[:2] == b"\x30\x82"
            assert card.verify_pin("1234").ok
            with pytest.raises(CardDeviceError) as info:
                card.sign_auth(bytes(32))  # a SHA-256 digest cannot make its signature
            assert info.value.code == "card_unsupported"
            sig = card.sign_auth_message(MSG)
            assert len(sig) == 96
            key = nextgen.auth.cert().public_key()
            assert isinstance(key, ec.EllipticCurvePublicKey)
            r, s = int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big")
            key.verify(encode_dss_signature(r, s), MSG, ec.ECDSA(hashes.SHA384()))
        finally:
            card.close()


def test_unknown_label_is_card_unsupported(pcscd: PcscdHandle, nextgen: CardProfile) -> None:
    base = make_profile("1234", "ABC123", "kiosk-odd", "card")
    odd = dataclasses.replace(base, token_label="JPKIAPODDTOKEN")
    with serve_virtual_card(odd) as h:
        card = PcscCard(h.reader)
        try:
            with pytest.raises(CardDeviceError) as info:
                card.read_auth_certificate()
            assert info.value.code == "card_unsupported" and "JPKIAPODDTOKEN" in str(info.value.__cause__)
        finally:
            card.close()
