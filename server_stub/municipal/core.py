"""The municipal issuance server's work (sans-network): registry records in, answers out.

The municipality holds its registry and its rules.  ``eligibility`` says what a resident may get here
(their name, status, 本籍地, the kiosk's menu entry, an order checked and priced); ``answer`` re-checks
the service for the resident against its own records and creates one content per copy.  The
anti-forgery part (``seal_id``, ``issue_number``) and the digital seal are the center's; they are left
out here.  Only this module (and the municipal server around it) reads the registry tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection

from server_stub import queries as sql
from server_stub import rules
from server_stub.dbexec import run
from server_stub.documents import IssueContext, build_content
from server_stub.errors import AuthError, RequestError
from server_stub.municipal.eligibility import EligibilityRequest
from server_stub.municipal.protocol import CENTER_STAMPED, VERSION, CertificateRequest, bind
from server_stub.municipalities import Municipality

__all__ = ["MunicipalCore", "facts_of", "with_household"]


def facts_of(row: Any, resident_id: str) -> tuple[rules.ResidentFacts, dict[str, Any]]:
    """Facts from a row carrying queries._FACT_COLUMNS (``data`` NULL: no such resident).

    :raises AuthError: ``resident_unknown``.
    """
    if row is None or row.data is None:
        raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown", status=403)
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


def with_household(conn: Connection, facts: rules.ResidentFacts, data: dict[str, Any]) -> rules.ResidentFacts:
    """The facts with the household's current members (世帯の一部) and their readings."""
    if facts.household_size <= 1:
        return facts
    people = [json.loads(r.data) for r in run(conn, sql.HOUSEHOLD, {"hh": data["household_id"]})]
    members = tuple((p["resident_id"], p["name"]) for p in people)
    readings = {p["resident_id"]: r for p in people if (r := rules.person_reading(p))}
    return dataclasses.replace(facts, household_members=members, extra={**facts.extra, "readings": readings})


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
        muni = self._served(req.municipality)
        row = run(conn, sql.FACTS, {"rid": req.resident_id}).one_or_none()
        facts, resident = facts_of(row, req.resident_id)
        facts = with_household(conn, facts, resident)
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
        return bind(
            {
                "version": VERSION,
                "request_id": req.request_id,
                "municipality": muni.code,
                "resident_id": req.resident_id,
                "certificate": req.certificate,
                "documents": docs,
            }
        )

    def _served(self, code: str) -> Municipality:
        muni = self.catalogue.get(code)
        if muni is None:
            raise RequestError(
                "この市区町村は担当外です / municipality not served here",
                code="municipality_not_served",
                status=421,
            )
        return muni

    def eligibility(self, conn: Connection, req: EligibilityRequest, now: dt.datetime) -> dict[str, Any]:
        """``POST /m1/eligibility``: read-only, in the caller's transaction.

        :raises RequestError: ``municipality_not_served``, the rules' option/copies refusals;
        :raises NotAvailableError: the order is refused by the rules; :raises AuthError: ``resident_unknown``.
        """
        muni = self._served(req.municipality)
        row = run(conn, sql.FACTS, {"rid": req.resident_id}).one_or_none()
        facts, resident = facts_of(row, req.resident_id)
        if req.relation == "residence" and facts.municipality != muni.code:
            # Not registered here: the center's card mapping and this registry disagree.
            raise AuthError("住民が見つかりません / resident unknown", code="resident_unknown", status=403)
        if req.relation == "honseki" and facts.honseki != muni.code:
            raise AuthError("本籍がありません / no honseki here", code="resident_unknown", status=403)
        facts = with_household(conn, facts, resident)
        person: dict[str, Any] = {"name": resident["name"], "status": facts.status}
        answer: dict[str, Any] = {
            "version": VERSION,
            "request_id": req.request_id,
            "municipality": muni.code,
            "resident_id": req.resident_id,
            "relation": req.relation,
            "resident": person,
            "honseki": facts.honseki if req.relation == "residence" else None,
            "entry": rules.municipality_entry(muni, req.relation, facts, now),
        }
        if req.order is not None:
            o = req.order
            options = rules.validate_order(
                muni, o.certificate, req.relation, facts, options=o.options, copies=o.copies, now=now
            )
            answer["order"] = {
                "certificate": o.certificate,
                "options": options,
                "copies": o.copies,
                "fee_each": muni.services[o.certificate].fee,
            }
        return bind(answer)

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
