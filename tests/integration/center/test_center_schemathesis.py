"""Schemathesis, a reference client we did not write, against the OpenAPI the running center serves.

The document is fetched from a real ``serve`` process over mutual TLS (kiosk client certificate, the
center's CA), then schemathesis generates requests for every operation from it and checks each answer
against it: no 5xx, a documented status, the documented content type, headers and body schema.  Per-kiosk
rate limiting is off for this center (``--kiosk-rate 0``): a 429 is documented (``4XX``), but hypothesis
shrinking replays examples in bursts and a limited answer would only hide the operation's own answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fixtures.center import CenterData, CenterProcess, start_center
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25  # per operation: the whole file stays within about a minute on a loaded 2-core box


@pytest.fixture(scope="module")
def schema_center(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path, "--kiosk-rate", "0")


@pytest.fixture(scope="module")
def kiosk_session(schema_center: CenterProcess, center_data: CenterData) -> Iterator[requests.Session]:
    k = center_data.kiosks[5]
    s = requests.Session()
    s.verify = str(center_data.path / "tls" / "ca.pem")
    s.cert = (str(k.cert), str(k.key))
    yield s
    s.close()


def _operations(schema: Any) -> list[Any]:
    ops = [r.ok() for r in schema.get_all_operations()]
    assert ops, "the OpenAPI lists no operation"
    return ops


def fuzz(schema: Any, base_url: str, session: requests.Session) -> list[str]:
    """Run every operation of ``schema`` through the checks; the labels of the operations exercised."""
    done = []
    for op in _operations(schema):

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(
                base_url=base_url, session=session, checks=CHECKS, timeout=10,
                # requests lets REQUESTS_CA_BUNDLE override session.verify; the center's CA must win
                verify=session.verify, cert=session.cert,
            )

        run()
        done.append(op.label)
    return done


def test_the_center_api_conforms_to_its_openapi(
    schema_center: CenterProcess, kiosk_session: requests.Session
) -> None:
    base = f"https://127.0.0.1:{schema_center.port}"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", verify=kiosk_session.verify,
                                           cert=kiosk_session.cert, timeout=10)
    labels = fuzz(schema, base, kiosk_session)
    # Every path of the document was exercised (the expected list is the API of docs/center.md).
    assert sorted(labels) == sorted([
        "POST /v1/auth/challenge",
        "POST /v1/auth/response",
        "POST /v1/orders",
        "POST /v1/orders/{order_id}/issue",
        "POST /v1/orders/{order_id}/complete",
        "POST /v1/kiosks/status",
        "GET /v1/seals/{seal_id}",
    ])


def test_a_wrong_answer_is_caught(schema_center: CenterProcess, kiosk_session: requests.Session) -> None:
    """The harness can fail: a document that promises a different body makes the schema check fail."""
    base = f"https://127.0.0.1:{schema_center.port}"
    doc = kiosk_session.get(
        f"{base}/openapi.json", timeout=10, verify=kiosk_session.verify, cert=kiosk_session.cert
    ).json()
    op = doc["paths"]["/v1/auth/challenge"]["post"]
    op["responses"]["201"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["no_such_field"]}
    schema = schemathesis.openapi.from_dict(doc)
    with pytest.raises(FailureGroup) as info:
        fuzz(schema.include(path="/v1/auth/challenge"), base, kiosk_session)
    assert [type(e) for e in info.value.exceptions] == [JsonSchemaError]

