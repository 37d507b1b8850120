"""The center's application logic: one method per API route, one short DB transaction per step.

Nothing about a transaction lives in process memory (docs/architecture.md "Where the real system failed"): the
challenge, session and order are rows; every document is built from the resident the *session* is
bound to, read inside the issuing transaction; the kiosk id comes from the TLS client certificate, never
from the body.  The center holds no registry: a card's
serial gives the resident id and residence municipality (server_stub/holders.py), the municipalities
say the rest (``/m1/eligibility``).  This module holds authentication and the seal status; orders are in
:mod:`server_stub.orders`, shared set-up in :mod:`server_stub.core`.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Connection

from server_stub import holders, pki, rules
from server_stub import queries as sql
from server_stub.core import CenterConfig, Clock, req_b64, req_str, token
from server_stub.dbexec import run, send, transaction
from server_stub.errors import AuthError, CenterError
from server_stub.municipal.eligibility import Eligibility, EligibilityRequest, check_eligibility
from server_stub.municipal.protocol import MunicipalError, bad_answer
from server_stub.municipalities import CERTIFICATES, KEPT_BY
from server_stub.orders import OrderDesk
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

        Three steps, so that no database transaction is open while a municipality works: one
        transaction claims the challenge, checks the card and finds its holder (a refusal commits the
        burnt challenge and its ``auth_failed`` entry); then the holder's municipalities are asked
        (``/m1/eligibility``); then one transaction opens the session and audits the outcome.

        :raises AuthError: challenge_*, certificate_*, signature_invalid, resident_unknown, resident_deceased.
        :raises MunicipalError: ``municipal_bad_answer`` (the residence municipality's answer refused).
        """
        cid = req_str(body, "challenge_id", 64)
        der = req_b64(body, "certificate", 8192)
        sig = req_b64(body, "signature", 1024)
        t, now = self.now()
        rules.check_service_hours(now)
        refused: AuthError | None = None
        with transaction(self.engine) as conn:
            try:
                serial, rid, home = self._card_holder(conn, kiosk_id, cid, der, sig, t, now)
            except AuthError as exc:
                self._audit(conn, t, kiosk_id, "auth_failed", challenge_id=cid, code=exc.error_code)
                refused = exc
        if refused is not None:
            raise refused
        return self._open_session(kiosk_id, cid, serial, rid, home, t, now)

    def _card_holder(  # noqa: PLR0917
        self, conn: Connection, kiosk_id: str, cid: str, der: bytes, sig: bytes, t: float, now: dt.datetime
    ) -> tuple[str, str, str]:
        """(certificate serial, resident id, residence municipality) of a verified card answer."""
        nonce = self._claim_challenge(conn, kiosk_id, cid, t)
        cert = self.trust.verify(der, now)
        verify_auth_signature(cert, sig, pki.auth_message(cid, kiosk_id, nonce))
        serial = f"{cert.serial_number:X}"
        row = run(conn, holders.CARD_HOLDER, {"serial": serial}).one_or_none()
        if row is None or row.municipality is None:
            raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown", status=403)
        return serial, str(row.resident_id), str(row.municipality)

    def _open_session(  # noqa: PLR0917
        self, kiosk_id: str, cid: str, serial: str, rid: str, home: str, t: float, now: dt.datetime
    ) -> dict[str, Any]:
        failed: list[tuple[str, MunicipalError]] = []
        try:
            entries, holder = self._menu(rid, home, failed)
            if holder is not None and holder.status == "deceased":
                raise AuthError(
                    "この証明書では利用できません / resident deceased", code="resident_deceased", status=403
                )
        except (AuthError, MunicipalError) as exc:
            with transaction(self.engine) as conn:
                self._audit_municipal(conn, t, kiosk_id, failed)
                self._audit(conn, t, kiosk_id, "auth_failed", challenge_id=cid, code=exc.error_code)
            raise
        munis = self.mark_municipal_down([e for e, _ok in entries])
        sid = token("SE-")
        expires = t + self.config.session_ttl
        scope = [(e["code"], e["relation"], ok) for e, ok in entries]
        with transaction(self.engine) as conn:
            send(
                conn,
                sql.SESSION_INSERT,
                {
                    "session_id": sid,
                    "kiosk_id": kiosk_id,
                    "resident_id": rid,
                    "cert_serial": serial,
                    "created_at": t,
                    "expires_at": expires,
                    "municipalities": holders.scope_json(scope, holder.name if holder else None),
                },
            )
            self._audit_municipal(conn, t, kiosk_id, failed)
            self._audit(conn, t, kiosk_id, "auth_ok", session_id=sid, resident_id=rid, cert_serial=serial)
        return {
            "session_id": sid,
            "expires_at": dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(),
            "municipalities": munis,
        }

    def _audit_municipal(
        self, conn: Connection, t: float, kiosk_id: str, failed: list[tuple[str, MunicipalError]]
    ) -> None:
        for code, exc in failed:
            self._audit(
                conn,
                t,
                kiosk_id,
                "municipal_failed",
                municipality=code,
                code=exc.error_code,
                problem=exc.problem,
            )

    def _menu(
        self, rid: str, home: str, failed: list[tuple[str, MunicipalError]]
    ) -> tuple[list[tuple[dict[str, Any], bool]], Eligibility | None]:
        """The session's municipalities (entry, answered) and the residence municipality's answer.

        A municipality that is down or too slow is listed with its services unavailable; a bad answer
        from the residence municipality refuses the authentication (the center cannot know who the
        resident is), one from the 本籍地 only makes that entry unavailable.
        """
        holder = self._ask_eligibility(rid, home, "residence", failed)
        if holder is None and failed and failed[-1][1].error_code == "municipal_bad_answer":
            raise failed[-1][1]
        out = [(holder.entry if holder else self._unanswered(home, "residence"), holder is not None)]
        hon = holder.honseki if holder else None
        if holder is not None and hon and hon != home and hon in self.catalogue:
            try:
                other = self._ask_eligibility(rid, hon, "honseki", failed)
            except AuthError:
                return out, holder  # the 本籍地 does not know the resident: no 本籍地 entry
            if other is not None and other.name != holder.name:
                failed.append((hon, bad_answer("wrong_resident")))
                other = None
            out.append((other.entry if other else self._unanswered(hon, "honseki"), other is not None))
        return out, holder

    def _ask_eligibility(
        self, rid: str, code: str, relation: str, failed: list[tuple[str, MunicipalError]]
    ) -> Eligibility | None:
        """The checked answer, or None (recorded in ``failed``) when the municipality failed."""
        if code not in self.catalogue:
            raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown", status=403)
        if not self.municipal_available(code):
            return None
        req = EligibilityRequest(token("E-"), code, rid, relation, self.deadline_ms())
        try:
            return check_eligibility(self.municipal.eligibility(req), req)
        except MunicipalError as exc:
            failed.append((code, exc))
            return None

    def _unanswered(self, code: str, relation: str) -> dict[str, Any]:
        """A municipality that did not answer: its kiosk services (public catalogue) all unavailable."""
        muni = self.catalogue[code]
        return {
            "code": code,
            "name": f"{muni.prefecture}{muni.name}",
            **({"reading": muni.reading} if muni.reading else {}),
            "relation": relation,
            "services": [
                {
                    "certificate": c,
                    "name": CERTIFICATES[c],
                    "available": False,
                    "fee": muni.services[c].fee,
                    "reason": "municipal_unavailable",
                    "message": rules.reason_message("municipal_unavailable"),
                }
                for c in CERTIFICATES
                if c in muni.services and KEPT_BY[c] == relation
            ],
        }

    def seal_status(self, seal_id: str) -> dict[str, Any]:
        """``GET /v1/seals/{id}`` (public).  :raises CenterError: ``seal_unknown`` (404)."""
        with self.engine.connect() as conn:
            row = run(conn, sql.DOC_STATUS, {"seal_id": seal_id}).one_or_none()
        if row is None:
            raise CenterError("封印が見つかりません / seal unknown", code="seal_unknown", status=404)
        return {"seal_id": seal_id, "status": row.status}
