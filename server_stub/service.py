"""The center's application logic: one method per API route, one short DB transaction per step.

Nothing about a transaction lives in process memory (docs/architecture.md "Where the real system failed"): the
challenge, session and order are rows; every document is built from the resident the *session* is
bound to, read inside the issuing transaction; the kiosk id comes from the TLS client certificate, never
from the body.  This module holds authentication and the seal status; orders are in
:mod:`server_stub.orders`, shared set-up in :mod:`server_stub.core`.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Connection

from server_stub import pki, rules
from server_stub import queries as sql
from server_stub.core import CenterConfig, Clock, req_b64, req_str, token
from server_stub.dbexec import run, send, transaction
from server_stub.errors import AuthError, CenterError
from server_stub.orders import OrderDesk
from server_stub.store import dumps
from server_stub.trust import verify_auth_signature

__all__ = ["Center", "CenterConfig", "Clock"]


class Center(OrderDesk):
    """The issuance center over one database.  Thread-safe: it holds only immutable configuration."""

    # -- auth --------------------------------------------------------------------------------------
    def challenge(self, kiosk_id: str) -> dict[str, Any]:
        """``POST /v1/auth/challenge``.  :raises NotAvailableError: ``outside_hours``."""
        t, now = self.now()
        rules.check_service_hours(now)
        cid, nonce = token("C-"), secrets.token_bytes(32)
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
        # commits the claim even when what follows fails (single use, docs/architecture.md step 4).
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
        cid = req_str(body, "challenge_id", 64)
        der = req_b64(body, "certificate", 8192)
        sig = req_b64(body, "signature", 1024)
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
        sid = token("SE-")
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

    def seal_status(self, seal_id: str) -> dict[str, Any]:
        """``GET /v1/seals/{id}`` (public).  :raises CenterError: ``seal_unknown`` (404)."""
        with self.engine.connect() as conn:
            row = run(conn, sql.DOC_STATUS, {"seal_id": seal_id}).one_or_none()
        if row is None:
            raise CenterError("封印が見つかりません / seal unknown", code="seal_unknown", status=404)
        return {"seal_id": seal_id, "status": row.status}
