"""Strict JSON for request bodies: no duplicate keys, no NaN/Infinity, no huge numbers.

Python's ``json`` lets the last duplicate key win (``"copies":1,"copies":5`` ordered 5) and turns a
4,300-digit integer into a ValueError deep in ``int()`` (a 500 before this); both are refused here as
``body_malformed``.
"""

from __future__ import annotations

import json
from typing import Any

from server_stub.errors import RequestError

__all__ = ["MAX_INT_DIGITS", "parse_json_object"]

MAX_INT_DIGITS = 32  # no field of the API needs more; a 4,300-digit integer is refused before int()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            # "copies":1,"copies":5 must not silently mean 5 (nor 1): the body is ambiguous.
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS + 16:
        raise ValueError("number too long")
    return float(text)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Strict JSON object: no duplicate keys, no NaN/Infinity, no integer over 32 digits.

    :raises RequestError: ``body_malformed``.
    """
    try:
        data = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestError(
            f"JSON が不正です / body is not valid JSON: {str(exc)[:80]}", code="body_malformed"
        ) from exc
    if not isinstance(data, dict):
        raise RequestError("JSON オブジェクトが必要です / body must be a JSON object", code="body_malformed")
    return data
