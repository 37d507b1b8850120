"""Building and storing the documents of one order, inside the caller's (issuing) transaction.

Everything a document shows is read here, in that transaction, from the order's resident, which came
from the authenticated session, never from the request (DESIGN.md "Where the real system failed").
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server_stub import queries as sql
from server_stub import rules
from server_stub.documents import IssueContext, build_content, issue_number
from server_stub.municipalities import Municipality
from server_stub.seal import SealClaims, content_digest, seal_document
from server_stub.store import counters, dumps

__all__ = ["Issuer"]


class Issuer:
    """Immutable issuing material (catalogue, 公印 images, seal key); thread-safe."""

    def __init__(
        self,
        catalogue: dict[str, Municipality],
        seal_png: dict[str, str],
        seal_key: ec.EllipticCurvePrivateKey,
        *,
        postgres: bool,
    ) -> None:
        self.catalogue = catalogue
        self.seal_png = seal_png
        self.seal_key = seal_key
        insert = pg_insert if postgres else sqlite_insert
        self._counter_insert = insert(counters).on_conflict_do_nothing(index_elements=["name"])

    def _next_serial(self, conn: Connection, name: str) -> int:
        # The row lock of the UPDATE serializes numbering across center processes.
        conn.execute(self._counter_insert, {"name": name, "value": 0})
        return int(conn.execute(sql.COUNTER_BUMP, {"b_name": name}).scalar_one())

    def _records(
        self, conn: Connection, order: Any, options: dict[str, Any], resident: dict[str, Any]
    ) -> dict[str, Any]:
        cert = order.certificate
        out: dict[str, Any] = {
            "household": [resident],
            "koseki": None,
            "tax": None,
            "seal_registration": None,
        }
        if options.get("scope") in ("household", "all"):
            rows = conn.execute(sql.HOUSEHOLD, {"hh": resident["household_id"]})
            out["household"] = [json.loads(r.data) for r in rows]
        if cert in ("koseki", "fuhyo") and resident.get("honseki"):
            krow = conn.execute(sql.KOSEKI, {"kid": resident["honseki"]["koseki_id"]}).one_or_none()
            out["koseki"] = json.loads(krow.data) if krow else None
        if cert == "kazei":
            trow = conn.execute(sql.TAX, {"rid": order.resident_id, "year": options["year"]}).one()
            out["tax"] = json.loads(trow.data)
        if cert == "inkan":
            srow = conn.execute(sql.SEAL_REG, {"rid": order.resident_id}).one_or_none()
            out["seal_registration"] = json.loads(srow.data) if srow else None
        return out

    def documents(
        self,
        conn: Connection,
        *,
        kiosk_id: str,
        order: Any,
        options: dict[str, Any],
        resident: dict[str, Any],
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """One ``{"content", "seal"}`` per copy, stored with status ``valid``; returned in copy order."""
        muni = self.catalogue[order.municipality]
        records = self._records(conn, order, options, resident)
        issued = now.astimezone(rules.JST).date()
        out = []
        for i in range(1, order.copies + 1):
            number = issue_number(
                issued, muni, kiosk_id, self._next_serial(conn, f"issue:{muni.code}:{issued.isoformat()}")
            )
            seal_id = "S-" + secrets.token_urlsafe(18)
            content = build_content(
                IssueContext(
                    municipality=muni,
                    official_seal_png_b64=self.seal_png[muni.code],
                    certificate=order.certificate,
                    options=options,
                    resident=resident,
                    issued=issued,
                    issue_number=number,
                    seal_id=seal_id,
                    copy_index=i,
                    **records,
                )
            )
            digest = content_digest(content)
            claims = SealClaims(
                seal_id=seal_id,
                certificate=order.certificate,
                municipality=muni.code,
                issued_date=issued,
                issue_number=number,
                holder=order.resident_id,
                holder_name=resident["name"],
                digest=digest,
                copy=(i, order.copies),
            )
            doc = {"content": content, "seal": seal_document(claims, self.seal_key)}
            conn.execute(
                sql.DOC_INSERT,
                {
                    "seal_id": seal_id,
                    "order_id": order.order_id,
                    "copy_index": i,
                    "resident_id": order.resident_id,
                    "certificate": order.certificate,
                    "status": "valid",
                    "digest": digest.hex(),
                    "document": dumps(doc),
                },
            )
            out.append(doc)
        return out
