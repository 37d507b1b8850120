"""61xx/6Cxx handling, bounds, short reads, and the metering/redaction wrapper."""

from __future__ import annotations

import pytest

from card.errors import CardProtocolError
from card.jpki import JpkiClient
from card.profile import CardProfile
from card.transport import ApduStats, ChainingTransport, MeteredTransport, redact_apdu
from card.virtual.model import VirtualJpkiCard


def test_get_response_chain_against_virtual_card(card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile, max_response=64)
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> bytes:
        sent.append(apdu)
        return card.execute(apdu)

    client = JpkiClient(transmit)
    client.select_ap()
    direct = JpkiClient(VirtualJpkiCard(card_profile).execute)
    direct.select_ap()
    assert client.read_auth_certificate() == direct.read_auth_certificate()
    assert any(a[1] == 0xC0 for a in sent)  # GET RESPONSE was used
    client.verify_pin("1234")
    assert len(client.sign_sha256(b"\x00" * 32)) == 256  # 256 bytes in 64-byte pieces


def test_6cxx_resends_with_exact_le() -> None:
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> bytes:
        sent.append(apdu)
        return b"\x6c\x05" if apdu[4] != 5 else b"hello\x90\x00"

    assert ChainingTransport(transmit).transmit(bytes.fromhex("00B0000000")) == b"hello\x90\x00"
    assert [a.hex() for a in sent] == ["00b0000000", "00b0000005"]


def test_6cxx_twice_is_an_error() -> None:
    with pytest.raises(CardProtocolError):
        ChainingTransport(lambda apdu: b"\x6c\x05").transmit(bytes.fromhex("00B0000000"))


def test_61xx_loop_is_bounded() -> None:
    calls = 0

    def transmit(apdu: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return b"x" * 4 + b"\x61\x04"

    with pytest.raises(CardProtocolError):
        ChainingTransport(transmit, max_rounds=10).transmit(bytes.fromhex("00B0000000"))
    assert calls == 11


def test_61xx_size_is_bounded() -> None:
    with pytest.raises(CardProtocolError):
        chain = ChainingTransport(lambda a: b"x" * 256 + b"\x61\x00", max_bytes=1000)
        chain.transmit(b"\x00\xb0\x00\x00\x00")


def test_short_reads_continue_at_new_offset() -> None:
    content = b"\x30\x82\x01\x00" + bytes(range(256))
    reads: list[int] = []

    def transmit(apdu: bytes) -> bytes:
        if apdu[1] == 0xA4:
            return b"\x90\x00"
        off = (apdu[2] << 8) | apdu[3]
        reads.append(off)
        le = min(apdu[4] or 256, 100)  # a card that never returns more than 100 bytes
        return content[off : off + le] + b"\x90\x00"

    assert JpkiClient(transmit).read_auth_certificate() == content
    assert reads == [0, 0, 100, 200]


def test_metering_counts_and_redacts() -> None:
    stats = ApduStats()
    metered = MeteredTransport(lambda a: b"\x63\xc2", stats)
    metered.transmit(bytes.fromhex("002000800431323334"))
    assert (stats.commands, stats.bytes_out, stats.bytes_in) == (1, 9, 2)
    assert redact_apdu(bytes.fromhex("002000800431323334")) == "00 20 00 80 Lc=4 <4 bytes redacted>"
    assert redact_apdu(bytes.fromhex("00A4020C02000A")) == "00 A4 02 0C 02 00 0A"
    assert "31" not in redact_apdu(bytes.fromhex("0020008004313233"))  # malformed: data hidden too


def test_dribbling_card_is_bounded() -> None:
    from card.errors import CertificateFormatError

    content = b"\x30\x82\x03\xe4" + bytes(1000)
    reads = 0

    def transmit(apdu: bytes) -> bytes:
        nonlocal reads
        if apdu[1] == 0xA4:
            return b"\x90\x00"
        reads += 1
        off = (apdu[2] << 8) | apdu[3]
        return content[off : off + 1] + b"\x90\x00"  # one byte per READ BINARY, forever

    with pytest.raises(CertificateFormatError):
        JpkiClient(transmit).read_auth_certificate()
    assert reads <= 2 * (1004 // 32 + 8)
