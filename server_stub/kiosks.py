"""The kiosk registry and the kiosk CRL: which client certificates the center serves.

A certificate from the kiosk CA is necessary but not enough: its CN must name a kiosk of
``kiosks/index.json`` (the kiosk id goes into every 発行番号, so an arbitrary CN must not), and its
serial must not be on ``kiosks/crl.pem``, the kiosk CA's CRL that ``revoke --kiosk ID`` rewrites.  Both
files are re-read when they change (a ``stat`` per check), so a revocation reaches a running center
at its next request, without a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server_stub import pki
from server_stub.errors import AuthError, ConfigError, api_error

__all__ = ["KioskRegistry", "revoke_kiosk", "write_kiosk_crl"]


def _refused(code: str, ja: str, en: str) -> AuthError:
    exc = api_error("auth", code, ja, en, status=403)
    assert isinstance(exc, AuthError)
    return exc


class KioskRegistry:
    """Checks a kiosk id and certificate serial; thread-safe."""

    def __init__(self, data_dir: Path, clock: Callable[[], dt.datetime]) -> None:
        d = data_dir / "kiosks"
        self.index_path = d / "index.json"
        ca = x509.load_pem_x509_certificate((d / "ca.pem").read_bytes())
        self.crl = pki.CrlCache(d / "crl.pem", ca)
        self.clock = clock
        self._lock = threading.Lock()
        self._index_key: tuple[int, int] | None = None
        self._ids: frozenset[str] = frozenset()

    def _known(self) -> frozenset[str]:
        try:
            st = self.index_path.stat()
        except OSError as exc:
            raise _refused("kiosk_unknown", "端末台帳がありません", "kiosk registry missing") from exc
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if key != self._index_key:
                try:
                    index = json.loads(self.index_path.read_text(encoding="utf-8"))
                    self._ids = frozenset(str(k["kiosk_id"]) for k in index)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise _refused(
                        "kiosk_unknown", "端末台帳を読めません", "kiosk registry unreadable"
                    ) from exc
                self._index_key = key
            return self._ids

    def check(self, kiosk_id: str, serial: int) -> None:
        """:raises AuthError: ``kiosk_unknown``, ``kiosk_revoked`` (403) or ``crl_unavailable`` (503)."""
        if kiosk_id not in self._known():
            raise _refused("kiosk_unknown", "登録されていない端末です", f"kiosk {kiosk_id!r} not registered")
        if serial in self.crl.revoked(self.clock()):
            raise _refused("kiosk_revoked", "この端末の証明書は失効しています", "kiosk certificate revoked")


def _ca(data_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    d = data_dir / "kiosks"
    try:
        cert = x509.load_pem_x509_certificate((d / "ca.pem").read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError("端末認証局を読めません / cannot read the kiosk CA") from exc
    return cert, pki.load_ec_private(d / "ca-key.pem")


def write_kiosk_crl(data_dir: Path, revoked: list[int], now: dt.datetime, *, number: int, days: int) -> None:
    """Sign and atomically replace ``kiosks/crl.pem``."""
    cert, key = _ca(data_dir)
    crl = pki.sign_crl(cert.subject, key, revoked, now, days=days, number=number)
    path = data_dir / "kiosks" / "crl.pem"
    tmp = path.with_suffix(".pem.tmp")
    tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, path)


def revoke_kiosk(data_dir: Path, kiosk_id: str, now: dt.datetime, *, days: int = 365) -> list[int]:
    """Put ``kiosk_id``'s certificate on the kiosk CRL; every revoked serial.

    :raises ConfigError: on an unknown kiosk or unreadable files.
    """
    d = data_dir.resolve()
    try:
        index = json.loads((d / "kiosks" / "index.json").read_text(encoding="utf-8"))
        entry = next(k for k in index if k["kiosk_id"] == kiosk_id)
        cert = x509.load_pem_x509_certificate((d / entry["cert"]).read_bytes())
    except StopIteration as exc:
        raise ConfigError(f"端末がありません / no kiosk {kiosk_id!r}") from exc
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError("端末台帳を読めません / cannot read the kiosk registry") from exc
    path = d / "kiosks" / "crl.pem"
    try:
        old = x509.load_pem_x509_crl(path.read_bytes())
        serials, number = {r.serial_number for r in old}, pki.crl_number(old) + 1
        now = max(now, old.last_update_utc)  # thisUpdate never goes back (readers refuse that)
    except (OSError, ValueError):
        serials, number = set(), 1
    serials.add(cert.serial_number)
    write_kiosk_crl(d, sorted(serials), now.replace(microsecond=0), number=number, days=days)
    return sorted(serials)
