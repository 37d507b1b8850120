"""Protocol v1 ``POST /m1/eligibility`` (sans-IO): what a resident may get from one municipality.

The center holds no registry (docs/center.md "Tiers"): it knows a card's resident id and residence
municipality, and asks the municipality for the rest.  The answer says who the resident is (name, status),
where the 戸籍 is kept (``honseki``, so the center can ask that municipality too), the kiosk's menu entry
for this municipality (services, fees, options, household members with their readings) and, when the
request carries an order, the order checked against the municipality's rules and priced.

The call is read-only, so any retry is safe; the request id still binds the answer: every answer (this
one and ``/m1/certificates``) carries ``binding``, the SHA-256 of its canonical JSON (request id and
resident id included), so an answer assembled from two requests' parts is refused.  Nothing a municipal
server says is trusted: :func:`check_eligibility` refuses garbage, another resident, another
municipality and missing fields with a typed :class:`~server_stub.municipal.protocol.MunicipalError`,
and rebuilds the menu entry from the checked fields only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server_stub.errors import RequestError
from server_stub.municipal.protocol import VERSION, bad_answer, check_envelope

__all__ = [
    "PATH_ELIGIBILITY",
    "RESIDENT_STATUSES",
    "Eligibility",
    "EligibilityRequest",
    "OrderAsk",
    "check_eligibility",
]

PATH_ELIGIBILITY = "/m1/eligibility"
RESIDENT_STATUSES = ("active", "moved_out", "deceased")
RELATIONS = ("residence", "honseki")
_SERVICE_KEYS = ("certificate", "name", "available", "fee", "reason", "message", "options", "members")
MAX_FEE = 1_000_000


@dataclass(frozen=True)
class OrderAsk:
    """An order to check and price, as the kiosk sent it (``options``/``copies`` checked by the rules)."""

    certificate: str
    options: Any
    copies: Any


@dataclass(frozen=True)
class EligibilityRequest:
    request_id: str
    municipality: str
    resident_id: str
    relation: str
    deadline_ms: int
    order: OrderAsk | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": VERSION,
            "request_id": self.request_id,
            "municipality": self.municipality,
            "resident_id": self.resident_id,
            "relation": self.relation,
            "deadline_ms": self.deadline_ms,
        }
        if self.order is not None:
            out["order"] = {
                "certificate": self.order.certificate,
                "options": self.order.options,
                "copies": self.order.copies,
            }
        return out

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> EligibilityRequest:
        """The municipal server's parse.  :raises RequestError: ``field_invalid``."""

        def bad(key: str) -> RequestError:
            return RequestError(f"{key} が不正です / field {key!r} invalid", code="field_invalid")

        def s(src: dict[str, Any], key: str, n: int) -> str:
            v = src.get(key)
            if not isinstance(v, str) or not 0 < len(v) <= n:
                raise bad(key)
            return v

        if body.get("version") != VERSION:
            raise RequestError("版が違います / protocol version unsupported", code="field_invalid")
        unknown = set(body) - {
            "version",
            "request_id",
            "municipality",
            "resident_id",
            "relation",
            "deadline_ms",
            "order",
        }
        if unknown:
            raise RequestError(f"不明な項目 / unknown fields {sorted(unknown)[:4]}", code="field_invalid")
        deadline = body.get("deadline_ms")
        if not isinstance(deadline, int) or isinstance(deadline, bool) or not 1 <= deadline <= 60_000:
            raise bad("deadline_ms")
        relation = s(body, "relation", 16)
        if relation not in RELATIONS:
            raise bad("relation")
        order = None
        if body.get("order") is not None:
            raw = body["order"]
            if not isinstance(raw, dict) or set(raw) - {"certificate", "options", "copies"}:
                raise bad("order")
            order = OrderAsk(s(raw, "certificate", 16), raw.get("options", {}), raw.get("copies", 1))
        return cls(
            request_id=s(body, "request_id", 64),
            municipality=s(body, "municipality", 6),
            resident_id=s(body, "resident_id", 64),
            relation=relation,
            deadline_ms=deadline,
            order=order,
        )


