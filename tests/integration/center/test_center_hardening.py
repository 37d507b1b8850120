"""Malformed, oversized and hostile requests get a clear 4xx, never a 500 or a traceback."""

from __future__ import annotations

import json
import socket
import ssl

from fixtures.center import CenterData, CenterProcess


def test_malformed_bodies(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    with center.client(k) as c:
        r = c.raw("POST", "/v1/auth/response", b"{not json")
        assert (r.status, r.error) == (400, "body_malformed")
        r = c.raw("POST", "/v1/auth/response", b"[1, 2]")
        assert r.error == "body_malformed"
        r = c.raw("POST", "/v1/auth/response", b"\xff\xfe")
        assert r.error == "body_malformed"
        r = c.raw("POST", "/v1/orders", b"[" * 5000 + b"]" * 5000)
        assert r.status == 400
        r = c.call("POST", "/v1/auth/response", {"challenge_id": 5, "certificate": "x", "signature": "y"})
        assert (r.status, r.error) == (400, "field_invalid")
        ch = c.challenge().body
        r = c.call(
            "POST",
            "/v1/auth/response",
            {"challenge_id": ch["challenge_id"], "certificate": "!!notb64", "signature": "AAAA"},
        )
        assert r.error == "field_invalid"
        r = c.call("POST", "/v1/orders", {"session_id": "SE-x", "municipality": "139991"})
        assert r.error == "field_invalid"
        r = c.call("POST", "/v1/orders/O-x/complete", {"result": "maybe"})
        assert r.error == "field_invalid"
        r = c.call("POST", "/v1/orders/O-x/complete", {"result": "failed", "pages_printed": -1})
        assert r.error == "field_invalid"
        r = c.call("POST", "/v1/orders/O-unknown/issue", {"payment": {"amount": 1}}, {"idempotency-key": "a"})
        assert (r.status, r.error) == (404, "order_unknown")
        assert c.call("GET", "/v1/nothing").error == "not_found"
        assert c.call("GET", "/v1/auth/challenge").status == 405
        assert c.call("POST", "/v1/seals/S-x").status == 405
        assert c.challenge().status == 201  # the connection is still good


def test_oversized_body_is_413(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    with center.client(k) as c:
        r = c.raw("POST", "/v1/orders", b"{" + b" " * 70_000 + b"}")
        assert (r.status, r.error) == (413, "body_too_large")
        r = c.raw("POST", "/v1/orders", b"{}", {"content-length": "99999999"})
        assert r.status in (400, 413)


def _raw_tls(center: CenterProcess, center_data: CenterData, payload: bytes) -> bytes:
    k = center_data.kiosks[0]
    ctx = ssl.create_default_context(cafile=str(center_data.path / "tls" / "ca.pem"))
    ctx.load_cert_chain(str(k.cert), str(k.key))
    with (
        socket.create_connection(("127.0.0.1", center.port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as s,
    ):
        s.sendall(payload)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def test_garbage_http_and_huge_headers(center: CenterProcess, center_data: CenterData) -> None:
    out = _raw_tls(center, center_data, b"\x00\x01 garbage garbage\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["error"] == "http_malformed"
    huge = b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    out = _raw_tls(center, center_data, huge)
    assert out.startswith(b"HTTP/1.1 4")


def test_openapi_document(center: CenterProcess, center_data: CenterData) -> None:
    with center.client(center_data.kiosks[0]) as c:
        r = c.call("GET", "/openapi.json")
    assert r.status == 200
    assert r.body["openapi"].startswith("3.")
    assert {
        "/v1/auth/challenge",
        "/v1/auth/response",
        "/v1/orders",
        "/v1/orders/{order_id}/issue",
        "/v1/orders/{order_id}/complete",
        "/v1/seals/{seal_id}",
    } <= set(r.body["paths"])
    assert "challenge_used" in r.body["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
