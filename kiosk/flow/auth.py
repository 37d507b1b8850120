"""The message the card signs to authenticate to the center (DESIGN.md "Center API v1"), pure."""

from __future__ import annotations

import hashlib

__all__ = ["AUTH_DOMAIN", "auth_digest", "auth_message"]

AUTH_DOMAIN = b"konbini-kiosk-auth-v1"


def auth_message(challenge_id: str, kiosk_id: str, nonce: bytes) -> bytes:
    """``b"konbini-kiosk-auth-v1" 00 challenge_id 00 kiosk_id 00 nonce`` (ids UTF-8, nonce raw).

    The domain prefix keeps this signature from ever being valid for any other use of the key.
    """
    return b"\0".join((AUTH_DOMAIN, challenge_id.encode(), kiosk_id.encode(), nonce))


def auth_digest(challenge_id: str, kiosk_id: str, nonce: bytes) -> bytes:
    """SHA-256 of ``auth_message``: what the card signs (as a DigestInfo) with EF 0017."""
    return hashlib.sha256(auth_message(challenge_id, kiosk_id, nonce)).digest()
