"""Building and storing the documents of one order, inside the caller's (issuing) transaction.

Everything a document shows is read here, in that transaction, from the order's resident, which came
from the authenticated session, never from the request (docs/architecture.md "Where the real system failed").
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection

from server_stub import queries as sql
from server_stub import rules
from server_stub.dbexec import run, send
from server_stub.documents import IssueContext, build_content, issue_number
from server_stub.municipalities import Municipality
from server_stub.seal import SealClaims, content_digest, seal_document
from server_stub.store import dumps

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

    @staticmethod
    def _reserve_serials(conn: Connection, name: str, n: int) -> range:
        """``n`` consecutive numbers of counter ``name`` in one statement (queries.COUNTER_RESERVE).

        The row lock of the upsert serializes numbering across center processes.
        """
        last = int(run(conn, sql.COUNTER_RESERVE, {"name": name, "n": n}).scalar_one())
        return range(last - n + 1, last + 1)

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
        if options.get("scope") in ("household", "all", "members"):
            rows = run(conn, sql.HOUSEHOLD, {"hh": resident["household_id"]})
            out["household"] = [json.loads(r.data) for r in rows]
        if cert in ("koseki", "fuhyo") and resident.get("honseki"):
            krow = run(conn, sql.KOSEKI, {"kid": resident["honseki"]["koseki_id"]}).one_or_none()
            out["koseki"] = json.loads(krow.data) if krow else None
        if cert == "kazei":
            trow = run(conn, sql.TAX, {"rid": order.resident_id, "year": options["year"]}).one()
            out["tax"] = json.loads(trow.data)
        if cert == "inkan":
            srow = run(conn, sql.SEAL_REG, {"rid": order.resident_id}).one_or_none()
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
        out, rows = [], []
        serials = self._reserve_serials(conn, f"issue:{muni.code}:{issued.isoformat()}", order.copies)
        for i, serial in enumerate(serials, start=1):
            number = issue_number(issued, muni, kiosk_id, serial)
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
            rows.append(
                {
                    "seal_id": seal_id,
                    "order_id": order.order_id,
                    "copy_index": i,
                    "resident_id": order.resident_id,
                    "certificate": order.certificate,
                    "status": "valid",
                    "digest": digest.hex(),
                    "document": dumps(doc),
                }
            )
            out.append(doc)
        send(conn, sql.DOC_INSERT, rows)  # all copies in one batch, queued with the transaction's tail
        return out
