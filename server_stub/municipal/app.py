"""The municipal issuance server: protocol v1 over mutual TLS (``python -m server_stub municipal serve``).

Only the center's certificate (CN :data:`~server_stub.municipal.setup.CENTER_CN`, issued by the
network CA) is accepted.  A request is answered within its ``deadline_ms`` or not at all: work that
ends after the deadline is rolled back and answered ``deadline_passed`` (the center has given up and
voided the order by then), so a late answer is never stored nor sealed.  The answer is stored under
the center's request id in the same transaction: a retry, to this process or to another one on the
same database, gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from server_stub.dbexec import transaction
from server_stub.errors import AuthError, CenterError, RequestError
from server_stub.httpserver import HttpRequest, Response
from server_stub.municipal.core import MunicipalCore
from server_stub.municipal.eligibility import PATH_ELIGIBILITY, EligibilityRequest
from server_stub.municipal.openapi import OPENAPI
from server_stub.municipal.protocol import PATH_CERTIFICATES, PATH_HEALTH, CertificateRequest, bind
from server_stub.municipal.setup import CENTER_CN
from server_stub.municipal.storage import requests
from server_stub.store import dumps, residents

__all__ = ["FAULTS", "KEEP_ANSWERS_S", "Faults", "MunicipalApp", "check_caller"]

log = logging.getLogger(__name__)

# Seconds a stored answer is kept for idempotent replays (the center retries within a session: 600 s).
KEEP_ANSWERS_S = 3600.0
# Test-only misbehaviours (``--fault``), each a real protocol answer that the center must refuse.
FAULTS = ("garbage", "wrong-resident", "wrong-municipality", "fields-missing", "unbound")
# Which call misbehaves (``--fault-on``): the content of ``/issue`` (after payment) by default.
FAULT_CALLS = ("certificates", "eligibility", "both")


@dataclass(frozen=True)
class Faults:
    delay_s: float = 0.0  # sleep before working: a slow municipality (``--delay-ms``)
    answer: str | None = None  # one of FAULTS
    on: str = "certificates"  # one of FAULT_CALLS

    def applies(self, call: str) -> bool:
        return self.answer is not None and self.on in (call, "both")

    def delay(self, call: str) -> float:
        return self.delay_s if self.on in (call, "both") else 0.0


def check_caller(cn: str, _serial: int) -> None:
    """Only the center calls a municipality (the network CA also signs the servers' certificates)."""
    if cn != CENTER_CN:
        raise AuthError("呼び出し元が不正です / caller is not the center", code="caller_refused", status=403)


class MunicipalApp:
    """Routes of protocol v1 onto :class:`MunicipalCore` and the server's storage."""

    def __init__(
        self,
        core: MunicipalCore,
        engine: Engine,
        clock: Callable[[], float],
        faults: Faults | None = None,
        name: str = "m",
    ) -> None:
        self.core, self.engine, self.clock = core, engine, clock
        self.faults = faults or Faults()
        self.name = name

    def __call__(self, req: HttpRequest) -> Response:
        if req.path == PATH_HEALTH and req.method == "GET":
            return 200, {"status": "ok", "server": self.name, "municipalities": sorted(self.core.catalogue)}
        if req.path == "/m1/openapi.json" and req.method == "GET":
            return 200, OPENAPI
        if req.path == PATH_CERTIFICATES:
            if req.method != "POST":
                raise RequestError(
                    "許可されていないメソッド / method not allowed", code="method_not_allowed", status=405
                )
            return 200, self.certificates(req.json())
        if req.path == PATH_ELIGIBILITY:
            if req.method != "POST":
                raise RequestError(
                    "許可されていないメソッド / method not allowed", code="method_not_allowed", status=405
                )
            return 200, self.eligibility(req.json())
        raise RequestError("見つかりません / not found", code="not_found", status=404)

    def certificates(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /m1/certificates``.  :raises CenterError: typed refusals (see protocol)."""
        started = time.monotonic()
        creq = CertificateRequest.from_json(body)
        if not self.core.serves(creq.municipality):
            raise RequestError(
                "担当外の市区町村です / municipality not served here",
                code="municipality_not_served",
                status=421,
            )
        # Idempotency ignores the deadline: a retry with a fresh deadline is the same request.
        req_hash = hashlib.sha256(dumps({**body, "deadline_ms": 0}).encode()).hexdigest()
        if self.faults.delay("certificates"):
            time.sleep(self.faults.delay("certificates"))
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        try:
            with transaction(self.engine) as conn:
                stored = conn.execute(
                    select(requests.c.request_hash, requests.c.answer).where(
                        requests.c.request_id == creq.request_id
                    )
                ).one_or_none()
                if stored is not None:
                    return self._replay(stored, req_hash)
                answer = self._misbehave(conn, creq, self.core.answer(conn, creq, now), now)
                if time.monotonic() - started > creq.deadline_ms / 1000:
                    # Too late: the center has given up.  Nothing is kept (the transaction rolls back).
                    raise CenterError(
                        "期限を過ぎました / deadline passed", code="deadline_passed", status=504
                    )
                # Answers carry personal data: kept only as long as the center may retry (its
                # session lifetime and more), then dropped with the next request.
                conn.execute(delete(requests).where(requests.c.answered_at < self.clock() - KEEP_ANSWERS_S))
                conn.execute(
                    insert(requests),
                    {
                        "request_id": creq.request_id,
                        "municipality": creq.municipality,
                        "request_hash": req_hash,
                        "answer": dumps(answer),
                        "answered_at": self.clock(),
                    },
                )
        except IntegrityError:
            # Another process on this database answered the same request id first: theirs stands.
            with self.engine.connect() as conn:
                stored = conn.execute(
                    select(requests.c.request_hash, requests.c.answer).where(
                        requests.c.request_id == creq.request_id
                    )
                ).one()
            return self._replay(stored, req_hash)
        return answer

    def eligibility(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /m1/eligibility``: read-only, so nothing is stored; same deadline rule as content.

        :raises CenterError: typed refusals (resident unknown, the rules refuse the order).
        """
        started = time.monotonic()
        ereq = EligibilityRequest.from_json(body)
        if not self.core.serves(ereq.municipality):
            raise RequestError(
                "担当外の市区町村です / municipality not served here",
                code="municipality_not_served",
                status=421,
            )
        if self.faults.delay("eligibility"):
            time.sleep(self.faults.delay("eligibility"))
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        with self.engine.connect() as conn:
            answer = self.core.eligibility(conn, ereq, now)
            if self.faults.applies("eligibility"):
                answer = self._misbehave_eligibility(conn, ereq, answer, now)
            conn.rollback()
        if time.monotonic() - started > ereq.deadline_ms / 1000:
            raise CenterError("期限を過ぎました / deadline passed", code="deadline_passed", status=504)
        return answer

    def _misbehave_eligibility(
        self, conn: Any, ereq: EligibilityRequest, answer: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        fault = self.faults.answer
        if fault == "garbage":
            return {"version": 1, "resident": "……"}
        if fault == "unbound":
            return {**answer, "binding": "0" * 64}
        answer = {k: v for k, v in answer.items() if k != "binding"}
        if fault == "wrong-municipality":
            answer["municipality"] = answer["entry"]["code"] = "999999"
        elif fault == "fields-missing":
            answer["resident"] = {"status": answer["resident"]["status"]}
            answer.pop("order", None)
        elif fault == "wrong-resident":
            # Another resident's answer, honestly labelled: the center must see it is not its resident.
            for other in self._others(
                conn,
                CertificateRequest(
                    request_id=ereq.request_id,
                    municipality=ereq.municipality,
                    resident_id=ereq.resident_id,
                    certificate="juminhyo",
                    options={},
                    copies=1,
                    issued=now.date(),
                    deadline_ms=1,
                ),
            ):
                swapped = EligibilityRequest(**{**ereq.__dict__, "resident_id": other, "order": None})
                theirs = self.core.eligibility(conn, swapped, now)
                answer = {k: v for k, v in theirs.items() if k != "binding"}
                if ereq.order is not None:
                    answer["order"] = {
                        "certificate": ereq.order.certificate,
                        "options": {},
                        "copies": ereq.order.copies,
                        "fee_each": 0,
                    }
                break
        return bind(answer)

    @staticmethod
    def _replay(stored: Any, req_hash: str) -> dict[str, Any]:
        if stored.request_hash != req_hash:
            raise RequestError(
                "同じ要求番号で異なる要求です / request id reused with another request",
                code="request_id_reused",
                status=409,
            )
        out: dict[str, Any] = json.loads(stored.answer)
        return out

    def _misbehave(
        self, conn: Any, creq: CertificateRequest, answer: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        fault = self.faults.answer
        if not self.faults.applies("certificates"):
            return answer
        if fault == "garbage":
            return {"version": 1, "documents": "……"}
        if fault == "unbound":
            # A header of this request over a body bound to another (the overwrite, caught by binding).
            return {**answer, "binding": "0" * 64}
        if fault == "wrong-municipality":
            for doc in answer["documents"]:
                doc["municipality"]["code"] = "999999"
        elif fault == "fields-missing":
            for doc in answer["documents"]:
                doc["body"].pop(next(iter(doc["body"])))
                doc.pop("certification", None)
        elif fault == "wrong-resident":
            # The 2023 overwrite: another resident's content under this request's resident id.
            for other in self._others(conn, creq):
                swapped = CertificateRequest(**{**creq.__dict__, "resident_id": other})
                try:
                    answer["documents"] = self.core.answer(conn, swapped, now)["documents"]
                except CenterError:
                    continue  # that one's rules refuse: try the next neighbour
                break
        # The misbehaving server binds what it sends: the center's content checks must catch it.
        return bind({k: v for k, v in answer.items() if k != "binding"})

    @staticmethod
    def _others(conn: Any, creq: CertificateRequest) -> list[str]:
        rows = conn.execute(
            select(residents.c.resident_id).where(
                residents.c.municipality == creq.municipality,
                residents.c.resident_id != creq.resident_id,
                residents.c.status == "active",
            )
        ).all()
        return [str(r.resident_id) for r in rows]
