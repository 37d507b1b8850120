"""Test key material: a seeded big-integer source, deterministic RSA keys and ECDSA P-384 keys.

Real cards never yield their keys; these keys exist only so that test cards and the test center can be
reproduced from a seed (``server_stub init --seed S``).  ``cryptography`` cannot seed its own key
generation, so RSA primes are found here with a sieve and Miller-Rabin over a seeded generator, and EC
keys are derived from a seeded scalar.
"""

from __future__ import annotations

import hashlib
import random

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

__all__ = ["P384_ORDER", "PrivateKey", "SeededRandom", "ec_p384_key", "pem_key", "rsa_key"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
# Order of the NIST P-384 group (FIPS 186-4 D.1.2.4).
P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
)


def _primes_below(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(range(i * i, limit, i)))
    return [i for i in range(3, limit) if sieve[i]]


_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]
# Odd primes for the incremental sieve of _prime: a sieve bound of 2**15 leaves ~10 % of odd candidates
# (Mertens), against ~15 % for trial division up to 2000, and costs one ``n % p`` per prime per window.
_SIEVE_PRIMES = _primes_below(1 << 15)
_SIEVE_WINDOW = 2048  # odd candidates per window: n, n+2, ..., n+2*(window-1)


class SeededRandom:
    """A reproducible source of big integers (not for production keys, only test cards)."""

    def __init__(self, seed: str | int) -> None:
        digest = hashlib.sha256(f"konbini-test-keys:{seed}".encode()).digest()
        self._rng = random.Random(int.from_bytes(digest, "big"))

    def getrandbits(self, bits: int) -> int:
        return self._rng.getrandbits(bits)

    def child(self, label: str) -> SeededRandom:
        """An independent stream for one purpose, so adding a key elsewhere changes nothing here."""
        return SeededRandom(f"{self._rng.getrandbits(64)}:{label}")


def _is_probable_prime(n: int, rng: SeededRandom, rounds: int = 24) -> bool:
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + rng.getrandbits(n.bit_length() - 2) % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _fermat2(n: int) -> bool:
    # One base-2 Fermat test rejects almost every composite that survives the sieve without drawing
    # from the seeded generator; the seeded Miller-Rabin rounds then run only on likely primes.
    return pow(2, n - 1, n) == 1


def _prime(bits: int, rng: SeededRandom, e: int) -> int:
    """A ``bits``-bit prime p with gcd(p-1, e) = 1, found by an incremental sieve search.

    The start is a seeded random odd number with the top two bits set (so that p*q has exactly
    2*bits bits); candidates n, n+2, ... are sieved against the odd primes below 2**15 in one pass per
    window, then tested with base-2 Fermat and seeded Miller-Rabin.  Deterministic for a given ``rng``.
    """
    top = 1 << bits
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * _SIEVE_WINDOW
        for p in _SIEVE_PRIMES:
            # First index i with start + 2i ≡ 0 (mod p): 2i ≡ -start, i ≡ -start * inv2 (mod p).
            i = (-start * ((p + 1) // 2)) % p
            if i < _SIEVE_WINDOW:
                alive[i::p] = bytearray(len(range(i, _SIEVE_WINDOW, p)))
        for i in range(_SIEVE_WINDOW):
            if not alive[i]:
                continue
            n = start + 2 * i
            if n >= top:
                break
            # 5 Miller-Rabin rounds after trial division give error < 2**-100 for 1024-bit
            # candidates (FIPS 186-4 Table C.2); smaller test keys keep the full default.
            rounds = 5 if bits >= 1024 else 24
            if (n - 1) % e and _fermat2(n) and _is_probable_prime(n, rng, rounds):
                return n


def rsa_key(rng: SeededRandom | None = None, bits: int = 2048) -> rsa.RSAPrivateKey:
    """RSA key with e=65537; deterministic when ``rng`` is given, else from the OS generator."""
    e = 65537
    if rng is None:
        return rsa.generate_private_key(public_exponent=e, key_size=bits)
    while True:
        p = _prime(bits // 2, rng, e)
        q = _prime(bits // 2, rng, e)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def ec_p384_key(rng: SeededRandom | None = None) -> ec.EllipticCurvePrivateKey:
    """ECDSA P-384 key (the next-generation card's curve); deterministic when ``rng`` is given."""
    if rng is None:
        return ec.generate_private_key(ec.SECP384R1())
    scalar = rng.getrandbits(384 + 64) % (P384_ORDER - 1) + 1  # 64 extra bits: negligible bias
    return ec.derive_private_key(scalar, ec.SECP384R1())


def pem_key(key: PrivateKey) -> str:
    """PKCS#8 PEM, unencrypted (test material)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
