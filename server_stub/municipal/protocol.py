"""Center ↔ municipality protocol v1 (sans-IO): the request, and the center's checks of an answer.

The request names the center's request id (the order id: a retry is the same request), the municipality,
the resident and the service; it never names the kiosk.  The answer is the certificate content, one per
copy, without the anti-forgery part (``seal_id``, ``issue_number``) that the center adds before sealing.

Nothing a municipal server says is trusted: :func:`check_answer` refuses garbage, content for another
resident or municipality and content without its fields with a typed :class:`MunicipalError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from server_stub.errors import CenterError, RequestError

__all__ = [
    "ANSWER_PROBLEMS",
    "CENTER_STAMPED",
    "PATH_CERTIFICATES",
    "PATH_HEALTH",
    "REQUIRED_BODY",
    "REQUIRED_TOP",
    "VERSION",
    "CertificateRequest",
    "MunicipalError",
    "bad_answer",
    "bind",
    "binding_of",
    "check_answer",
    "check_envelope",
    "names_in",
    "unavailable",
]

VERSION = 1
PATH_CERTIFICATES = "/m1/certificates"
PATH_HEALTH = "/m1/health"
# Added by the center, never by a municipality (the back-side anti-forgery information).
CENTER_STAMPED = ("seal_id", "issue_number")
REQUIRED_TOP = (
    "schema",
    "type",
    "title",
    "municipality",
    "official_seal",
    "issued_on",
    "issued_date",
    "certification",
    "body",
)
# The body fields without which the document cannot be printed (docs/document-content.md).
REQUIRED_BODY: dict[str, tuple[str, ...]] = {
    "juminhyo": ("address", "persons"),
    "kisaijiko": ("address", "persons"),
    "inkan": ("name", "certificate_number", "impression"),
    "kazei": ("name", "fiscal_year", "tax"),
    "koseki": ("honseki", "persons"),
    "fuhyo": ("persons",),
}
# What the audit entry ``municipal_bad_answer`` says went wrong (no content, no names).
ANSWER_PROBLEMS = (
    "garbage",
    "wrong_request",
    "wrong_resident",
    "wrong_municipality",
    "fields_missing",
    "binding_mismatch",
)


def binding_of(answer: dict[str, Any]) -> str:
    """SHA-256 (hex) of an answer's canonical JSON without ``binding`` (sorted keys, no spaces).

    It covers the request id, the resident id and everything answered, so an answer assembled from
    two requests' parts (a header echoed right over another request's body) does not match.  Not a
    signature: the mutual TLS of the closed network says who answered.
    """
    payload = {k: v for k, v in answer.items() if k != "binding"}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(b"konbini-m1-binding\x00" + text.encode()).hexdigest()


def bind(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with its ``binding`` (the municipal server's last step before sending)."""
    return {**answer, "binding": binding_of(answer)}


class MunicipalError(CenterError):
    """A municipal issuance server failed: it is unavailable (down, slow) or its answer is refused."""

    code = "municipal_bad_answer"
    # 424 Failed Dependency, not 5xx: the order is voided, so a kiosk must not retry the issue.
    status = 424

    def __init__(
        self, message: str, *, code: str, status: int, reason: str | None = None, problem: str | None = None
    ) -> None:
        super().__init__(message, code=code, status=status, reason=reason)
        self.problem = problem


def unavailable(why: str) -> MunicipalError:
    """Down, refused the connection, or no answer within the deadline (``why`` goes to the audit)."""
    return MunicipalError(
        "市区町村の証明書発行サーバが応答しません / the municipal issuance server did not answer",
        code="municipal_unavailable",
        status=424,
        reason="municipal_unavailable",
        problem=why,
    )


def bad_answer(problem: str) -> MunicipalError:
    assert problem in ANSWER_PROBLEMS
    return MunicipalError(
        "市区町村の回答が不正なため交付できません / the municipality's answer was refused",
        code="municipal_bad_answer",
        status=424,
        problem=problem,
    )


