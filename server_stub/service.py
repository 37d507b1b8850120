"""The center's application logic: one method per API route, one short DB transaction per step.

Nothing about a transaction lives in process memory (DESIGN.md "Where the real system failed"): the
challenge, session and order are rows; every document is built from the resident the *session* is
bound to, read inside the issuing transaction; the kiosk id comes from the TLS client certificate, never
from the body.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from server_stub import audit, pki, rules
from server_stub import queries as sql
from server_stub.dbexec import run, send, transaction
from server_stub.errors import (
    AuthError,
    CenterError,
    ConfigError,
    OrderError,
    RequestError,
    SessionError,
    api_error,
)
from server_stub.issuing import Issuer
from server_stub.municipalities import Municipality
from server_stub.store import (
    dumps,
    is_postgres,
    municipalities,
)
from server_stub.trust import TrustStore, verify_auth_signature

__all__ = ["Center", "CenterConfig", "Clock"]

log = logging.getLogger(__name__)
Clock = Callable[[], float]


@dataclass(frozen=True)
class CenterConfig:
    data_dir: Path
    challenge_ttl: float = 60.0
    session_ttl: float = 600.0
    clock: Clock = field(default=time.time)


def _req_str(body: dict[str, Any], key: str, max_len: int = 128) -> str:
    v = body.get(key)
    if not isinstance(v, str) or not 0 < len(v) <= max_len:
        raise RequestError(f"{key} が不正です / field {key!r} missing or invalid", code="field_invalid")
    return v


def _req_b64(body: dict[str, Any], key: str, max_len: int) -> bytes:
    text = _req_str(body, key, max_len * 4 // 3 + 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RequestError(
            f"{key} が base64 ではありません / field {key!r} is not base64", code="field_invalid"
        ) from exc


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(18)


class Center:
    """The issuance center over one database.  Thread-safe: it holds only immutable configuration."""

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
        with engine.connect() as conn:
            rows = conn.execute(select(municipalities.c.data)).all()
        self.catalogue = {m.code: m for m in (Municipality.from_json(json.loads(r.data)) for r in rows)}
        self.seal_png = {code: (d / "seals" / f"{code}.b64").read_text().strip() for code in self.catalogue}
        self.issuer = Issuer(self.catalogue, self.seal_png, self.seal_key, postgres=self.postgres)

    # -- helpers ---------------------------------------------------------------------------------
    def now(self) -> tuple[float, dt.datetime]:
        t = self.config.clock()
        return t, dt.datetime.fromtimestamp(t, dt.UTC)

    def _audit(self, conn: Connection, at: float, kiosk_id: str | None, event: str, **detail: Any) -> None:
        audit.queue(conn, at=at, kiosk_id=kiosk_id, event=event, detail=detail, postgres=self.postgres)

    @staticmethod
    def _facts_of(row: Any, resident_id: str) -> tuple[rules.ResidentFacts, dict[str, Any]]:
        """Facts from a row carrying queries._FACT_COLUMNS (``data`` NULL: no such resident)."""
        if row is None or row.data is None:
            raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown")
        data = json.loads(row.data)
        years = frozenset(int(y) for y in row.tax_years.split(",")) if row.tax_years else frozenset()
        honseki = data["honseki"]["municipality"] if data.get("honseki") else None
        facts = rules.ResidentFacts(
            resident_id=resident_id,
            municipality=data["municipality"],
            status=data["status"],
            support_measure=bool(data["support_measure"]),
            foreign=data.get("foreign") is not None,
            has_seal=bool(row.seals),
            tax_years=years,
            honseki=honseki,
            honseki_registered=honseki is not None and row.registered == honseki,
            household_size=int(row.household or 1),
        )
        return facts, data

    @staticmethod
    def _with_household(
        conn: Connection, facts: rules.ResidentFacts, data: dict[str, Any]
    ) -> rules.ResidentFacts:
        """The facts with the household's current members (世帯の一部), read in this transaction."""
        if facts.household_size <= 1:
            return facts
        rows = run(conn, sql.HOUSEHOLD, {"hh": data["household_id"]})
        members = tuple((p["resident_id"], p["name"]) for p in (json.loads(r.data) for r in rows))
        return dataclasses.replace(facts, household_members=members)

    # -- auth --------------------------------------------------------------------------------------
    def challenge(self, kiosk_id: str) -> dict[str, Any]:
        """``POST /v1/auth/challenge``.  :raises NotAvailableError: ``outside_hours``."""
        t, now = self.now()
        rules.check_service_hours(now)
        cid, nonce = _token("C-"), secrets.token_bytes(32)
        expires = t + self.config.challenge_ttl
        # A single INSERT needs no BEGIN/COMMIT round trips of its own on PostgreSQL.
        with transaction(self.engine, autocommit=True) as conn:
            send(
                conn,
                sql.CHALLENGE_INSERT,
                {
                    "challenge_id": cid,
                    "kiosk_id": kiosk_id,
                    "nonce": nonce,
                    "created_at": t,
                    "expires_at": expires,
                },
            )
        return {
            "challenge_id": cid,
            "nonce": base64.b64encode(nonce).decode(),
            "expires_at": dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(),
        }

    def _claim_challenge(self, conn: Connection, kiosk_id: str, cid: str, t: float) -> bytes:
        # One conditional UPDATE claims the challenge: two processes cannot both succeed.  The caller
        # commits the claim even when what follows fails (single use, DESIGN.md step 4).
        claimed = run(
            conn, sql.CHALLENGE_CLAIM_RETURNING, {"b_cid": cid, "b_kiosk": kiosk_id, "used_at": t}
        ).one_or_none()
        if claimed is not None:
            if t > claimed.expires_at:
                raise AuthError(
                    "チャレンジの期限が切れています / challenge expired", code="challenge_expired"
                )
            return bytes(claimed.nonce)
        row = run(conn, sql.CHALLENGE, {"cid": cid}).one_or_none()
        if row is None or row.kiosk_id != kiosk_id:
            raise AuthError(
                "チャレンジが見つかりません / challenge unknown", code="challenge_unknown", status=404
            )
        raise AuthError(
            "チャレンジは使用済みです / challenge already used", code="challenge_used", status=409
        )

    def respond(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/auth/response``: verify the card's answer and open a session.

        One transaction claims the challenge, checks the card, opens the session and audits the
        outcome; a refusal commits the burnt challenge and its ``auth_failed`` entry, then is raised.

        :raises AuthError: challenge_*, certificate_*, signature_invalid, resident_unknown, resident_deceased.
        """
        cid = _req_str(body, "challenge_id", 64)
        der = _req_b64(body, "certificate", 8192)
        sig = _req_b64(body, "signature", 1024)
        t, now = self.now()
        rules.check_service_hours(now)
        refused: AuthError | None = None
        with transaction(self.engine) as conn:
            try:
                answer = self._open_session(conn, kiosk_id, cid, der, sig, t, now)
            except AuthError as exc:
                self._audit(conn, t, kiosk_id, "auth_failed", challenge_id=cid, code=exc.error_code)
                refused = exc
        if refused is not None:
            raise refused
        return answer

    def _open_session(  # noqa: PLR0917
        self, conn: Connection, kiosk_id: str, cid: str, der: bytes, sig: bytes, t: float, now: dt.datetime
    ) -> dict[str, Any]:
        nonce = self._claim_challenge(conn, kiosk_id, cid, t)
        cert = self.trust.verify(der, now)
        verify_auth_signature(cert, sig, pki.auth_message(cid, kiosk_id, nonce))
        serial = f"{cert.serial_number:X}"
        row = run(conn, sql.FACTS_BY_CARD, {"serial": serial}).one_or_none()
        if row is None:
            raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown", status=403)
        facts, data = self._facts_of(row, row.resident_id)
        facts = self._with_household(conn, facts, data)
        if facts.status == "deceased":
            raise AuthError(
                "この証明書では利用できません / resident deceased", code="resident_deceased", status=403
            )
        munis = rules.municipalities_for(facts, self.catalogue, now)
        sid = _token("SE-")
        expires = t + self.config.session_ttl
        send(
            conn,
            sql.SESSION_INSERT,
            {
                "session_id": sid,
                "kiosk_id": kiosk_id,
                "resident_id": facts.resident_id,
                "cert_serial": serial,
                "created_at": t,
                "expires_at": expires,
                "municipalities": dumps([[m["code"], m["relation"]] for m in munis]),
            },
        )
        self._audit(
            conn, t, kiosk_id, "auth_ok", session_id=sid, resident_id=facts.resident_id, cert_serial=serial
        )
        return {
            "session_id": sid,
            "expires_at": dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(),
            "municipalities": munis,
        }

    # -- orders ------------------------------------------------------------------------------------
    def _session(self, conn: Connection, kiosk_id: str, sid: str, t: float) -> Any:
        """The session row with its resident's facts (queries.SESSION_FACTS)."""
        row = run(conn, sql.SESSION_FACTS, {"sid": sid}).one_or_none()
        owner, expires_at = (None, None) if row is None else (row.kiosk_id, row.expires_at)
        self._check_session(kiosk_id, sid, owner, t, expires_at)
        return row

    @staticmethod
    def _check_session(
        kiosk_id: str, sid: str, owner: str | None, t: float, expires_at: float | None
    ) -> None:
        if owner is None or owner != kiosk_id:
            exc = SessionError("セッションが見つかりません / session unknown", code="session_unknown")
            if owner is not None:
                # Another kiosk's session: answered like an unknown one, recorded as a security event
                # after this transaction rolls back (see record_security_event).
                exc.security_event = ("foreign_session", {"session_id": sid, "owner": owner})
            raise exc
        if expires_at is None or t > expires_at:
            raise SessionError(
                "セッションの期限が切れています / session expired", code="session_expired", status=401
            )

    def order(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/orders``: validate against the rules and price the order.

        :raises SessionError, NotAvailableError, RequestError:
        """
        sid = _req_str(body, "session_id", 64)
        code = _req_str(body, "municipality", 6)
        cert = _req_str(body, "certificate", 16)
        t, now = self.now()
        rules.check_service_hours(now)
        with transaction(self.engine) as conn:
            sess = self._session(conn, kiosk_id, sid, t)
            allowed = {c: rel for c, rel in json.loads(sess.municipalities)}
            if code not in allowed or code not in self.catalogue:
                raise rules.not_available("not_offered")
            muni = self.catalogue[code]
            facts, data = self._facts_of(sess, sess.resident_id)
            facts = self._with_household(conn, facts, data)
            opts = rules.validate_order(
                muni,
                cert,
                allowed[code],
                facts,
                options=body.get("options", {}),
                copies=body.get("copies", 1),
                now=now,
            )
            copies = int(body.get("copies", 1))
            fee = muni.services[cert].fee
            oid = _token("O-")
            send(
                conn,
                sql.ORDER_INSERT,
                {
                    "order_id": oid,
                    "session_id": sid,
                    "kiosk_id": kiosk_id,
                    "resident_id": sess.resident_id,
                    "municipality": code,
                    "relation": allowed[code],
                    "certificate": cert,
                    "options": dumps(opts),
                    "copies": copies,
                    "fee_each": fee,
                    "fee_total": fee * copies,
                    "state": "ordered",
                    "created_at": t,
                    "charged": 0,
                },
            )
            self._audit(
                conn,
                t,
                kiosk_id,
                "order_created",
                order_id=oid,
                session_id=sid,
                cert_type=cert,
                municipality=code,
                copies=copies,
            )
        return {
            "order_id": oid,
            "municipality": code,
            "certificate": cert,
            "options": opts,
            "copies": copies,
            "fee_each": fee,
            "fee_total": fee * copies,
        }

    def _order_row(self, conn: Connection, kiosk_id: str, oid: str, stmt: Any = None) -> Any:
        if stmt is None:
            stmt = sql.ORDER_LOCKED if self.postgres else sql.ORDER
        row = run(conn, stmt, {"oid": oid}).one_or_none()
        if row is None or row.kiosk_id != kiosk_id:
            exc = OrderError("注文が見つかりません / order unknown", code="order_unknown")
            if row is not None:
                exc.security_event = ("foreign_order", {"order_id": oid, "owner": row.kiosk_id})
            raise exc
        return row

    def issue(self, kiosk_id: str, oid: str, key: str | None, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/orders/{id}/issue``: idempotent on ``Idempotency-Key``.

        :raises OrderError, SessionError, NotAvailableError, RequestError:
        """
        if not key or len(key) > 128 or not key.isascii() or not key.isprintable():
            raise RequestError(
                "Idempotency-Key ヘッダが必要です / Idempotency-Key header required",
                code="idempotency_key_required",
            )
        payment = body.get("payment")
        if not isinstance(payment, dict):
            raise RequestError(
                "payment が不正です / field 'payment' missing or invalid", code="field_invalid"
            )
        req_hash = hashlib.sha256(dumps(body).encode()).hexdigest()
        t, now = self.now()
        with transaction(self.engine) as conn:
            # One statement: the order row locked (PostgreSQL), its session and its resident's facts.
            row = self._order_row(conn, kiosk_id, oid, sql.ORDER_LOCKED_FACTS)
            if row.state in ("printed", "failed"):
                # A replay after completion would hand out documents already printed or voided.
                raise OrderError(
                    "完了済みの注文です / order already completed", code="order_completed", status=409
                )
            if row.state != "ordered":
                if row.idempotency_key != key:
                    raise OrderError(
                        "この注文は発行済みです / order already issued",
                        code="order_already_issued",
                        status=409,
                    )
                if row.request_hash != req_hash:
                    raise OrderError(
                        "同じキーで異なる要求です / Idempotency-Key reused with another body",
                        code="idempotency_key_reused",
                        status=422,
                    )
                stored = run(conn, sql.DOCS_OF_ORDER, {"oid": oid}).all()
                return {
                    "order_id": oid,
                    "documents": [json.loads(d.document) for d in stored],
                    "replayed": True,
                }
            self._check_session(kiosk_id, row.session_id, row.s_kiosk_id, t, row.s_expires_at)
            rules.check_service_hours(now)
            amount = payment.get("amount")
            if amount != row.fee_total:
                raise RequestError(
                    "支払額が手数料と一致しません / payment amount does not match the fee",
                    code="payment_mismatch",
                    status=422,
                )
            docs = self._build_documents(conn, kiosk_id, row, now)
            send(
                conn,
                sql.ORDER_SET,
                {
                    "b_oid": oid,
                    "state": "issued",
                    "idempotency_key": key,
                    "request_hash": req_hash,
                    "payment": dumps(payment),
                    "charged": row.fee_total,
                    "issued_at": t,
                },
            )
            self._audit(
                conn,
                t,
                kiosk_id,
                "issued",
                order_id=oid,
                seals=[d["content"]["seal_id"] for d in docs],
                charged=row.fee_total,
            )
        return {"order_id": oid, "documents": docs, "replayed": False}

    def _build_documents(
        self, conn: Connection, kiosk_id: str, order: Any, now: dt.datetime
    ) -> list[dict[str, Any]]:
        # The facts came with the locked order row, read in this transaction (ORDER_LOCKED_FACTS).
        facts, resident = self._facts_of(order, order.resident_id)
        facts = self._with_household(conn, facts, resident)
        options = json.loads(order.options)
        # Re-check eligibility inside the issuing transaction: the registry may have changed.
        rules.validate_order(
            self.catalogue[order.municipality],
            order.certificate,
            order.relation,
            facts,
            options=options,
            copies=order.copies,
            now=now,
        )
        return self.issuer.documents(
            conn, kiosk_id=kiosk_id, order=order, options=options, resident=resident, now=now
        )

    def complete(self, kiosk_id: str, oid: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/orders/{id}/complete``: ``failed`` voids the documents and refunds the fee.

        :raises OrderError, RequestError:
        """
        result = body.get("result")
        if result not in ("printed", "failed"):
            raise RequestError(
                "result は printed か failed です / result must be printed or failed", code="field_invalid"
            )
        pages = body.get("pages_printed", 0)
        if not isinstance(pages, int) or isinstance(pages, bool) or not 0 <= pages <= 1000:
            raise RequestError("pages_printed が不正です / pages_printed invalid", code="field_invalid")
        t, _ = self.now()
        with transaction(self.engine) as conn:
            # Happy path in one statement: the conditional UPDATE claims an issued order of this kiosk.
            claimed = run(
                conn,
                sql.COMPLETE_CLAIM,
                {
                    "b_oid": oid,
                    "b_kiosk": kiosk_id,
                    "state": result,
                    "completed_at": t,
                    "pages_printed": pages,
                },
            ).one_or_none()
            if claimed is not None:
                charged = int(claimed.charged)
                seals: list[str] = []
                if result == "failed":
                    voided = run(conn, sql.DOCS_VOID_RETURNING, {"b_oid": oid, "status": "voided"}).all()
                    seals = [r.seal_id for r in sorted(voided, key=lambda r: r.copy_index)]
                self._audit(conn, t, kiosk_id, f"completed_{result}", order_id=oid, pages_printed=pages)
            else:
                row = self._order_row(conn, kiosk_id, oid)
                if row.state == "ordered":
                    raise OrderError(
                        "まだ発行されていません / order not issued", code="order_not_issued", status=409
                    )
                if row.state != result:
                    raise OrderError(
                        "完了済みの注文です / order already completed", code="order_completed", status=409
                    )
                # A repeated report of the same result is idempotent.
                charged = int(row.charged)
                seals = (
                    [r.seal_id for r in run(conn, sql.DOCS_OF_ORDER, {"oid": oid})]
                    if result == "failed"
                    else []
                )
        return {
            "order_id": oid,
            "state": result,
            "refund": charged if result == "failed" else 0,
            "voided": seals,
        }

    def record_security_event(self, kiosk_id: str | None, exc: CenterError) -> None:
        """Write ``exc.security_event`` to the audit log in a transaction of its own."""
        if exc.security_event is None:
            return
        event, detail = exc.security_event
        t, _ = self.now()
        with transaction(self.engine) as conn:
            self._audit(conn, t, kiosk_id, event, **detail)
        log.warning("security event %s from kiosk %s", event, kiosk_id)

    def seal_status(self, seal_id: str) -> dict[str, Any]:
        """``GET /v1/seals/{id}`` (public).  :raises CenterError: ``seal_unknown`` (404)."""
        with self.engine.connect() as conn:
            row = run(conn, sql.DOC_STATUS, {"seal_id": seal_id}).one_or_none()
        if row is None:
            raise CenterError("封印が見つかりません / seal unknown", code="seal_unknown", status=404)
        return {"seal_id": seal_id, "status": row.status}
