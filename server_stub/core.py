"""The center's core: configuration, request-field checks, and what every route shares.

:class:`CenterCore` holds only immutable configuration (keys, the catalogue, the kiosk registry); the
routes live in :mod:`server_stub.orders` (orders, issue, complete) and :mod:`server_stub.service`
(authentication, seal status), one short DB transaction per step.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from server_stub import audit, holders, pki
from server_stub.dbexec import transaction
from server_stub.directory import MunicipalBackend, municipal_backend
from server_stub.errors import CenterError, ConfigError, RequestError, api_error
from server_stub.issuing import Issuer
from server_stub.kiosks import KioskRegistry
from server_stub.municipalities import Municipality
from server_stub.store import is_postgres, municipalities
from server_stub.trust import TrustStore

__all__ = ["CenterConfig", "CenterCore", "Clock", "payment_of", "req_b64", "req_str", "token"]

log = logging.getLogger(__name__)
Clock = Callable[[], float]


@dataclass(frozen=True)
class CenterConfig:
    data_dir: Path
    challenge_ttl: float = 60.0
    session_ttl: float = 600.0
    clock: Clock = field(default=time.time)
    # The municipal directory (docs/center.md "Tiers"); None: the in-process municipal backend.
    directory: Path | None = None
    # Seconds a municipal issuance server has to answer before the order is voided and refunded.
    municipal_deadline: float = 3.0


def req_str(body: dict[str, Any], key: str, max_len: int = 128) -> str:
    v = body.get(key)
    if not isinstance(v, str) or not 0 < len(v) <= max_len:
        raise RequestError(f"{key} が不正です / field {key!r} missing or invalid", code="field_invalid")
    return v


def req_b64(body: dict[str, Any], key: str, max_len: int) -> bytes:
    text = req_str(body, key, max_len * 4 // 3 + 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RequestError(
            f"{key} が base64 ではありません / field {key!r} is not base64", code="field_invalid"
        ) from exc


PAYMENT_METHODS = frozenset({"cash", "card", "emoney", "qr"})
_PAYMENT_INTS = ("amount", "received", "change")
MAX_YEN = 1_000_000


def payment_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``payment`` object, checked against its schema: known keys only, whole yen.

    ``{"method": "cash", "amount": 300, "received": 500, "change": 200}``; ``amount`` is required.
    What is stored is this checked object, never the body as sent (a 60 KB payment was kept before).

    :raises RequestError: ``field_invalid``.
    """
    payment = body.get("payment")
    if not isinstance(payment, dict) or "amount" not in payment:
        raise RequestError("payment が不正です / field 'payment' missing or invalid", code="field_invalid")
    unknown = set(payment) - {"method", *_PAYMENT_INTS}
    if unknown:
        raise RequestError(
            f"payment に不明な項目があります / unknown payment keys {sorted(unknown)[:4]}",
            code="field_invalid",
        )
    out: dict[str, Any] = {"method": payment.get("method", "cash")}
    # A non-string method ({} or []) is unhashable: checked first, it is a refusal, not a 500.
    if not isinstance(out["method"], str) or out["method"] not in PAYMENT_METHODS:
        raise RequestError("payment.method が不正です / unknown payment method", code="field_invalid")
    for k in _PAYMENT_INTS:
        if k not in payment:
            continue
        v = payment[k]
        # Yen are whole: 300.0 or "300" or true are refused, not rounded.
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_YEN:
            raise RequestError(
                f"payment.{k} は円の整数です / payment.{k} must be whole yen", code="field_invalid"
            )
        out[k] = v
    return out


def token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(18)


class CenterCore:
    """What every route of the center shares.  Thread-safe: it holds only immutable configuration."""

    def __init__(self, config: CenterConfig, engine: Engine) -> None:
        self.config = config
        self.engine = engine
        self.postgres = is_postgres(engine)
        d = config.data_dir
        self.seal_key = pki.load_ec_private(d / "seal" / "key.pem")
        try:
            # Every trusted CA generation with its own CRL (server_stub.trust).
            self.trust = TrustStore.load(d / "pki")
        except ConfigError as exc:
            raise api_error(
                "config", "config_invalid", "認証局証明書を読めません", "cannot read auth CA", status=500
            ) from exc
        holders.ensure_card_municipality(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(municipalities.c.data)).all()
        self.catalogue = {m.code: m for m in (Municipality.from_json(json.loads(r.data)) for r in rows)}
        self.seal_png = {code: (d / "seals" / f"{code}.b64").read_text().strip() for code in self.catalogue}
        self.issuer = Issuer(self.catalogue, self.seal_png, self.seal_key, postgres=self.postgres)
        self.municipal: MunicipalBackend = municipal_backend(config, engine, self.catalogue, self.seal_png)
        self.kiosks = KioskRegistry(d, lambda: self.now()[1])

    # -- helpers ---------------------------------------------------------------------------------
    def now(self) -> tuple[float, dt.datetime]:
        t = self.config.clock()
        return t, dt.datetime.fromtimestamp(t, dt.UTC)

    def _audit(self, conn: Connection, at: float, kiosk_id: str | None, event: str, **detail: Any) -> None:
        audit.queue(conn, at=at, kiosk_id=kiosk_id, event=event, detail=detail, postgres=self.postgres)

    def record_security_event(self, kiosk_id: str | None, exc: CenterError) -> None:
        """Write ``exc.security_event`` to the audit log in a transaction of its own."""
        if exc.security_event is None:
            return
        event, detail = exc.security_event
        t, _ = self.now()
        with transaction(self.engine) as conn:
            self._audit(conn, t, kiosk_id, event, **detail)
        log.warning("security event %s from kiosk %s", event, kiosk_id)

    def check_kiosk(self, kiosk_id: str, serial: int) -> None:
        """The kiosk is registered and its certificate not revoked (HttpServer calls this per request).

        :raises AuthError: ``kiosk_unknown``, ``kiosk_revoked``, ``crl_unavailable``.
        """
        self.kiosks.check(kiosk_id, serial)

