"""Deterministic RSA keys of card/profile.py (sped up for ``server_stub init``): same seed, same key."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from card.profile import SeededRandom, rsa_key


def test_seeded_keys_are_reproducible_and_work() -> None:
    a, b = rsa_key(SeededRandom("k")), rsa_key(SeededRandom("k"))
    assert a.private_numbers() == b.private_numbers()
    assert a.key_size == 2048 and a.public_key().public_numbers().e == 65537
    assert rsa_key(SeededRandom("other")).private_numbers() != a.private_numbers()
    sig = a.sign(b"msg", padding.PKCS1v15(), hashes.SHA256())
    b.public_key().verify(sig, b"msg", padding.PKCS1v15(), hashes.SHA256())
