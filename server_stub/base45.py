"""Base45 (RFC 9285): the QR-alphanumeric-safe text encoding of the digital seal.

Two bytes become three characters (value = c0 + c1*45 + c2*45², RFC 9285 §4), a trailing byte two
characters; the 45 characters are exactly QR code's alphanumeric set, so a seal fills the QR code in
its densest text mode.
"""

from __future__ import annotations

from server_stub.errors import SealError

__all__ = ["ALPHABET", "b45decode", "b45encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def b45encode(data: bytes) -> str:
    """Encode bytes to Base45 text (RFC 9285 §4.2)."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode Base45 text (RFC 9285 §4.3).

    :raises SealError: on a character outside the alphabet, a dangling single character, or a
        triple/pair whose value does not fit in two/one bytes (§6: decoders must reject these).
    """
    try:
        values = [_INDEX[c] for c in text]
    except KeyError as exc:
        raise SealError(
            "Base45 の文字ではありません / not a Base45 character", code="seal_malformed"
        ) from exc
    if len(values) % 3 == 1:
        raise SealError("Base45 の長さが不正です / bad Base45 length", code="seal_malformed")
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025
            if n > 0xFFFF:
                raise SealError("Base45 の値が範囲外です / Base45 triple out of range", code="seal_malformed")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise SealError("Base45 の値が範囲外です / Base45 pair out of range", code="seal_malformed")
            out.append(n)
    return bytes(out)
