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
    # The shared HTTP layer's refusals (server_stub/httpcommon.py, httpserver.py): a municipal server
    # answers them too; they were missing here (a 70 KB body got 413 body_too_large, outside this enum).
    "body_too_large",
    "headers_too_large",
    "http_malformed",
    "request_timeout",
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
_BINDING = {
    **_S,
    "pattern": "^[0-9a-f]{64}$",
    "description": "SHA-256 (hex) of b'konbini-m1-binding' 00 + the answer's JSON without binding "
    "(keys sorted, separators ',' ':', UTF-8): ties the request id, the resident id and every field",
}
_ANSWER = {
    "type": "object",
    "required": [
        "version",
        "request_id",
        "municipality",
        "resident_id",
        "certificate",
        "documents",
        "binding",
    ],
    "properties": {
        "version": {"const": VERSION},
        "request_id": _S,
        "municipality": _S,
        "resident_id": _S,
        "certificate": _S,
        "documents": {"type": "array", "items": _CONTENT, "minItems": 1, "maxItems": 5},
        "binding": _BINDING,
    },
}
_RELATION = {"enum": ["residence", "honseki"]}
_ELIGIBILITY_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "request_id", "municipality", "resident_id", "relation", "deadline_ms"],
    "properties": {
        "version": {"const": VERSION},
        "request_id": {**_S, "maxLength": 64, "description": "E-… at authentication, the order id at order"},
        "municipality": {**_S, "maxLength": 6},
        "resident_id": {**_S, "maxLength": 64},
        "relation": _RELATION,
        "deadline_ms": {**_I, "minimum": 1, "maximum": 60000},
        "order": {
            "type": "object",
            "additionalProperties": False,
            "required": ["certificate"],
            "description": "an order to check against the rules and price (as the kiosk sent it)",
            "properties": {"certificate": {**_S, "maxLength": 16}, "options": {}, "copies": {}},
        },
    },
}
_READING = {**_S, "description": "reading in kana (furigana), full-width space between parts"}
_MEMBER = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": _S, "name": _S, "reading": _READING},
}
_SERVICE = {
    "type": "object",
    "required": ["certificate", "name", "available", "fee"],
    "properties": {
        "certificate": _S,
        "name": _S,
        "available": {"type": "boolean"},
        "fee": {**_I, "minimum": 0},
        "reason": _S,
        "message": _S,
        "options": {"type": "object"},
        "members": {"type": "array", "items": _MEMBER},
    },
}
_ELIGIBILITY = {
    "type": "object",
    "required": [
        "version",
        "request_id",
        "municipality",
        "resident_id",
        "relation",
        "resident",
        "honseki",
        "entry",
        "binding",
    ],
    "properties": {
        "version": {"const": VERSION},
        "request_id": _S,
        "municipality": _S,
        "resident_id": _S,
        "relation": _RELATION,
        "resident": {
            "type": "object",
            "required": ["name", "status"],
            "properties": {"name": _S, "status": {"enum": ["active", "moved_out", "deceased"]}},
        },
        "honseki": {"type": ["string", "null"], "description": "code keeping the 戸籍 (residence only)"},
        "entry": {
            "type": "object",
            "required": ["code", "name", "relation", "services"],
            "description": "the kiosk's menu entry for this municipality (Center API v1 municipalities[])",
            "properties": {
                "code": _S,
                "name": _S,
                "reading": _READING,
                "relation": _RELATION,
                "services": {"type": "array", "items": _SERVICE},
            },
        },
        "order": {
            "type": "object",
            "required": ["certificate", "options", "copies", "fee_each"],
            "properties": {
                "certificate": _S,
                "options": {"type": "object"},
                "copies": _I,
                "fee_each": {**_I, "minimum": 0},
            },
        },
        "binding": _BINDING,
    },
}
_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string", "enum": list(ERROR_CODES)}, "message": _S, "reason": _S},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


# The registry's database failing answers 503 store_failed (the shared HTTP server's mapping), a real
# answer the center must expect; found while checking the protocol with schemathesis.
_UNAVAILABLE = {
    "description": "store_failed: the registry is unavailable",
    **_json({"$ref": "#/components/schemas/Error"}),
}
_HEALTH = {
    "type": "object",
    "required": ["status", "server", "municipalities"],
    "properties": {
        "status": {"const": "ok"},
        "server": _S,
        "municipalities": {"type": "array", "items": {**_S, "pattern": "^[0-9]{6}$"}},
    },
}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "konbini municipal issuance server (center-municipality protocol)", "version": "1"},
    "components": {
        "securitySchemes": {
            "networkTls": {"type": "mutualTLS", "description": "client certificate of the center (munet CA)"}
        },
        "schemas": {
            "CertificateRequest": _REQUEST,
            "Answer": _ANSWER,
            "EligibilityRequest": _ELIGIBILITY_REQUEST,
            "Eligibility": _ELIGIBILITY,
            "Error": _ERROR,
        },
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
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/m1/eligibility": {
            "post": {
                "summary": "what a resident may get here: name, status, 本籍地, menu entry; an order checked "
                "and priced (read-only)",
                "requestBody": {
                    "required": True,
                    **_json({"$ref": "#/components/schemas/EligibilityRequest"}),
                },
                "responses": {
                    "200": {
                        "description": "the answer",
                        **_json({"$ref": "#/components/schemas/Eligibility"}),
                    },
                    "4XX": {"description": "refusal", **_json({"$ref": "#/components/schemas/Error"})},
                    "504": {
                        "description": "deadline passed",
                        **_json({"$ref": "#/components/schemas/Error"}),
                    },
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/m1/health": {
            "get": {
                "summary": "liveness and the codes served",
                "responses": {"200": {"description": "ok", **_json(_HEALTH)}},
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
