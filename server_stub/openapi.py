"""The OpenAPI 3.1 document served at ``/openapi.json`` (Center API v1, docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from contracts import center as center_contract
from server_stub.core import MAX_YEN, PAYMENT_METHODS
from server_stub.fleet import ANSWER_SCHEMA, REPORT_SCHEMA
from server_stub.httpcommon import MAX_BODY

__all__ = ["ERROR_CODES", "ID_PATTERN", "OPENAPI"]

ERROR_CODES = list(center_contract.ERROR_CODES)
REASONS = list(center_contract.REASONS)


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


_S = {"type": "string"}
# The syntax of ids in paths (orders, seals): the router (server_stub/app.py) matches exactly this, so
# the document says which ids can exist and a reference client can send the ones that cannot.
ID_PATTERN = r"[A-Za-z0-9_\-]{1,64}"
_ID = {"type": "string", "pattern": f"^{ID_PATTERN}$"}
_I = {"type": "integer"}


def _str(max_len: int) -> dict[str, Any]:
    # The same bound the server's req_str/req_b64 applies (server_stub/core.py): longer is field_invalid.
    return {"type": "string", "minLength": 1, "maxLength": max_len}


_YEN = {"type": "integer", "minimum": 0, "maximum": MAX_YEN}
# Optional readings of names (issue 18): kana from the municipality's registry, full-width spaces
# between parts; the kiosk shows them under the name, romanised for readers of Latin script.
_READING = {
    "type": "string",
    "maxLength": 200,
    "description": "reading in kana (furigana) of the name beside it; absent when not registered",
}
_ERR = {
    "description": "error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
# Real answers a client must expect besides its own mistakes (found by schemathesis against the running
# center): the rate limiter's 429 always names the wait in a Retry-After header, and a database outage
# (store_failed), an unreadable CRL (crl_unavailable) or an issue to retry answer 503.
_RATE_LIMITED = {
    **_ERR,
    "description": "rate_limited: too many requests from this kiosk (or peer, on the public listener)",
    "headers": {
        "Retry-After": {
            "required": True,
            "description": "whole seconds to wait (also retry_after in the body)",
            "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
        }
    },
}
_UNAVAILABLE = {**_ERR, "description": "store_failed, crl_unavailable: try again later"}


def _op(
    summary: str,
    req: dict[str, Any] | None,
    status: str,
    resp: dict[str, Any],
    *,
    public: bool = False,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {"description": "ok", "content": {"application/json": {"schema": resp}}},
            "413": {**_ERR, "description": f"body_too_large: the body is over {MAX_BODY // 1024} KiB"},
            "429": _RATE_LIMITED,
            "4XX": _ERR,
            "503": _UNAVAILABLE,
        },
    }
    if req is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": req}}}
    if public:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


_OID = {"name": "order_id", "in": "path", "required": True, "schema": _ID}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "konbini issuance center stub", "version": "1"},
    "components": {
        "securitySchemes": {
            "kioskCertificate": {
                "type": "mutualTLS",
                "description": "client certificate from the kiosk CA; its CN is the kiosk id",
            }
        },
        "schemas": {
            "Error": _obj(
                {
                    "error": {"type": "string", "enum": ERROR_CODES},
                    "reason": {"type": "string", "enum": REASONS},
                    "message": {"type": "string", "description": "日本語 / English"},
                    "retry_after": {"type": "integer", "minimum": 1, "description": "429: seconds to wait"},
                },
                ["error", "message"],
            )
        },
    },
    "security": [{"kioskCertificate": []}],
    "paths": {
        "/v1/auth/challenge": {
            "post": _op(
                "single-use challenge",
                _obj({}),
                "201",
                _obj(
                    {
                        "challenge_id": _S,
                        "nonce": {"type": "string", "contentEncoding": "base64"},
                        "expires_at": _S,
                    }
                ),
            )
        },
        "/v1/auth/response": {
            "post": _op(
                "card's signature over SHA-256(konbini-kiosk-auth-v1 00 challenge_id 00 kiosk_id 00 nonce)",
                _obj(
                    {
                        "challenge_id": _str(64),
                        "certificate": {**_str(10926), "contentEncoding": "base64"},
                        "signature": {**_str(1369), "contentEncoding": "base64"},
                    },
                    ["challenge_id", "certificate", "signature"],
                ),
                "201",
                _obj(
                    {
                        "session_id": _S,
                        "expires_at": _S,
                        "municipalities": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "code": _S,
                                    "name": _S,
                                    "reading": _READING,
                                    "relation": {"enum": ["residence", "honseki"]},
                                    "services": {
                                        "type": "array",
                                        "items": _obj(
                                            {
                                                "certificate": _S,
                                                "name": _S,
                                                "available": {"type": "boolean"},
                                                "fee": _I,
                                                "reason": _S,
                                                "message": _S,
                                                "options": {"type": "object"},
                                                "members": {
                                                    "type": "array",
                                                    "items": _obj(
                                                        {"id": _S, "name": _S, "reading": _READING},
                                                        ["id", "name"],
                                                    ),
                                                },
                                            }
                                        ),
                                    },
                                }
                            ),
                        },
                    }
                ),
            )
        },
        "/v1/orders": {
            "post": _op(
                "validate and price an order",
                _obj(
                    {
                        "session_id": _str(64),
                        "municipality": _str(6),
                        "certificate": _str(16),
                        "options": {"type": "object"},
                        "copies": {"type": "integer", "minimum": 1, "maximum": center_contract.MAX_COPIES},
                    },
                    ["session_id", "municipality", "certificate"],
                ),
                "201",
                _obj(
                    {
                        "order_id": _S,
                        "fee_total": _I,
                        "fee_each": _I,
                        "copies": _I,
                        "options": {"type": "object"},
                    }
                ),
            )
        },
        "/v1/orders/{order_id}/issue": {
            "post": _op(
                "issue the documents (idempotent per Idempotency-Key)",
                _obj(
                    {
                        "payment": {
                            **_obj(
                                {
                                    "method": {"enum": sorted(PAYMENT_METHODS)},
                                    "amount": _YEN,
                                    "received": _YEN,
                                    "change": _YEN,
                                },
                                ["amount"],
                            ),
                            "additionalProperties": False,
                        }
                    },
                    ["payment"],
                ),
                "200",
                _obj(
                    {
                        "order_id": _S,
                        "documents": {
                            "type": "array",
                            "items": _obj({"content": {"type": "object"}, "seal": _S}),
                        },
                    }
                ),
                params=[_OID, {"name": "Idempotency-Key", "in": "header", "required": True, "schema": _S}],
            )
        },
        "/v1/orders/{order_id}/complete": {
            "post": _op(
                "report the print result; failed voids the documents",
                _obj(
                    {
                        "result": {"enum": ["printed", "failed"]},
                        "pages_printed": {"type": "integer", "minimum": 0, "maximum": 1000},
                    },
                    ["result"],
                ),
                "200",
                _obj({"order_id": _S, "state": _S, "refund": _I, "voided": {"type": "array", "items": _S}}),
                params=[_OID],
            )
        },
        "/v1/kiosks/status": {
            "post": _op("the kiosk's health report; the answer carries remote commands",
                        REPORT_SCHEMA, "200", ANSWER_SCHEMA)
        },
        "/v1/seals/{seal_id}": {
            "get": _op(
                "public verification of a seal's status",
                None,
                "200",
                _obj({"seal_id": _S, "status": {"enum": ["valid", "voided"]}}),
                public=True,
                params=[{"name": "seal_id", "in": "path", "required": True, "schema": _ID}],
            )
        },
    },
}
