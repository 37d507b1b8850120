"""Status decoding (docs/printing.md §1 tables) and the inbound demultiplexer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printer.emulator.model import FAULT_FLAGS, PrinterModel
from printer.escpos.status import (
    AsbReply,
    Fault,
    FlowControl,
    GarbageByte,
    InboundDecoder,
    InvalidStatus,
    PrinterStatus,
    RealtimeReply,
    TransmitReply,
    decode_asb,
    decode_realtime,
    decode_transmit_status,
)
from printer.profiles import get_profile


@pytest.mark.parametrize(
    ("n", "byte", "expected"),
    [
        (1, 0x12, PrinterStatus(online=True, drawer=False)),
        (1, 0x1A, PrinterStatus(online=False, drawer=False)),  # paper out, n=1 (BIX, U220)
        (1, 0x16, PrinterStatus(online=True, drawer=True)),
        (2, 0x32, PrinterStatus(cover_open=False, feed_button=False, paper_end=True, error=False)),
        (2, 0x16, PrinterStatus(cover_open=True, feed_button=False, paper_end=False, error=False)),
        (3, 0x1A, PrinterStatus(cutter_error=True, unrecoverable=False, auto_recoverable=False)),
        (3, 0x32, PrinterStatus(cutter_error=False, unrecoverable=True, auto_recoverable=False)),
        (4, 0x7E, PrinterStatus(paper_near_end=True, paper_end=True)),
        (4, 0x1E, PrinterStatus(paper_near_end=True, paper_end=False)),
        (4, 0x12, PrinterStatus(paper_near_end=False, paper_end=False)),
    ],
)
def test_realtime_replies_decode_per_the_tables(n: int, byte: int, expected: PrinterStatus) -> None:
    assert decode_realtime(n, byte) == expected


def test_one_roll_sensor_bit_alone_is_unknown_not_paper_out() -> None:
    # bit 3 of DLE EOT 4 alone is not paper out (docs §3 pitfall): it stays unknown.
    decoded = decode_realtime(4, 0x1A)
    assert isinstance(decoded, PrinterStatus)
    assert decoded.paper_near_end is None and decoded.paper_end is False


@pytest.mark.parametrize("byte", [0x00, 0xFF, 0x13, 0x92, 0x02, 0x10])
def test_wrong_fixed_bits_are_an_invalid_status_value(byte: int) -> None:
    decoded = decode_realtime(1, byte)
    assert isinstance(decoded, InvalidStatus)
    assert decoded.data == bytes([byte])


def test_asb_and_gs_r() -> None:
    assert decode_asb(bytes([0x18, 0, 0x0F, 0])) == PrinterStatus(
        drawer=False, online=False, cover_open=False, feed_button=False, cutter_error=False,
        unrecoverable=False, auto_recoverable=False, paper_near_end=True, paper_end=True,
    )
    assert isinstance(decode_asb(bytes([0x12, 0, 0, 0])), InvalidStatus)
    assert decode_transmit_status(1, 0x03) == PrinterStatus(paper_near_end=True, paper_end=False)
    assert isinstance(decode_transmit_status(1, 0x90), InvalidStatus)


def test_fault_priority_and_unknown() -> None:
    assert PrinterStatus().fault is None
    assert PrinterStatus(online=False).fault is Fault.OFFLINE
    assert PrinterStatus(online=False, paper_end=True, cover_open=True).fault is Fault.COVER_OPEN
    assert PrinterStatus(online=True, paper_near_end=True).fault is None
    merged = PrinterStatus(online=True, paper_end=False).merge(PrinterStatus(paper_end=True))
    assert merged == PrinterStatus(online=True, paper_end=True)


def test_inbound_decoder_tells_replies_apart() -> None:
    stream = bytes([0x13, 0x12, 0x10, 0x00, 0x0F, 0x00, 0x0C, 0x11, 0xFF])
    assert InboundDecoder().feed(stream) == [
        FlowControl(xoff=True), RealtimeReply(0x12), AsbReply(bytes([0x10, 0, 0x0F, 0])),
        TransmitReply(0x0C), FlowControl(xoff=False), GarbageByte(0xFF),
    ]


def test_broken_asb_is_garbage() -> None:
    assert InboundDecoder().feed(bytes([0x10, 0x00, 0x80])) == [
        GarbageByte(0x10), GarbageByte(0x00), GarbageByte(0x80)
    ]


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_decoder_never_crashes_and_accounts_for_every_byte(data: bytes) -> None:
    decoder = InboundDecoder()
    events = decoder.feed(data)
    counted = sum(len(e.data) if isinstance(e, AsbReply) else 1 for e in events)
    assert counted + len(decoder._asb) == len(data)


@settings(deadline=None)
@given(st.lists(st.booleans(), min_size=len(FAULT_FLAGS) + 1, max_size=len(FAULT_FLAGS) + 1))
def test_emulator_replies_always_keep_their_fixed_bits(flags: list[bool]) -> None:
    model = PrinterModel(get_profile("receipt-80-203"))
    for name, value in zip((*FAULT_FLAGS, "drawer"), flags, strict=True):
        setattr(model, name, value)
    for n in (1, 2, 3, 4):
        decoded = decode_realtime(n, model.realtime_byte(n))
        assert isinstance(decoded, PrinterStatus)
    total = PrinterStatus()
    for n in (1, 2, 3, 4):
        decoded = decode_realtime(n, model.realtime_byte(n))
        assert isinstance(decoded, PrinterStatus)
        total = total.merge(decoded)
    assert total.online == model.online
    assert total.paper_end == model.paper_end
    assert total.cover_open == model.cover_open
    assert total.cutter_error == model.cutter_error
    asb = decode_asb(model.asb_bytes())
    assert isinstance(asb, PrinterStatus)
    assert asb.online == model.online and asb.paper_end == model.paper_end
