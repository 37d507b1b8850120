"""Center client: error mapping, retry rules and answer parsing over httpx.MockTransport.

The lead adds integration tests against the real center stub (mutual TLS on loopback); here the HTTP
exchange itself is real httpx, only the socket is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fixtures.kiosk_flow import RAW_MUNICIPALITIES

from kiosk.center_client import (
    CenterBadAnswer,
    CenterClient,
    CenterRefused,
    CenterUnreachable,
    auth_digest,
    auth_message,
)
from kiosk.flow.codes import CENTER_ERRORS, error_key

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(handler: Handler, retries: int = 2) -> tuple[CenterClient, list[float]]:
    sleeps: list[float] = []
    client = CenterClient("https://center.test", "K0001", transport=httpx.MockTransport(handler),
                          retries=retries, sleep=sleeps.append)
    return client, sleeps


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_auth_message_layout_follows_design() -> None:
    nonce = bytes(range(32))
    msg = auth_message("c-1", "K0001", nonce)
    assert msg == b"konbini-kiosk-auth-v1\x00c-1\x00K0001\x00" + nonce
    assert auth_digest("c-1", "K0001", nonce) == hashlib.sha256(msg).digest()


def test_challenge_and_authenticate_parse_the_answers() -> None:
    nonce = b"\x01" * 32
    rec = Recorder(
        _json(201, {"challenge_id": "c-1", "nonce": base64.b64encode(nonce).decode(), "expires_at": "t"}),
    )
    client, _ = _client(rec)
    ch = client.challenge()
    assert (ch.challenge_id, ch.nonce) == ("c-1", nonce)
    rec.answers = [_json(201, {"session_id": "s-1", "expires_at": "t", "municipalities": RAW_MUNICIPALITIES})]
    session = client.authenticate("c-1", b"DER", b"SIG")
    sent = json.loads(rec.requests[-1].content)
    assert sent == {"challenge_id": "c-1", "certificate": base64.b64encode(b"DER").decode(),
                    "signature": base64.b64encode(b"SIG").decode()}
    assert session.session_id == "s-1" and session.municipalities[0].name == "東京都見本市"
    assert session.municipalities[0].services[0].members[1].id == "m2"


@pytest.mark.parametrize("code", sorted(c for c in CENTER_ERRORS if not c.startswith("center_")))
def test_every_center_error_code_becomes_a_typed_refusal(code: str) -> None:
    client, sleeps = _client(Recorder(_json(403, {"error": code, "message": "日本語 / English"})))
    with pytest.raises(CenterRefused) as info:
        client.create_order("s", "139991", "juminhyo", {}, 1)
    assert info.value.code == code and info.value.status == 403
    assert error_key(info.value.code) != "error.other"
    assert sleeps == []  # a refusal is an answer: never retried


def test_refusal_carries_the_availability_reason() -> None:
    answer = _json(422, {"error": "not_available", "reason": "no_tax_return", "message": "申告がない / none"})
    client, _ = _client(Recorder(answer))
    with pytest.raises(CenterRefused) as info:
        client.create_order("s", "139991", "kazei", {"year": 2025}, 1)
    assert (info.value.code, info.value.reason) == ("not_available", "no_tax_return")
    assert error_key(info.value.code, info.value.reason) == "reason.no_tax_return"


def test_refusal_without_json_still_has_a_code() -> None:
    client, _ = _client(Recorder(httpx.Response(502, text="<html>bad gateway</html>")), retries=0)
    with pytest.raises(CenterRefused) as info:
        client.seal_status("S-1")
    assert info.value.code == "center_error"


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ConnectTimeout("no route"),
     httpx.RemoteProtocolError("reset")],
)
def test_transport_failures_are_center_unreachable(failure: Exception) -> None:
    client, _ = _client(Recorder(failure), retries=0)
    with pytest.raises(CenterUnreachable) as info:
        client.challenge()
    assert info.value.code == "center_unreachable"


def test_issue_is_retried_with_the_same_idempotency_key() -> None:
    docs = [{"content": {"type": "juminhyo"}, "seal": "KJ1:X"}]
    rec = Recorder(httpx.ReadTimeout("slow"), _json(503, {"error": "center_busy"}),
                   _json(200, {"documents": docs}))
    client, sleeps = _client(rec)
    assert client.issue("ord-1", "ord-1:issue", {"method": "cash", "amount": 200}) == tuple(docs)
    assert [r.headers["Idempotency-Key"] for r in rec.requests] == ["ord-1:issue"] * 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]
    assert json.loads(rec.requests[0].content) == {"payment": {"method": "cash", "amount": 200}}


def test_issue_gives_up_after_the_retries() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    client, _ = _client(rec, retries=2)
    with pytest.raises(CenterUnreachable):
        client.issue("ord-1", "k", {})
    assert len(rec.requests) == 3


def test_orders_are_not_repeated_after_they_may_have_reached_the_center() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"), _json(201, {"order_id": "o", "fee_total": 200}))
    client, _ = _client(rec)
    with pytest.raises(CenterUnreachable):
        client.create_order("s", "139991", "juminhyo", {}, 1)
    assert len(rec.requests) == 1


def test_a_request_that_never_left_is_retried_for_any_route() -> None:
    rec = Recorder(httpx.ConnectError("refused"), _json(201, {"order_id": "o-7", "fee_total": 400}))
    client, _ = _client(rec)
    order = client.create_order("s", "139991", "juminhyo", {"whose": "self"}, 2)
    assert (order.order_id, order.fee_total) == ("o-7", 400)
    assert len(rec.requests) == 2


def test_complete_sends_result_and_pages_and_may_be_retried() -> None:
    rec = Recorder(_json(500, {"error": "center_error"}), _json(200, {}))
    client, _ = _client(rec)
    client.complete("ord-1", "failed", 1)
    assert json.loads(rec.requests[-1].content) == {"result": "failed", "pages_printed": 1}
    assert rec.requests[-1].url.path == "/v1/orders/ord-1/complete"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="not json"),
        _json(200, ["a", "list"]),
        _json(200, {"documents": []}),
        _json(200, {"documents": [{"content": {}}]}),
    ],
)
def test_malformed_issue_answers_are_bad_answers(answer: httpx.Response) -> None:
    client, _ = _client(Recorder(answer))
    with pytest.raises(CenterBadAnswer) as info:
        client.issue("o", "k", {})
    assert info.value.code == "center_bad_answer"


def test_malformed_session_names_the_key() -> None:
    bad = [{"code": "1", "name": "x", "relation": "elsewhere"}]
    client, _ = _client(Recorder(_json(201, {"session_id": "s", "municipalities": bad})))
    with pytest.raises(CenterBadAnswer, match=r"municipalities\[0\].relation"):
        client.authenticate("c", b"d", b"s")


def test_oversized_answers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.center_client as cc

    monkeypatch.setattr(cc, "MAX_ANSWER_BYTES", 1000)
    client, _ = _client(Recorder(httpx.Response(200, content=b"{" + b" " * 5000 + b"}")))
    with pytest.raises(CenterBadAnswer, match="larger than"):
        client.seal_status("S-1")


def test_missing_tls_material_is_a_typed_error(tmp_path: Any) -> None:
    with pytest.raises(CenterUnreachable, match="TLS material"):
        CenterClient("https://127.0.0.1:1", "K0001",
                     tls=(tmp_path / "ca.pem", tmp_path / "c.pem", tmp_path / "k"))
