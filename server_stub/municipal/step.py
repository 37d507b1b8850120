"""The center's municipal step of ``/issue``: ask the order's municipality, check, or void and refund.

It runs before the issuing transaction, so that no database lock is held while a municipal server
works (a slow municipality must not stall the others).  The issuing transaction then re-reads the
order under its lock and seals what was fetched only if the order is still unissued.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update

from server_stub import holders, rules
from server_stub.core import CenterCore
from server_stub.dbexec import run, send, transaction
from server_stub.municipal.protocol import CertificateRequest, MunicipalError, check_answer
from server_stub.store import orders

__all__ = ["ORDER_VOID_UNISSUED", "Fetched", "MunicipalStep"]

# An order still unissued fails whole; ``charged`` is what the kiosk took and ``complete`` refunds.
ORDER_VOID_UNISSUED = (
    update(orders)
    .where(orders.c.order_id == bindparam("b_oid"), orders.c.state == "ordered")
    .values(state="failed", charged=bindparam("charged"), completed_at=bindparam("completed_at"))
)


@dataclass(frozen=True)
class Fetched:
    """Checked content of every copy, and the name it was checked against."""

    contents: list[dict[str, Any]]
    holder_name: str


class MunicipalStep(CenterCore):
    def _fetch_contents(
        self, kiosk_id: str, oid: str, amount: Any, t: float, now: dt.datetime
    ) -> Fetched | None:
        """The municipality's checked content for an unissued order, or None when the issuing
        transaction will refuse or replay it anyway (unknown, foreign, already issued, wrong amount).

        :raises MunicipalError: after the order was voided (state ``failed``, fee refundable) and audited.
        :raises CenterError: the municipality's own refusal (its rules), order left as it was.
        """
        # One statement in autocommit: no BEGIN/ROLLBACK round trips on PostgreSQL.
        with transaction(self.engine, autocommit=True) as conn:
            order = run(conn, holders.ORDER_SESSION, {"oid": oid}).one_or_none()
        if (
            order is None
            or order.kiosk_id != kiosk_id
            or order.state != "ordered"
            or amount != order.fee_total
        ):
            return None
        # The name the residence municipality gave at authentication (the center holds no registry).
        holder = holders.Scope.parse(order.s_scope).holder
        if holder is None:
            return None  # the issuing transaction refuses it (no documents without a named holder)
        req = CertificateRequest(
            request_id=oid,
            municipality=order.municipality,
            resident_id=order.resident_id,
            certificate=order.certificate,
            options=json.loads(order.options),
            copies=int(order.copies),
            issued=now.astimezone(rules.JST).date(),
            deadline_ms=self.deadline_ms(),
        )
        try:
            raw = self.municipal.fetch(req)
            contents = check_answer(raw, req, holder)
        except MunicipalError as exc:
            self._void_unissued(kiosk_id, order, exc, t)
            raise
        return Fetched(contents, holder)

    def _void_unissued(self, kiosk_id: str, order: Any, exc: MunicipalError, t: float) -> None:
        """The payment was made and no document exists: the order fails whole, its fee refundable."""
        with transaction(self.engine) as conn:
            send(
                conn,
                ORDER_VOID_UNISSUED,
                {"b_oid": order.order_id, "charged": order.fee_total, "completed_at": t},
            )
            self._audit(
                conn,
                t,
                kiosk_id,
                "municipal_failed",
                order_id=order.order_id,
                municipality=order.municipality,
                code=exc.error_code,
                problem=exc.problem,
            )

    def deadline_ms(self) -> int:
        return max(1, int(self.config.municipal_deadline * 1000))

    def municipal_available(self, code: str) -> bool:
        return self.municipal.available(code)

    def mark_municipal_down(self, munis: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The session's menu with the services of municipalities whose servers are all down refused."""
        for m in munis:
            if self.municipal.available(m["code"]):
                continue
            for svc in m["services"]:
                if svc.get("available"):
                    svc.update(
                        available=False,
                        reason="municipal_unavailable",
                        message=rules.reason_message("municipal_unavailable"),
                    )
                    svc.pop("options", None)
        return munis