@dataclass(frozen=True)
class Eligibility:
    """A checked answer: only these fields reach the center's session, order and the kiosk."""

    name: str  # the resident's name as registered (checked against every document before sealing)
    status: str
    honseki: str | None  # where the 戸籍 is kept, when the residence municipality knows it
    entry: dict[str, Any]  # the kiosk's menu entry for this municipality
    options: dict[str, Any] | None = None  # the order's normalised options (when an order was asked)
    fee_each: int | None = None


def _text(v: Any, n: int = 200) -> bool:
    return isinstance(v, str) and 0 < len(v) <= n


def _yen(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_FEE


def _members(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        raise bad_answer("fields_missing")
    out = []
    for m in raw:
        if not isinstance(m, dict) or not _text(m.get("id"), 64) or not _text(m.get("name")):
            raise bad_answer("fields_missing")
        item = {"id": m["id"], "name": m["name"]}
        if m.get("reading") is not None:
            if not _text(m["reading"]):
                raise bad_answer("fields_missing")
            item["reading"] = m["reading"]
        out.append(item)
    return out


def _service(raw: Any) -> dict[str, Any]:
    if (
        not isinstance(raw, dict)
        or not _text(raw.get("certificate"), 16)
        or not _text(raw.get("name"))
        or not isinstance(raw.get("available"), bool)
        or not _yen(raw.get("fee"))
    ):
        raise bad_answer("fields_missing")
    svc = {k: raw[k] for k in _SERVICE_KEYS if k in raw}
    if svc["available"]:
        if not isinstance(raw.get("options"), dict):
            raise bad_answer("fields_missing")
    elif not _text(raw.get("reason"), 40) or not _text(raw.get("message"), 400):
        raise bad_answer("fields_missing")
    if "members" in raw:
        svc["members"] = _members(raw["members"])
    return svc


def _entry(raw: Any, req: EligibilityRequest) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_answer("fields_missing")
    if raw.get("code") != req.municipality:
        raise bad_answer("wrong_municipality")
    if raw.get("relation") != req.relation:
        raise bad_answer("wrong_request")
    if not _text(raw.get("name")) or not isinstance(raw.get("services"), list):
        raise bad_answer("fields_missing")
    entry: dict[str, Any] = {"code": req.municipality, "name": raw["name"], "relation": req.relation}
    if raw.get("reading") is not None:
        if not _text(raw["reading"]):
            raise bad_answer("fields_missing")
        entry["reading"] = raw["reading"]
    entry["services"] = [_service(s) for s in raw["services"]]
    return entry


def check_eligibility(raw: bytes, req: EligibilityRequest, holder: str | None = None) -> Eligibility:
    """The checked answer to ``req``; ``holder`` is the name the session was opened for (orders).

    :raises MunicipalError: ``municipal_bad_answer`` with ``problem`` in ANSWER_PROBLEMS.
    """
    answer = check_envelope(raw, req, body=("resident", dict), relation=req.relation)
    resident = answer["resident"]
    name, status, honseki = resident.get("name"), resident.get("status"), answer.get("honseki")
    if not _text(name) or status not in RESIDENT_STATUSES:
        raise bad_answer("fields_missing")
    if honseki is not None and not (isinstance(honseki, str) and len(honseki) == 6 and honseki.isdigit()):
        raise bad_answer("fields_missing")
    if holder is not None and name != holder:
        raise bad_answer("wrong_resident")
    entry = _entry(answer.get("entry"), req)
    for svc in entry["services"]:
        members = svc.get("members")
        # 世帯の一部: the resident is one of the members offered, under the same name.
        if members and {"id": req.resident_id, "name": name} not in [
            {"id": m["id"], "name": m["name"]} for m in members
        ]:
            raise bad_answer("wrong_resident")
    if req.order is None:
        return Eligibility(name, str(status), honseki, entry)
    order = answer.get("order")
    if (
        not isinstance(order, dict)
        or not isinstance(order.get("options"), dict)
        or not _yen(order.get("fee_each"))
    ):
        raise bad_answer("fields_missing")
    if order.get("certificate") != req.order.certificate or order.get("copies") != req.order.copies:
        raise bad_answer("wrong_request")
    return Eligibility(name, str(status), honseki, entry, dict(order["options"]), int(order["fee_each"]))
