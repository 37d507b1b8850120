"""Orders: ``POST /v1/orders``, ``/issue`` and ``/complete`` (one short DB transaction each).

Every document is created by the municipality for the resident the *session* is bound to and checked
to name the session's holder before it is sealed; the order itself is checked and priced by the
municipality (``/m1/eligibility``); the kiosk id comes from the TLS client certificate, never from the
body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import Connection

from server_stub import holders, rules
from server_stub import queries as sql
from server_stub.core import payment_of, req_str, token
from server_stub.dbexec import run, send, transaction
from server_stub.errors import CenterError, OrderError, RequestError, SessionError
from server_stub.municipal.eligibility import EligibilityRequest, OrderAsk, check_eligibility
from server_stub.municipal.protocol import MunicipalError
from server_stub.municipal.step import Fetched, MunicipalStep
from server_stub.store import dumps

__all__ = ["MAX_PAGES_PER_COPY", "RETAINED_DOCUMENT", "OrderDesk"]

# The longest document printed here (a household 住民票 or a 戸籍 of the largest synthetic family) fits
# in far fewer pages; more than this per copy is a kiosk reporting nonsense.
MAX_PAGES_PER_COPY = 8
# What ``documents.document`` holds after ``complete``: nothing (the row's columns keep the seal id,
# certificate, resident id, status and content digest).
RETAINED_DOCUMENT = "{}"


class OrderDesk(MunicipalStep):
    """The order routes; :class:`server_stub.service.Center` adds authentication."""

    def _session(self, conn: Connection, kiosk_id: str, sid: str, t: float) -> Any:
        """The session row (its scope names the municipalities and the holder)."""
        row = run(conn, sql.SESSION, {"sid": sid}).one_or_none()
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
        sid = req_str(body, "session_id", 64)
        code = req_str(body, "municipality", 6)
        cert = req_str(body, "certificate", 16)
        t, now = self.now()
        rules.check_service_hours(now)
        with self.engine.connect() as conn:
            sess = self._session(conn, kiosk_id, sid, t)
            conn.rollback()
        scope = holders.Scope.parse(sess.municipalities)
        if code not in scope.municipalities or code not in self.catalogue:
            raise rules.not_available("not_offered")
        relation, answered = scope.municipalities[code]
        if not answered or scope.holder is None or not self.municipal_available(code):
            # Its issuance servers are down or slow: refused before the resident pays.
            raise rules.not_available("municipal_unavailable")
        oid = token("O-")
        # The municipality checks the order against its registry and rules, and prices it; no
        # transaction is open meanwhile.  The request id is the order id.
        req = EligibilityRequest(
            oid,
            code,
            sess.resident_id,
            relation,
            self.deadline_ms(),
            OrderAsk(cert, body.get("options", {}), body.get("copies", 1)),
        )
        try:
            checked = check_eligibility(self.municipal.eligibility(req), req, scope.holder)
        except MunicipalError as exc:
            with transaction(self.engine) as conn:
                self._audit(
                    conn,
                    t,
                    kiosk_id,
                    "municipal_failed",
                    order_id=oid,
                    municipality=code,
                    code=exc.error_code,
                    problem=exc.problem,
                )
            raise
        assert checked.options is not None and checked.fee_each is not None
        opts, fee = checked.options, checked.fee_each
        with transaction(self.engine) as conn:
            copies = int(body.get("copies", 1))
            send(
                conn,
                sql.ORDER_INSERT,
                {
                    "order_id": oid,
                    "session_id": sid,
                    "kiosk_id": kiosk_id,
                    "resident_id": sess.resident_id,
                    "municipality": code,
                    "relation": relation,
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
        payment = payment_of(body)
        req_hash = hashlib.sha256(dumps(body).encode()).hexdigest()
        t, now = self.now()
        # The municipality's content first, outside any transaction (server_stub/municipal/step.py).
        fetched = self._fetch_contents(kiosk_id, oid, payment.get("amount"), t, now)
        with transaction(self.engine) as conn:
            # One statement: the order row locked (PostgreSQL) and its session.
            row = self._order_row(conn, kiosk_id, oid, holders.ORDER_LOCKED_SESSION)
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
            docs = self._build_documents(conn, kiosk_id, row, now, fetched)
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
        self, conn: Connection, kiosk_id: str, order: Any, now: dt.datetime, fetched: Fetched | None
    ) -> list[dict[str, Any]]:
        # The municipality re-checked the order against its registry and rules when it created the
        # content (/m1/certificates); the center checks that it names the session's holder.
        holder = holders.Scope.parse(order.s_scope).holder
        if fetched is None or holder is None or fetched.holder_name != holder:
            # The order or its session changed between the fetch and this transaction: nothing sealed.
            raise CenterError("発行を再試行してください / retry the issue", code="store_failed", status=503)
        return self.issuer.documents(
            conn,
            kiosk_id=kiosk_id,
            order=order,
            contents=fetched.contents,
            holder_name=fetched.holder_name,
            now=now,
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
                if pages > int(claimed.copies) * MAX_PAGES_PER_COPY:
                    # Raised inside the transaction: the claim rolls back, the order stays issued.
                    raise RequestError(
                        "印刷枚数が注文と合いません / pages_printed exceeds the copies ordered",
                        code="field_invalid",
                    )
                charged = int(claimed.charged)
                seals: list[str] = []
                # Retention (docs/center.md): from now on only the digest and the seal's metadata
                # (columns of ``documents``) are kept; the content, and so any 個人番号, is dropped.
                if result == "failed":
                    voided = run(
                        conn,
                        sql.DOCS_VOID_RETURNING,
                        {"b_oid": oid, "status": "voided", "document": RETAINED_DOCUMENT},
                    ).all()
                    seals = [r.seal_id for r in sorted(voided, key=lambda r: r.copy_index)]
                else:
                    send(conn, sql.DOCS_VOID, {"b_oid": oid, "document": RETAINED_DOCUMENT})
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
