"""APDU codec: properties (hypothesis) and the exact bytes of docs/jpki-card.md §4/§7."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from card.apdu import SW, CommandAPDU, ResponseAPDU, describe_sw
from card.errors import ApduError, CardError, MalformedApduError

byte = st.integers(0, 255)


@st.composite
def commands(draw: st.DrawFn) -> CommandAPDU:
    extended = draw(st.booleans())
    max_lc = 65535 if extended else 255
    data = draw(st.binary(max_size=min(max_lc, 600)) | st.binary(min_size=255, max_size=300))
    ne = draw(st.none() | st.integers(1, 65536 if extended else 256))
    return CommandAPDU(draw(byte), draw(byte), draw(byte), draw(byte), data, ne, extended)


@given(commands())
def test_decode_encode_roundtrip(cmd: CommandAPDU) -> None:
    assert CommandAPDU.decode(cmd.encode()) == cmd


@given(commands())
def test_encoded_length_matches_case(cmd: CommandAPDU) -> None:
    raw = cmd.encode()
    lc_len = 0 if not cmd.data else (3 if cmd.extended else 1)
    le_len = 0 if cmd.ne is None else ((3 if not cmd.data else 2) if cmd.extended else 1)
    assert len(raw) == 4 + lc_len + len(cmd.data) + le_len


@given(st.binary(max_size=400))
def test_random_bytes_decode_or_typed_error(raw: bytes) -> None:
    try:
        cmd = CommandAPDU.decode(raw)
    except MalformedApduError:
        return
    assert cmd.encode() == raw  # whatever parses re-encodes to the same bytes


@given(st.binary(max_size=300))
def test_response_roundtrip_or_typed_error(raw: bytes) -> None:
    try:
        resp = ResponseAPDU.decode(raw)
    except CardError:
        assert len(raw) < 2
        return
    assert resp.encode() == raw
    assert resp.sw == int.from_bytes(raw[-2:], "big")


# The documented APDUs of docs/jpki-card.md §4 and §7, byte for byte.
DOCUMENTED = [
    ("00A4040C0AD392F000260100000001",
     CommandAPDU(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("D392F000260100000001"))),
    ("00A4020C02000A", CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x00\x0a")),
    ("00A4020C020018", CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x00\x18")),
    ("00A4020C02001B", CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x00\x1b")),
    ("00A4020C020017", CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x00\x17")),
    ("00B0000004", CommandAPDU(0x00, 0xB0, 0x00, 0x00, ne=4)),
    ("00B0000000", CommandAPDU(0x00, 0xB0, 0x00, 0x00, ne=256)),
    ("00B0010000", CommandAPDU(0x00, 0xB0, 0x01, 0x00, ne=256)),
    ("00B08A0004", CommandAPDU(0x00, 0xB0, 0x8A, 0x00, ne=4)),
    ("00200080", CommandAPDU(0x00, 0x20, 0x00, 0x80)),
    ("002000800431323334", CommandAPDU(0x00, 0x20, 0x00, 0x80, b"1234")),
    ("002000980431323334", CommandAPDU(0x00, 0x20, 0x00, 0x98, b"1234")),
    ("802A008033" + "3031300d060960864801650304020105000420" + "11" * 32 + "00",
     CommandAPDU(0x80, 0x2A, 0x00, 0x80,
                 bytes.fromhex("3031300d060960864801650304020105000420") + b"\x11" * 32, ne=256)),
]


@pytest.mark.parametrize(("hex_apdu", "cmd"), DOCUMENTED)
def test_documented_apdus_byte_exact(hex_apdu: str, cmd: CommandAPDU) -> None:
    raw = bytes.fromhex(hex_apdu)
    assert cmd.encode() == raw
    assert CommandAPDU.decode(raw) == cmd


def test_cases_short_and_extended() -> None:
    assert CommandAPDU(0, 0xB0, 0, 0).case == 1
    assert CommandAPDU(0, 0xB0, 0, 0, ne=1).case == 2
    assert CommandAPDU(0, 0xD6, 0, 0, b"x").case == 3
    assert CommandAPDU(0, 0x2A, 0, 0, b"x", ne=256).case == 4
    big = CommandAPDU(0, 0xD6, 0, 0, b"\x01" * 256, ne=65536)
    assert big.extended
    assert big.encode() == bytes.fromhex("00D60000000100") + b"\x01" * 256 + b"\x00\x00"
    assert CommandAPDU(0, 0xB0, 0, 0, ne=65536).encode() == bytes.fromhex("00B00000000000")
    assert CommandAPDU(0, 0xB0, 0, 0, ne=300).encode() == bytes.fromhex("00B0000000012C")


@pytest.mark.parametrize("kwargs", [
    {"cla": 256}, {"ins": -1}, {"p1": 300}, {"ne": 0}, {"ne": 65537}, {"data": b"x" * 65536}, {"data": "ab"},
])
def test_invalid_fields_raise_apdu_error(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"cla": 0, "ins": 0xB0, "p1": 0, "p2": 0}
    fields.update(kwargs)
    with pytest.raises(ApduError):
        CommandAPDU(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("hex_apdu", ["", "00", "00A404", "00A4040C0500", "00A4040C0000", "00A4040C000002AA",
                                      "00A4040C00000000", "00A4040C0002AABBCC", "00A4040C03AABB"])
def test_malformed_bytes(hex_apdu: str) -> None:
    with pytest.raises(MalformedApduError):
        CommandAPDU.decode(bytes.fromhex(hex_apdu))


def test_status_words_are_data() -> None:
    resp = ResponseAPDU.decode(bytes.fromhex("63C2"))
    assert (resp.data, resp.sw1, resp.sw2, resp.ok) == (b"", 0x63, 0xC2, False)
    assert describe_sw(resp.sw) == "verification failed, 2 tries left"
    assert describe_sw(0x6110) == "16 more bytes available (GET RESPONSE)"
    assert describe_sw(0x6C00) == "wrong Le, exact length is 256"
    assert describe_sw(SW.FILE_NOT_FOUND) == "file or application not found"
    assert ResponseAPDU.status(0x9000, b"ab").encode() == b"ab\x90\x00"
    with pytest.raises(ApduError):
        describe_sw(0x10000)


def test_repr_of_a_verify_apdu_never_shows_the_pin() -> None:
    """Reprs reach logs and test reports: the PIN (the VERIFY data) must not be in them."""
    verify = CommandAPDU(0x00, 0x20, 0x00, 0x80, b"1234")
    assert "1234" not in repr(verify) and "31323334" not in repr(verify).replace(" ", "")
    assert verify.encode().endswith(b"1234")  # still sent, of course
