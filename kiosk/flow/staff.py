"""The staff PIN of the service menu: hashed in the config, checked with a lockout (pure, clock injected).

The config holds only a slow salted hash (PBKDF2-HMAC-SHA256 or scrypt, both in the standard library)
so that a copied config file does not give the PIN away; after ``max_attempts`` wrong PINs the menu is
locked for ``lockout_seconds``.  The flow itself never sees the PIN or the hash: the UI calls
``StaffGate.check`` and submits ``StaffPinSubmitted(ok)``.

Hash formats: ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (at least 600,000 iterations) and
``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``.  ``python -m kiosk.flow.staff`` prints a new hash.  A
staff PIN has at least 6 digits: with 5 tries per lockout, 4 digits fall to patience in days.

The failure count and the lockout survive a restart when the gate is given a :class:`LockoutStore`
(``kiosk.staff_lockout.FileLockoutStore``): pulling the plug must not reset the lockout.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "MIN_PIN_DIGITS",
    "PBKDF2_ITERATIONS",
    "LockoutStore",
    "PinHash",
    "StaffGate",
    "hash_pin",
    "parse_pin_hash",
    "verify_pin",
]

PBKDF2_ITERATIONS = 600_000  # OWASP 2023 guidance for PBKDF2-HMAC-SHA256; also the least accepted
MIN_PIN_DIGITS = 6


class LockoutStore(Protocol):
    """Where the gate keeps its failure count and remaining lockout across restarts."""

    def load(self) -> tuple[int, float]:
        """(failures so far, seconds of lockout remaining); (0, 0.0) when nothing is stored."""
        ...

    def save(self, failures: int, lock_remaining: float) -> None: ...


@dataclass(frozen=True)
class PinHash:
    scheme: str
    params: tuple[int, ...]
    salt: bytes
    digest: bytes


def _b64(s: str, what: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"pin_hash: {what} is not base64") from e


def parse_pin_hash(text: str) -> PinHash:
    """Parse a stored hash.

    :raises ValueError: unknown scheme or malformed fields (message starts with ``pin_hash:``).
    """
    parts = text.split("$")
    try:
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            params: tuple[int, ...] = (int(parts[1]),)
            salt, digest = parts[2], parts[3]
        elif parts[0] == "scrypt" and len(parts) == 6:
            params = (int(parts[1]), int(parts[2]), int(parts[3]))
            salt, digest = parts[4], parts[5]
        else:
            raise ValueError("pin_hash: expected pbkdf2_sha256$iterations$salt$hash or "
                             "scrypt$n$r$p$salt$hash")
    except (ValueError, IndexError) as e:
        if str(e).startswith("pin_hash:"):
            raise
        raise ValueError("pin_hash: parameters must be integers") from e
    if min(params) < 1 or (parts[0] == "pbkdf2_sha256" and params[0] < PBKDF2_ITERATIONS):
        raise ValueError(f"pin_hash: too few iterations (at least {PBKDF2_ITERATIONS} for pbkdf2)")
    return PinHash(parts[0], params, _b64(salt, "salt"), _b64(digest, "hash"))


def _derive(pin: str, h: PinHash) -> bytes:
    if h.scheme == "pbkdf2_sha256":
        return hashlib.pbkdf2_hmac("sha256", pin.encode(), h.salt, h.params[0], dklen=len(h.digest))
    n, r, p = h.params
    return hashlib.scrypt(pin.encode(), salt=h.salt, n=n, r=r, p=p, dklen=len(h.digest),
                          maxmem=256 * 1024 * 1024)


def hash_pin(pin: str, *, scheme: str = "pbkdf2_sha256", iterations: int = PBKDF2_ITERATIONS) -> str:
    """A new salted hash of ``pin`` for the config file.

    :raises ValueError: a PIN of fewer than 6 digits, or fewer than 600,000 PBKDF2 iterations.
    """
    if not (pin.isascii() and pin.isdigit() and len(pin) >= MIN_PIN_DIGITS):
        raise ValueError(f"staff PIN: at least {MIN_PIN_DIGITS} digits")
    if iterations < PBKDF2_ITERATIONS:
        raise ValueError(f"pin_hash: too few iterations (at least {PBKDF2_ITERATIONS} for pbkdf2)")
    salt = os.urandom(16)
    if scheme == "scrypt":
        h = PinHash("scrypt", (2**14, 8, 1), salt, b"\0" * 32)
        digest = base64.b64encode(_derive(pin, h)).decode()
        return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${digest}"
    h = PinHash("pbkdf2_sha256", (iterations,), salt, b"\0" * 32)
    b64 = base64.b64encode(_derive(pin, h)).decode()
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${b64}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against a stored hash.

    :raises ValueError: the stored hash is malformed (a config error, caught at load time).
    """
    h = parse_pin_hash(stored)
    return hmac.compare_digest(_derive(pin, h), h.digest)


class StaffGate:
    """Wrong-PIN counting and lockout for the service menu (clock injected; no PIN is kept)."""

    def __init__(self, stored_hash: str, max_attempts: int, lockout_seconds: float,
                 clock: Callable[[], float], store: LockoutStore | None = None) -> None:
        parse_pin_hash(stored_hash)
        self._hash = stored_hash
        self._max = max_attempts
        self._lockout = lockout_seconds
        self._clock = clock
        self._store = store
        failures, remaining = store.load() if store is not None else (0, 0.0)
        self._failures = max(0, failures)
        self._locked_until = clock() + min(max(0.0, remaining), lockout_seconds) if remaining > 0 else 0.0

    def _save(self) -> None:
        if self._store is not None:
            self._store.save(self._failures, max(0.0, self._locked_until - self._clock()))

    @property
    def locked(self) -> bool:
        return self._clock() < self._locked_until

    def check(self, pin: str) -> bool:
        """True when ``pin`` is right and the gate is not locked; counts failures toward the lockout."""
        if self.locked:
            return False
        if len(pin) >= MIN_PIN_DIGITS and verify_pin(pin, self._hash):
            if self._failures:
                self._failures = 0
                self._save()
            return True
        self._failures += 1
        if self._failures >= self._max:
            self._failures = 0
            self._locked_until = self._clock() + self._lockout
        self._save()  # before answering: a restart right after a wrong PIN still counts it
        return False


if __name__ == "__main__":  # pragma: no cover - a helper for writing config files
    import getpass
    import sys

    sys.stdout.write(hash_pin(getpass.getpass("staff PIN: ")) + "\n")
