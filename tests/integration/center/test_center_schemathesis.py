"""Schemathesis, a reference client we did not write, against the OpenAPI the running center serves.

The document is fetched from a real ``serve`` process over mutual TLS (kiosk client certificate, the
center's CA), then schemathesis generates requests for every operation from it and checks each answer
against it: no 5xx, a documented status, the documented content type, headers and body schema.  Per-kiosk
rate limiting is off for this center (``--kiosk-rate 0``): a 429 is documented (``4XX``), but hypothesis
shrinking replays examples in bursts and a limited answer would only hide the operation's own answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import schemathesis
from fixtures.center import TEST_NOW, CenterData, CenterProcess, issued_order, session, start_center
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server_stub.municipal.spawn import SpawnedMunicipal

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# A negative case may be refused for its size before its content: 413 body_too_large (documented) is a
# refusal too, besides schemathesis' default list.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]}}})
EXAMPLES = 50  # per operation and mode: the file runs in about 30 s (100: 50 s) on a loaded 2-core box


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


Fill = Callable[[Any, int], None]


def fuzz(
    schema: Any, base_url: str, session: requests.Session, fill: Fill | None = None, *, negative: bool = False
) -> dict[str, set[int]]:
    """Run every operation of ``schema`` through the checks; the statuses seen per operation label.

    ``fill(case, level)`` puts real identifiers into some cases (level 1: ids only, 2: a valid request
    around them): random ids alone only ever reach the refusals, never the success answers' schemas.
    """
    return {op.label: _run(op, base_url, session, fill, negative) for op in _operations(schema)}


def _run(op: Any, base_url: str, session: requests.Session, fill: Fill | None, negative: bool) -> set[int]:
    seen: set[int] = set()
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    checks = [*CHECKS, negative_data_rejection, missing_required_header] if negative else CHECKS

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(mode), level=st.sampled_from([0, 1, 2]))
    def run(case: Any, level: int) -> None:
        if fill is not None and level:
            fill(case, level)
        r = case.call_and_validate(
            base_url=base_url, session=session, checks=checks, timeout=10,
            # requests lets REQUESTS_CA_BUNDLE override session.verify; the center's CA must win
            verify=session.verify, cert=session.cert,
        )
        seen.add(r.status_code)

    run()
    return seen


def oversize(schema: Any, base_url: str, session: requests.Session) -> None:
    """A body over the servers' 64 KiB limit to every POST: the 413 must match the document too
    (generated bodies stay small, so this answer is never reached by the fuzzing above)."""
    for op in _operations(schema.include(method="POST")):
        params = {p.name: "x" for p in op.path_parameters}
        case = op.Case(body={"padding": "x" * 70_000}, path_parameters=params or None,
                       headers={"Idempotency-Key": "big"} if op.headers else None)
        r = case.call_and_validate(base_url=base_url, session=session, checks=CHECKS, timeout=10,
                                   verify=session.verify, cert=session.cert)
        assert r.status_code == 413, (op.label, r.status_code)


def test_the_center_api_conforms_to_its_openapi(
    schema_center: CenterProcess, kiosk_session: requests.Session, center_data: CenterData
) -> None:
    base = f"https://127.0.0.1:{schema_center.port}"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", verify=kiosk_session.verify,
                                           cert=kiosk_session.cert, timeout=10, config=CONFIG)
    k = center_data.kiosks[5]
    entry, profile = center_data.plain_cards()[1]
    with schema_center.client(k) as c:
        sid = session(c, k, profile)["session_id"]

        def order() -> dict[str, Any]:
            o = c.order(sid, entry["municipality"], "juminhyo")
            assert o.status == 201, o.body
            return o.body

        first = order()

        def fill(case: Any, level: int) -> None:
            if isinstance(case.body, dict):
                case.body["session_id"] = sid
            if level == 1 and case.path_parameters and "order_id" in case.path_parameters:
                case.path_parameters["order_id"] = first["order_id"]
            elif level == 2 and case.path == "/v1/orders" and isinstance(case.body, dict):
                case.body.update(municipality=entry["municipality"], certificate="juminhyo", options={})
                case.body.pop("copies", None)
            elif level == 2 and case.path.endswith("/issue") and isinstance(case.body, dict):
                o = order()  # a fresh order each time: an issued one refuses a second payment
                case.path_parameters["order_id"] = o["order_id"]
                case.body["payment"] = {"method": "cash", "amount": o["fee_total"]}

        labels = fuzz(schema, base, kiosk_session, fill)
    oversize(schema, base, kiosk_session)
    for label in ("POST /v1/orders", "POST /v1/orders/{order_id}/issue"):
        assert any(200 <= x < 300 for x in labels[label]) and any(400 <= x < 500 for x in labels[label]), (
            label, labels[label])
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


def test_the_municipal_protocol_conforms_to_its_openapi(center_data: CenterData) -> None:
    """The center ↔ municipality protocol, as the center's client certificate from the munet CA sees it."""
    codes = sorted({e["municipality"] for e in center_data.index})
    entry = center_data.plain_cards()[0][0]

    def fill(case: Any, level: int) -> None:
        if not isinstance(case.body, dict):
            return
        case.body.update(version=1, municipality=entry["municipality"], resident_id=entry["resident_id"],
                         request_id="O-st-" + uuid.uuid4().hex[:12])
        if level == 2 and case.path == "/m1/certificates":
            case.body.update(certificate="juminhyo", options={}, copies=1, issued=TEST_NOW[:10],
                             deadline_ms=5000)
        elif level == 2:
            case.body.update(relation="residence", order={"certificate": "juminhyo", "copies": 1},
                             deadline_ms=5000)
    server = SpawnedMunicipal(center_data.path / "municipal", "schema", codes, now=TEST_NOW)
    net = center_data.path / "munet"
    session = requests.Session()
    session.verify = str(net / "ca.pem")
    session.cert = (str(net / "center.pem"), str(net / "center-key.pem"))
    try:
        base = f"https://127.0.0.1:{server.port}"
        schema = schemathesis.openapi.from_url(f"{base}/m1/openapi.json", verify=session.verify,
                                               cert=session.cert, timeout=10, config=CONFIG)
        labels = fuzz(schema, base, session, fill)
        oversize(schema, base, session)
        # and it refuses what the document forbids (GET /m1/health has no input to make invalid)
        fuzz(schema.include(method="POST"), base, session, negative=True)
    finally:
        session.close()
        err = server.stop()
    assert "Traceback" not in err, err
    # schemathesis leaves out the operation it loaded the document from (GET /m1/openapi.json).
    assert sorted(labels) == ["GET /m1/health", "POST /m1/certificates", "POST /m1/eligibility"]
    # Both the answers and the refusals were checked against their schemas.
    for label in ("POST /m1/certificates", "POST /m1/eligibility"):
        assert 200 in labels[label] and any(400 <= x < 500 for x in labels[label]), (label, labels[label])


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



