"""The real stack: pyscard → pcscd → vpcd → virtual card (card/pcsc.py + card/jpki.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from fixtures.pcsc import PcscdHandle, VirtualCardHandle, serve_virtual_card

from card.errors import (
    CardRemovedError,
    CardTimeoutError,
    NoCardError,
    PinBlockedError,
    PinIncorrectError,
    ReaderUnavailableError,
    SecurityStatusError,
)
from card.jpki import JpkiClient
from card.pcsc import CardMonitor, PcscTransport, find_reader, list_readers, wait_for_card
from card.profile import CardProfile

pytestmark = pytest.mark.pcsc


def test_readers_listed(pcscd: PcscdHandle) -> None:
    readers = list_readers()
    assert "Virtual PCD 00 00" in readers and "Virtual PCD 00 01" in readers
    assert find_reader(readers, "pcd 00 01") == "Virtual PCD 00 01"
    with pytest.raises(ReaderUnavailableError):
        find_reader(readers, "no such reader")


def test_read_certificate_and_pin_status(virtual_card: VirtualCardHandle, card_profile: CardProfile) -> None:
    with PcscTransport(virtual_card.reader) as transport:
        assert transport.atr == bytes.fromhex("3BE000FF8131FE4514")
        client = JpkiClient(transport)
        client.select_ap()
        assert x509.load_der_x509_certificate(client.read_auth_certificate()) == card_profile.auth.cert()
        assert client.token_label() == "JPKIAPICCTOKEN2"
        assert client.pin_status().tries_left == 3


def test_wrong_pin_tries_lock_and_reset(virtual_card: VirtualCardHandle) -> None:
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        with pytest.raises(PinIncorrectError) as exc:
            client.verify_pin("0000")
        assert exc.value.tries_left == 2
        client.verify_pin("1234")  # correct PIN resets the counter
        assert client.pin_status().tries_left == 3
        for left in (2, 1):
            with pytest.raises(PinIncorrectError) as exc:
                client.verify_pin("0000")
            assert exc.value.tries_left == left
        with pytest.raises(PinBlockedError):
            client.verify_pin("0000")
        with pytest.raises(PinBlockedError):
            client.verify_pin("1234")
        assert client.pin_status().blocked


def test_sign_and_verify_with_certificate(virtual_card: VirtualCardHandle) -> None:
    message = b"konbini-kiosk-auth-v1\x00challenge\x00kiosk-1\x00" + bytes(32)
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        cert = x509.load_der_x509_certificate(client.read_auth_certificate())
        with pytest.raises(SecurityStatusError):
            client.sign_sha256(hashlib.sha256(message).digest())
        client.verify_pin("1234")
        signature = client.sign_sha256(hashlib.sha256(message).digest())
    cert.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg, union-attr]


def test_disconnect_resets_security_state(virtual_card: VirtualCardHandle) -> None:
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        client.verify_pin("1234")
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        with pytest.raises(SecurityStatusError):
            client.sign_sha256(bytes(32))


class RemoveAfter:
    """Pulls the card out of the reader after ``n`` APDUs went through (mid-operation removal)."""

    def __init__(self, transport: PcscTransport, n: int, remove: Callable[[], None]) -> None:
        self.transport, self.n, self.remove = transport, n, remove

    def transmit(self, apdu: bytes) -> bytes:
        if self.n == 0:
            self.remove()
        self.n -= 1
        return self.transport.transmit(apdu)


def test_card_removed_mid_read_then_next_card_works(virtual_card: VirtualCardHandle,
                                                     card_profile: CardProfile) -> None:
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(RemoveAfter(transport, 4, lambda: virtual_card.remove(wait=False)))
        client.select_ap()
        with pytest.raises(CardRemovedError):
            client.read_auth_certificate()  # SELECT EF, READ 4, READ 256, then the card is gone
    virtual_card.wait_absent()
    with pytest.raises(NoCardError):
        PcscTransport(virtual_card.reader)
    virtual_card.insert()
    with PcscTransport(virtual_card.reader) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        assert x509.load_der_x509_certificate(client.read_auth_certificate()) == card_profile.auth.cert()


def test_monitor_sees_removal_and_insertion(virtual_card: VirtualCardHandle) -> None:
    with CardMonitor(virtual_card.reader) as monitor:
        assert monitor.current().present
        virtual_card.remove(wait=False)
        state = monitor.wait_for_change(10)
        assert state is not None and not state.present
        virtual_card.insert(wait=False)
        state = monitor.wait_for_change(10)
        assert state is not None and state.present and state.atr == bytes.fromhex("3BE000FF8131FE4514")


def test_monitor_wait_can_be_cancelled_and_times_out(virtual_card: VirtualCardHandle) -> None:
    with CardMonitor(virtual_card.reader) as monitor:
        monitor.current()
        assert monitor.wait_for_change(0.3) is None  # nothing happens: timeout
        result: list[object] = []
        waiter = threading.Thread(target=lambda: result.append(monitor.wait_for_change(30)))
        waiter.start()
        threading.Timer(0.3, monitor.cancel).start()
        waiter.join(10)
        assert not waiter.is_alive() and result == [None]


def test_unknown_reader_is_typed(pcscd: PcscdHandle) -> None:
    with pytest.raises(ReaderUnavailableError):
        PcscTransport("No Such Reader 99")


def test_wait_for_card(virtual_card: VirtualCardHandle) -> None:
    virtual_card.remove()
    with pytest.raises(CardTimeoutError):
        wait_for_card(virtual_card.reader, 0.3)
    threading.Timer(0.3, virtual_card.link.insert).start()
    state = wait_for_card(virtual_card.reader, 10)
    assert state.present and state.reader == virtual_card.reader


def test_get_response_chaining_through_pcscd(pcscd: PcscdHandle, card_profile: CardProfile) -> None:
    # A card that answers in 64-byte pieces with 61xx (T=0 style): ChainingTransport reassembles.
    with serve_virtual_card(card_profile, max_response=64) as handle, PcscTransport(handle.reader) as t:
        client = JpkiClient(t)
        client.select_ap()
        assert x509.load_der_x509_certificate(client.read_auth_certificate()) == card_profile.auth.cert()
        client.verify_pin("1234")
        assert len(client.sign_sha256(bytes(32))) == 256
