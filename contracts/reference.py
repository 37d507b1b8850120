"""The short transaction reference: staff read it out, the center resolves it (docs/center.md
"Looking up a short reference").

The center's order ids are long URL-safe tokens with look-alikes (O/0, l/I/1).  The reference is the
first 40 bits of SHA-256 of the order id in Crockford's base 32 (digits and capitals without I, L, O
and U), printed as two groups of four: 「7K3M-Q9TX」.  It is a pure function of the order id: the kiosk
computes it for the refund-failed screen and slip, the center computes the same for each of its
orders and keeps it in an index (``server_stub.ops.lookup``).  40 bits make a collision among a
center's orders unlikely but not impossible, so a lookup answers every order that matches.  It
carries nothing about the resident.

Shared by the kiosk and the center, so it imports neither.
"""

from __future__ import annotations

import hashlib
import unicodedata

__all__ = ["ALPHABET", "LOOKALIKES", "ReferenceFormatError", "normalise_reference", "short_reference"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
# Letters never printed in a reference, and the character a reader most likely saw.  We do not
# silently map them (Crockford would read O as 0): a typo that happens to land on another order would
# show staff the wrong transaction; a clear question costs one more reading.
LOOKALIKES = {"O": "0", "I": "1", "L": "1", "U": "V"}
LENGTH = 8


class ReferenceFormatError(ValueError):
    """Text that cannot be a short reference; the message says what to check, in Japanese and English."""


def short_reference(order_id: str) -> str:
    """``order_id`` → 「XXXX-XXXX」 (8 Crockford base-32 characters of its SHA-256).

    :raises ValueError: an empty order id.
    """
    if not order_id:
        raise ValueError("order_id: empty")
    bits = int.from_bytes(hashlib.sha256(order_id.encode("utf-8")).digest()[:5], "big")
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str:
    """What an operator typed → 「XXXX-XXXX」: full-width forms folded (NFKC), case ignored, spaces and
    hyphens (any dash) dropped.

    :raises ReferenceFormatError: a look-alike letter (O, I, L, U), any other character outside the
        alphabet, or not 8 characters.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    chars = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Pd")
    for ch in chars:
        if ch in LOOKALIKES:
            raise ReferenceFormatError(
                f"受付番号に「{ch}」は使われません。「{LOOKALIKES[ch]}」ではありませんか / "
                f"references never contain {ch!r}: did you mean {LOOKALIKES[ch]!r}?")
        if ch not in ALPHABET:
            raise ReferenceFormatError(
                f"受付番号に使えない文字です：「{ch}」（数字と英大文字のみ） / "
                f"{ch!r} is not a reference character (digits and capital letters only)")
    if len(chars) != LENGTH:
        raise ReferenceFormatError(
            f"受付番号は8文字です（入力は{len(chars)}文字）。例：7VCD-R602 / "
            f"a reference has 8 characters, not {len(chars)} (e.g. 7VCD-R602)")
    return f"{chars[:4]}-{chars[4:]}"
