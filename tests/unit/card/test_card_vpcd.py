"""The vpcd link over real loopback sockets, against a fake driver that speaks vpcd's framing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fixtures.pcsc import FakeVpcd, recv_exact
from hypothesis import given
from hypothesis import strategies as st

from card.profile import CardProfile
from card.virtual.model import VirtualJpkiCard
from card.virtual.vpcd import (
    CTRL_ATR,
    CTRL_OFF,
    CTRL_RESET,
    FrameDecoder,
    Throttle,
    VpcdLink,
    VpcdSession,
    encode_frame,
    parse_hostport,
    reader_name_for_port,
)


@given(st.lists(st.binary(max_size=300), max_size=10), st.integers(1, 7))
def test_frames_reassemble_from_any_split(payloads: list[bytes], step: int) -> None:
    stream = b"".join(encode_frame(p) for p in payloads)
    dec = FrameDecoder()
    out: list[bytes] = []
    for i in range(0, len(stream), step):
        out += dec.feed(stream[i : i + step])
    assert out == payloads and not dec.pending


def test_session_control_codes(card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile)
    session = VpcdSession(card)
    assert session.handle(bytes([CTRL_ATR])) == bytes.fromhex("3BE000FF8131FE4514")
    assert session.handle(bytes.fromhex("00A4040C0AD392F000260100000001")) == b"\x90\x00"
    assert session.handle(bytes([CTRL_RESET])) is None
    assert session.handle(bytes.fromhex("00A4020C02000A")) == b"\x6a\x82"  # reset deselected the AP
    assert session.handle(bytes([CTRL_OFF])) is None
    assert session.apdus == 2


def test_helpers() -> None:
    assert reader_name_for_port(35963) == "Virtual PCD 00 00"
    assert reader_name_for_port(35964) == "Virtual PCD 00 01"
    assert parse_hostport("127.0.0.1:35964") == ("127.0.0.1", 35964)
    assert parse_hostport("35964") == ("127.0.0.1", 35964)
    assert parse_hostport("localhost") == ("localhost", 35963)
    with pytest.raises(ValueError, match="range"):
        parse_hostport("h:70000")
    assert Throttle(212, 10).delay(53) == pytest.approx(0.010 + 53 * 8 / 212000)


@pytest.fixture
def driver() -> Iterator[FakeVpcd]:
    d = FakeVpcd()
    yield d
    d.close()


def test_link_serves_atr_and_apdus(driver: FakeVpcd, card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile)
    with VpcdLink(card, "127.0.0.1", driver.port):
        conn = driver.accept()
        assert driver.ask(conn, bytes([CTRL_ATR])) == card.atr
        conn.sendall(encode_frame(bytes([0x01])))  # power on: no answer expected
        assert driver.ask(conn, bytes.fromhex("00A4040C0AD392F000260100000001")) == b"\x90\x00"
        # Byte-at-a-time delivery of an APDU frame still gets one answer.
        frame = encode_frame(bytes.fromhex("00A4020C02000A"))
        for i in range(len(frame)):
            conn.sendall(frame[i : i + 1])
        assert recv_exact(conn, 4) == b"\x00\x02\x90\x00"
        conn.close()


def test_remove_closes_and_insert_reconnects(driver: FakeVpcd, card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile)
    link = VpcdLink(card, "127.0.0.1", driver.port, retry_interval=0.05).start()
    try:
        conn = driver.accept()
        assert driver.ask(conn, bytes([CTRL_ATR])) == card.atr
        assert driver.ask(conn, bytes.fromhex("00A4040C0AD392F000260100000001")) == b"\x90\x00"
        link.remove()
        assert conn.recv(10) == b""  # vpcd sees EOF: card removed
        assert not link.inserted
        link.insert()
        conn2 = driver.accept()
        assert driver.ask(conn2, bytes([CTRL_ATR])) == card.atr
        # A new insertion is a fresh card: nothing selected.
        assert driver.ask(conn2, bytes.fromhex("00A4020C02000A")) == b"\x6a\x82"
        conn2.close()
    finally:
        link.stop()


def test_reconnects_when_driver_restarts(card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile)
    first = FakeVpcd()
    port = first.port
    link = VpcdLink(card, "127.0.0.1", port, retry_interval=0.05).start()
    try:
        conn = first.accept()
        assert first.ask(conn, bytes([CTRL_ATR])) == card.atr
        conn.close()
        first.close()  # pcscd stopped
        second = FakeVpcd(port)  # pcscd started again on the same port
        try:
            conn = second.accept()
            assert second.ask(conn, bytes([CTRL_ATR])) == card.atr
            conn.close()
        finally:
            second.close()
    finally:
        link.stop()


def test_throttle_delays_answers(driver: FakeVpcd, card_profile: CardProfile) -> None:
    slept: list[float] = []
    done = threading.Event()

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        done.set()

    card = VirtualJpkiCard(card_profile)
    with VpcdLink(card, "127.0.0.1", driver.port, throttle=Throttle(212, 5), sleep=fake_sleep):
        conn = driver.accept()
        driver.ask(conn, bytes([CTRL_ATR]))  # control messages are not throttled
        assert slept == []
        driver.ask(conn, bytes.fromhex("00A4040C0AD392F000260100000001"))
        assert done.wait(5)
        assert slept == [pytest.approx(0.005 + (15 + 2) * 8 / 212000)]
        conn.close()
