"""A short transaction reference that staff can read out over the phone and the center can resolve.

The center's order ids are long URL-safe tokens with look-alikes (O/0, l/I/1).  The reference is the
first 40 bits of SHA-256 of the order id in Crockford's base 32 (digits and capitals without I, L, O
and U), printed as two groups of four: 「7K3M-Q9TX」.  It is a pure function of the order id, so the
kiosk's journal (which keeps the order id) and the center (which computes the same over its orders of
that kiosk and day) both find the order from it; 40 bits make a collision among one kiosk's orders of
one day vanishingly unlikely.  It carries nothing about the resident.
"""

from __future__ import annotations

import hashlib

__all__ = ["ALPHABET", "short_reference"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


def short_reference(order_id: str) -> str:
    """``order_id`` → 「XXXX-XXXX」 (8 Crockford base-32 characters of its SHA-256).

    :raises ValueError: an empty order id.
    """
    if not order_id:
        raise ValueError("order_id: empty")
    bits = int.from_bytes(hashlib.sha256(order_id.encode("utf-8")).digest()[:5], "big")
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"