@dataclass(frozen=True)
class CertificateRequest:
    """``POST /m1/certificates``: what the center asks a municipality for."""

    request_id: str
    municipality: str
    resident_id: str
    certificate: str
    options: dict[str, Any]
    copies: int
    issued: dt.date
    deadline_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "request_id": self.request_id,
            "municipality": self.municipality,
            "resident_id": self.resident_id,
            "certificate": self.certificate,
            "options": self.options,
            "copies": self.copies,
            "issued": self.issued.isoformat(),
            "deadline_ms": self.deadline_ms,
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> CertificateRequest:
        """The municipal server's parse.  :raises RequestError: ``field_invalid``."""

        def s(key: str, n: int) -> str:
            v = body.get(key)
            if not isinstance(v, str) or not 0 < len(v) <= n:
                raise RequestError(f"{key} が不正です / field {key!r} invalid", code="field_invalid")
            return v

        def i(key: str, lo: int, hi: int) -> int:
            v = body.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise RequestError(f"{key} が不正です / field {key!r} invalid", code="field_invalid")
            return v

        if body.get("version") != VERSION:
            raise RequestError("版が違います / protocol version unsupported", code="field_invalid")
        unknown = set(body) - {*cls.__dataclass_fields__, "version", "issued"}
        if unknown:
            # A kiosk id (or anything else) in the request is a center bug, refused loudly.
            raise RequestError(f"不明な項目 / unknown fields {sorted(unknown)[:4]}", code="field_invalid")
        options = body.get("options")
        if not isinstance(options, dict):
            raise RequestError("options が不正です / field 'options' invalid", code="field_invalid")
        try:
            issued = dt.date.fromisoformat(s("issued", 10))
        except ValueError as exc:
            raise RequestError("issued が不正です / field 'issued' invalid", code="field_invalid") from exc
        return cls(
            request_id=s("request_id", 64),
            municipality=s("municipality", 6),
            resident_id=s("resident_id", 64),
            certificate=s("certificate", 16),
            options=options,
            copies=i("copies", 1, 5),
            issued=issued,
            deadline_ms=i("deadline_ms", 1, 60_000),
        )


def names_in(value: Any) -> set[str]:
    """Every string in a JSON value (where a resident's name must appear)."""
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def check_envelope(raw: bytes, req: Any, *, body: tuple[str, type], **echoed: Any) -> dict[str, Any]:
    """The parsed answer after the checks every municipal answer gets, before its body is read.

    ``req`` carries ``request_id``, ``resident_id`` and ``municipality``; ``body`` names the answer's
    main member and its JSON type; ``echoed`` are further members the answer must repeat as asked.

    :raises MunicipalError: ``garbage``, ``wrong_request``, ``wrong_resident``, ``wrong_municipality``
        or ``binding_mismatch``.
    """
    try:
        answer = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_answer("garbage") from exc
    key, kind = body
    if not isinstance(answer, dict) or not isinstance(answer.get(key), kind):
        raise bad_answer("garbage")
    if answer.get("version") != VERSION or answer.get("request_id") != req.request_id:
        raise bad_answer("wrong_request")
    if any(answer.get(k) != v for k, v in echoed.items()):
        raise bad_answer("wrong_request")
    if answer.get("resident_id") != req.resident_id:
        raise bad_answer("wrong_resident")
    if answer.get("municipality") != req.municipality:
        raise bad_answer("wrong_municipality")
    if answer.get("binding") != binding_of(answer):
        # Header and body of different requests (the 2023 overwrite) do not hash together.
        raise bad_answer("binding_mismatch")
    return answer


def check_answer(raw: bytes, req: CertificateRequest, resident_name: str) -> list[dict[str, Any]]:
    """The contents of a municipal answer, each checked before the center seals anything.

    The answer must be JSON of this request, for this resident (id echoed, ``binding`` matching the
    whole answer, and name shown in every copy), of this municipality, of the requested type and
    date, with every required field and none of the fields the center stamps.

    :raises MunicipalError: ``municipal_bad_answer`` with ``problem`` in :data:`ANSWER_PROBLEMS`.
    """
    answer = check_envelope(raw, req, body=("documents", list))
    docs: list[Any] = answer["documents"]
    if len(docs) != req.copies or not all(isinstance(d, dict) for d in docs):
        raise bad_answer("fields_missing")
    for doc in docs:
        _check_content(doc, req, resident_name)
    return [dict(d) for d in docs]


def _check_content(doc: dict[str, Any], req: CertificateRequest, resident_name: str) -> None:
    muni = doc.get("municipality")
    if isinstance(muni, dict) and muni.get("code") not in (None, req.municipality):
        raise bad_answer("wrong_municipality")
    if any(k not in doc for k in REQUIRED_TOP) or any(k in doc for k in CENTER_STAMPED):
        raise bad_answer("fields_missing")
    body, seal = doc["body"], doc["official_seal"]
    if (
        not isinstance(muni, dict)
        or not isinstance(body, dict)
        or not isinstance(seal, dict)
        or not all(isinstance(muni.get(k), str) and muni[k] for k in ("code", "name", "prefecture"))
        or not all(isinstance(seal.get(k), str) and seal[k] for k in ("text", "png_b64"))
        or doc["type"] != req.certificate
        or doc["issued_date"] != req.issued.isoformat()
        or any(not body.get(k) for k in REQUIRED_BODY.get(req.certificate, ("persons",)))
    ):
        raise bad_answer("fields_missing")
    # The resident the session authenticated must be the one the document shows (issue 15).
    if not any(resident_name in text for text in names_in(body)):
        raise bad_answer("wrong_resident")
