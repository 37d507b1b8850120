"""The municipal issuance server's work (sans-network): registry records in, certificate content out.

The municipality holds its registry and its rules: it re-checks the service for the resident against
its own records and creates one content per copy.  The anti-forgery part (``seal_id``,
``issue_number``) and the digital seal are the center's; they are left out here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection

from server_stub import queries as sql
from server_stub import rules
from server_stub.dbexec import run
from server_stub.documents import IssueContext, build_content
from server_stub.errors import RequestError
from server_stub.municipal.protocol import CENTER_STAMPED, VERSION, CertificateRequest
from server_stub.municipalities import Municipality

__all__ = ["MunicipalCore"]


class MunicipalCore:
    """Immutable: the catalogue entries (rules) and 公印 images of the municipalities served."""

    def __init__(self, catalogue: dict[str, Municipality], seal_png: dict[str, str]) -> None:
        self.catalogue = catalogue
        self.seal_png = seal_png

    def serves(self, code: str) -> bool:
        return code in self.catalogue

    def answer(self, conn: Connection, req: CertificateRequest, now: dt.datetime) -> dict[str, Any]:
        """The protocol answer for ``req``, read in the caller's transaction.

        :raises RequestError: ``municipality_not_served``; :raises NotAvailableError: the rules refuse;
        :raises AuthError: ``resident_unknown``.
        """
        muni = self.catalogue.get(req.municipality)
        if muni is None:
            raise RequestError(
                "この市区町村は担当外です / municipality not served here",
                code="municipality_not_served",
                status=421,
            )
        from server_stub.core import CenterCore

        row = run(conn, sql.FACTS, {"rid": req.resident_id}).one_or_none()
        facts, resident = CenterCore._facts_of(row, req.resident_id)
        facts = CenterCore._with_household(conn, facts, resident)
        relation = "residence" if facts.municipality == muni.code else "honseki"
        # The municipality's own rules, on its own records, at issuing time.
        options = rules.validate_order(
            muni, req.certificate, relation, facts, options=req.options, copies=req.copies, now=now
        )
        records = self._records(conn, req, options, resident)
        docs = []
        for i in range(1, req.copies + 1):
            content = build_content(
                IssueContext(
                    municipality=muni,
                    official_seal_png_b64=self.seal_png[muni.code],
                    certificate=req.certificate,
                    options=options,
                    resident=resident,
                    issued=req.issued,
                    issue_number="",
                    seal_id="",
                    copy_index=i,
                    **records,
                )
            )
            for k in CENTER_STAMPED:
                content.pop(k, None)
            docs.append(content)
        return {
            "version": VERSION,
            "request_id": req.request_id,
            "municipality": muni.code,
            "resident_id": req.resident_id,
            "certificate": req.certificate,
            "documents": docs,
        }

    @staticmethod
    def _records(
        conn: Connection, req: CertificateRequest, options: dict[str, Any], resident: dict[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "household": [resident],
            "koseki": None,
            "tax": None,
            "seal_registration": None,
        }
        if options.get("scope") in ("household", "all", "members"):
            rows = run(conn, sql.HOUSEHOLD, {"hh": resident["household_id"]})
            out["household"] = [json.loads(r.data) for r in rows]
        if req.certificate in ("koseki", "fuhyo") and resident.get("honseki"):
            krow = run(conn, sql.KOSEKI, {"kid": resident["honseki"]["koseki_id"]}).one_or_none()
            out["koseki"] = json.loads(krow.data) if krow else None
        if req.certificate == "kazei":
            trow = run(conn, sql.TAX, {"rid": req.resident_id, "year": options["year"]}).one()
            out["tax"] = json.loads(trow.data)
        if req.certificate == "inkan":
            srow = run(conn, sql.SEAL_REG, {"rid": req.resident_id}).one_or_none()
            out["seal_registration"] = json.loads(srow.data) if srow else None
        return out
