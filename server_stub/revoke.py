"""``revoke``: add a user-authentication certificate serial to the CRL (re-signed, atomically replaced)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from card.profile import JpkiCA
from server_stub import pki
from server_stub.errors import ConfigError

__all__ = ["revoke_serial"]


def revoke_serial(data_dir: Path, serial_hex: str, now: dt.datetime | None = None) -> list[int]:
    """Revoke ``serial_hex``; return every revoked serial.

    :raises ConfigError: on a bad serial or unreadable PKI files.
    """
    try:
        serial = int(serial_hex.removeprefix("0x"), 16)
    except ValueError as exc:
        raise ConfigError(f"シリアル番号が16進数ではありません / serial is not hex: {serial_hex!r}") from exc
    d = data_dir.resolve() / "pki"
    try:
        ca = JpkiCA.from_pem("auth", (d / "auth-ca.pem").read_text(), (d / "auth-ca-key.pem").read_text())
        old = x509.load_pem_x509_crl((d / "auth-crl.pem").read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError("認証局のファイルを読めません / cannot read the CA or CRL") from exc
    serials = sorted({r.serial_number for r in old} | {serial})
    # The CRL number goes up and thisUpdate never goes back: centers refuse a CRL that does (rollback).
    at = max((now or dt.datetime.now(dt.UTC)).replace(microsecond=0), old.last_update_utc)
    crl = pki.make_crl(ca, serials, at, number=pki.crl_number(old) + 1)
    tmp = d / "auth-crl.pem.tmp"
    tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, d / "auth-crl.pem")
    return serials