def test_the_center_refuses_what_its_openapi_forbids(
    schema_center: CenterProcess, kiosk_session: requests.Session
) -> None:
    base = f"https://127.0.0.1:{schema_center.port}"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", verify=kiosk_session.verify,
                                           cert=kiosk_session.cert, timeout=10, config=CONFIG)
    fuzz(schema, base, kiosk_session, negative=True)


@pytest.fixture
def limited_center(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path, "--kiosk-rate", "0.5", "--kiosk-burst", "3")


def test_rate_limited_answers_match_the_openapi(
    limited_center: CenterProcess, kiosk_session: requests.Session
) -> None:
    """A center with a tight per-kiosk limit: its 429s (and their Retry-After) are checked like any answer."""
    proc = limited_center
    base = f"https://127.0.0.1:{proc.port}"
    doc = kiosk_session.get(
        f"{base}/openapi.json", timeout=10, verify=kiosk_session.verify, cert=kiosk_session.cert
    ).json()
    schema = schemathesis.openapi.from_dict(doc).include(path="/v1/auth/challenge")
    labels = fuzz(schema, base, kiosk_session)
    assert {201, 429} <= labels["POST /v1/auth/challenge"], labels


def test_the_public_seal_route_conforms_to_its_openapi(
    schema_center: CenterProcess, kiosk_session: requests.Session, center_data: CenterData
) -> None:
    """``GET /v1/seals/{id}`` on the public listener: no client certificate (``security: []``)."""
    k = center_data.kiosks[6]
    entry, profile = center_data.plain_cards()[2]
    c, _order, issued = issued_order(schema_center, k, profile, entry["municipality"])
    c.close()
    seal = issued["documents"][0]["content"]["seal_id"]
    base = f"https://127.0.0.1:{schema_center.public_port}"
    doc = kiosk_session.get(
        f"https://127.0.0.1:{schema_center.port}/openapi.json", timeout=10,
        verify=kiosk_session.verify, cert=kiosk_session.cert,
    ).json()
    schema = schemathesis.openapi.from_dict(doc, config=CONFIG).include(path="/v1/seals/{seal_id}")

    def fill(case: Any, level: int) -> None:
        case.path_parameters["seal_id"] = seal

    anonymous = requests.Session()
    anonymous.verify = kiosk_session.verify
    try:
        labels = fuzz(schema, base, anonymous, fill)
    finally:
        anonymous.close()
    assert 200 in labels["GET /v1/seals/{seal_id}"] and 404 in labels["GET /v1/seals/{seal_id}"], labels
