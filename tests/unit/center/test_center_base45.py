"""Base45 (RFC 9285): the RFC's examples, round trips, and rejection of invalid text."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server_stub.base45 import ALPHABET, b45decode, b45encode
from server_stub.errors import SealError


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),  # RFC 9285 §4.3
        (b"Hello!!", "%69 VD92EX0"),  # §4.3
        (b"base-45", "UJCLQE7W581"),  # §4.3
        (b"ietf!", "QED8WEX0"),  # §4.4 (decoding example)
        (b"", ""),
    ],
)
def test_rfc_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@given(st.binary(max_size=600))
def test_round_trip_and_alphabet(data: bytes) -> None:
    text = b45encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert b45decode(text) == data


@pytest.mark.parametrize("bad", ["GGW", "ZZZ", "A", "ABCD", "ab", "BB8~", ":::"])
def test_invalid_text_is_rejected(bad: str) -> None:
    # GGW = 65535+1 (RFC 9285 §6 example of an invalid triple), lower case is not in the alphabet.
    with pytest.raises(SealError) as e:
        b45decode(bad)
    assert e.value.error_code == "seal_malformed"


@given(st.text(max_size=50))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(SealError):
        b45decode(text)


def test_largest_valid_triple() -> None:
    assert b45decode("FGW") == b"\xff\xff"
