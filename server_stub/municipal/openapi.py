"""The OpenAPI 3.1 document of the center ↔ municipality protocol v1 (``GET /m1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from server_stub.municipal.protocol import REQUIRED_TOP, VERSION

__all__ = ["ERROR_CODES", "OPENAPI"]

# What a municipal server answers besides 200 (its typed refusals; the rules' own pass through).
ERROR_CODES = (
    "field_invalid",
    "body_malformed",
    "not_found",
    "method_not_allowed",
    "caller_refused",
    "municipality_not_served",
    "request_id_reused",
    "deadline_passed",
    "resident_unknown",
    "not_available",
    "outside_hours",
    "option_invalid",
    "option_not_allowed",
    "year_not_offered",
    "copies_invalid",
    "certificate_type_unknown",
    "store_failed",
)
_S: dict[str, Any] = {"type": "string"}
_I: dict[str, Any] = {"type": "integer"}
_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "version",
        "request_id",
        "municipality",
        "resident_id",
        "certificate",
        "options",
        "copies",
        "issued",
        "deadline_ms",
    ],
    "properties": {
        "version": {"const": VERSION},
        "request_id": {**_S, "maxLength": 64, "description": "the center's order id; the idempotency key"},
        "municipality": {**_S, "maxLength": 6},
        "resident_id": {**_S, "maxLength": 64},
        "certificate": {**_S, "maxLength": 16},
        "options": {"type": "object"},
        "copies": {**_I, "minimum": 1, "maximum": 5},
        "issued": {**_S, "format": "date"},
        "deadline_ms": {**_I, "minimum": 1, "maximum": 60000},
    },
}
_CONTENT = {
    "type": "object",
    "required": list(REQUIRED_TOP),
    "description": "docs/document-content.md without seal_id and issue_number (the center adds them)",
    "not": {"anyOf": [{"required": ["seal_id"]}, {"required": ["issue_number"]}]},
}
_ANSWER = {
    "type": "object",
    "required": ["version", "request_id", "municipality", "resident_id", "certificate", "documents"],
    "properties": {
        "version": {"const": VERSION},
        "request_id": _S,
        "municipality": _S,
        "resident_id": _S,
        "certificate": _S,
        "documents": {"type": "array", "items": _CONTENT, "minItems": 1, "maxItems": 5},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string", "enum": list(ERROR_CODES)}, "message": _S, "reason": _S},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "konbini municipal issuance server (center-municipality protocol)", "version": "1"},
    "components": {
        "securitySchemes": {
            "networkTls": {"type": "mutualTLS", "description": "client certificate of the center (munet CA)"}
        },
        "schemas": {"CertificateRequest": _REQUEST, "Answer": _ANSWER, "Error": _ERROR},
    },
    "security": [{"networkTls": []}],
    "paths": {
        "/m1/certificates": {
            "post": {
                "summary": "create the certificate content of one order (idempotent on request_id)",
                "requestBody": {
                    "required": True,
                    **_json({"$ref": "#/components/schemas/CertificateRequest"}),
                },
                "responses": {
                    "200": {
                        "description": "content, one per copy",
                        **_json({"$ref": "#/components/schemas/Answer"}),
                    },
                    "4XX": {"description": "refusal", **_json({"$ref": "#/components/schemas/Error"})},
                    "504": {
                        "description": "deadline passed; nothing kept",
                        **_json({"$ref": "#/components/schemas/Error"}),
                    },
                },
            }
        },
        "/m1/health": {
            "get": {
                "summary": "liveness and the codes served",
                "responses": {"200": {"description": "ok", **_json({"type": "object"})}},
            }
        },
        "/m1/openapi.json": {
            "get": {
                "summary": "this document",
                "responses": {"200": {"description": "ok", **_json({"type": "object"})}},
            }
        },
    },
}
