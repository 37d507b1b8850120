"""The parser: round trips, losslessness on arbitrary bytes, incremental feeding, the framer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from printer.escpos import commands as c
from printer.escpos.encoder import encode
from printer.escpos.parser import Framer, Parser, parse

_TEXT_CHARS = st.characters(codec="cp932", min_codepoint=0x20, exclude_characters="\x7f\\~¢£¬‖−〜")


def _text_cmd() -> st.SearchStrategy[c.Command]:
    return st.text(_TEXT_CHARS, min_size=1, max_size=20).map(lambda s: c.Text(s.encode("cp932")))


def _raster() -> st.SearchStrategy[c.Command]:
    return st.tuples(st.integers(1, 8), st.integers(1, 6), st.sampled_from([0, 1, 2, 3, 48, 51])).flatmap(
        lambda t: st.binary(min_size=t[0] * t[1], max_size=t[0] * t[1]).map(
            lambda d: c.RasterImage(t[2], t[0], t[1], d)
        )
    )


_u8 = st.integers(0, 255)
COMMANDS: st.SearchStrategy[c.Command] = st.one_of(
    _text_cmd(),
    _raster(),
    st.just(c.Initialize()),
    st.just(c.LineFeed()),
    st.just(c.KanjiModeOn()),
    st.just(c.KanjiModeOff()),
    st.just(c.RealtimeClearBuffers()),
    st.builds(c.PrintAndFeed, _u8),
    st.builds(c.KanjiCode, st.integers(0, 1)),
    st.builds(c.SelectCharset, _u8),
    st.builds(c.CharacterSize, _u8),
    st.builds(c.SetMotionUnits, _u8, _u8),
    st.builds(c.RealtimeStatus, st.integers(1, 4)),
    st.builds(c.TransmitStatus, _u8),
    st.builds(c.AsbEnable, _u8),
    st.builds(c.Cut, st.sampled_from([0, 1, 48, 49])),
    st.builds(c.Cut, st.sampled_from([65, 66]), _u8),
    st.builds(c.Graphics, st.sampled_from([50, 112]), st.binary(max_size=40), st.booleans()),
    st.builds(c.Barcode, st.sampled_from([65, 73]), st.binary(max_size=20)),
    st.builds(c.Barcode, st.integers(0, 6), st.binary(max_size=20).map(lambda b: b.replace(b"\0", b"1"))),
)


def _merge_text(cmds: list[c.Command]) -> list[c.Command]:
    out: list[c.Command] = []
    for cmd in cmds:
        if isinstance(cmd, c.Text) and out and isinstance(out[-1], c.Text):
            out[-1] = c.Text(out[-1].data + cmd.data)
        else:
            out.append(cmd)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(COMMANDS, max_size=25))
def test_encode_then_parse_gives_the_same_commands(cmds: list[c.Command]) -> None:
    assert parse(encode(cmds)) == _merge_text(cmds)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_and_every_byte_is_accounted_for(data: bytes) -> None:
    parsed = parse(data)
    assert all(isinstance(cmd, c.Command) for cmd in parsed)
    assert encode(parsed) == data


@settings(max_examples=150, deadline=None)
@given(st.lists(COMMANDS, max_size=12), st.binary(max_size=60), st.integers(1, 7))
def test_feeding_in_pieces_equals_parsing_whole(cmds: list[c.Command], junk: bytes, step: int) -> None:
    data = junk + encode(cmds)
    parser = Parser()
    pieces: list[c.Command] = []
    for i in range(0, len(data), step):
        pieces += parser.feed(data[i : i + step])
    pieces += parser.flush()
    assert _merge_text(pieces) == parse(data)


def test_garbage_is_skipped_and_the_stream_resynchronises() -> None:
    data = b"\x1b\xff" + b"\x1dv1" + b"\x10\x04\x09" + b"\x1b@" + "漢字".encode("cp932") + b"\n"
    parsed = parse(data)
    assert c.Unknown(0x1B) in parsed
    assert any(isinstance(p, c.Invalid) for p in parsed)
    assert parsed[-3:] == [c.Initialize(), c.Text("漢字".encode("cp932")), c.LineFeed()]


def test_corrupt_length_field_cannot_swallow_the_stream() -> None:
    huge = b"\x1d8L\xff\xff\xff\x7f0p"  # GS 8 L declaring 2 GB
    parsed = parse(huge + b"\x1b@")
    assert isinstance(parsed[0], c.Invalid)
    assert parsed[-1] == c.Initialize()


@settings(max_examples=150, deadline=None)
@given(st.lists(COMMANDS, max_size=15), st.integers(1, 9))
def test_framer_takes_out_exactly_the_realtime_commands(cmds: list[c.Command], step: int) -> None:
    data = encode(cmds)
    framer = Framer()
    passed, realtime = b"", []
    for i in range(0, len(data), step):
        for item in framer.feed(data[i : i + step]):
            if isinstance(item, bytes):
                passed += item
            else:
                realtime.append(item)
    assert realtime == [x for x in cmds if x.realtime]
    assert passed == encode(x for x in cmds if not x.realtime)


def test_status_request_bytes_inside_raster_data_are_not_realtime() -> None:
    raster = c.RasterImage(0, 3, 1, b"\x10\x04\x01")
    items = Framer().feed(raster.encode())
    assert all(isinstance(i, bytes) for i in items)


@settings(deadline=None)
@given(st.binary(max_size=30), st.integers(1, 11))
def test_clear_buffers_is_found_even_inside_a_payload(junk: bytes, step: int) -> None:
    """A command cut short leaves the printer waiting for data; DLE DC4 8 must still get through."""
    truncated = c.RasterImage(0, 100, 100, b"").encode()  # header only: 10000 bytes still expected
    data = truncated + junk + c.RealtimeClearBuffers().encode() + c.RealtimeStatus(1).encode()
    framer = Framer()
    items: list[bytes | c.Command] = []
    for i in range(0, len(data), step):
        items += framer.feed(data[i : i + step])
    commands = [i for i in items if not isinstance(i, bytes)]
    assert commands[-2:] == [c.RealtimeClearBuffers(), c.RealtimeStatus(1)]
