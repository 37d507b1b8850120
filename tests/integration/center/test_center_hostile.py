"""Issue 12, center findings under hostile load, each reproduced against a real center on loopback.

Slot caps before the TLS handshake (per peer, in total, bounded wait), one deadline per request,
strict JSON, per-kiosk and per-peer rate limits, the public listener.  Flooding clients connect from
127.0.0.2/127.0.0.3 so that the per-peer cap tells them apart from the real kiosk on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
from fixtures.center import CenterData, CenterProcess, start_center


def _tcp(port: int, source: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    return s


def _closed_within(s: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``s`` (EOF or reset) within ``seconds`` without sending anything."""
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _kiosk_ctx(center_data: CenterData, i: int = 0) -> ssl.SSLContext:
    k = center_data.kiosks[i]
    ctx = ssl.create_default_context(cafile=str(center_data.path / "tls" / "ca.pem"))
    ctx.load_cert_chain(str(k.cert), str(k.key))
    return ctx


@pytest.fixture
def capped(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(
        center_data.path,
        "--max-handshaking-per-peer",
        "4",
        "--max-handshaking",
        "8",
        "--slot-wait",
        "0.5",
        "--request-timeout",
        "2",
    )


def test_handshake_slots_are_capped_per_peer_and_in_total_and_stallers_are_cut(
    capped: CenterProcess, center_data: CenterData
) -> None:
    k = center_data.kiosks[0]
    # A kiosk connected before the flood keeps its (established) slot throughout.
    keepalive = capped.client(center_data.kiosks[1])
    assert keepalive.challenge().status == 201
    with contextlib.ExitStack() as stack:
        # Four silent connections fill one peer's share of handshake slots (no TLS byte is sent).
        hogs = [stack.enter_context(_tcp(capped.port, "127.0.0.2")) for _ in range(4)]
        time.sleep(0.2)
        assert not any(_closed_within(h, 0.05) for h in hogs)
        # A fifth from the same peer takes the place of that peer's oldest: one peer, four slots.
        hogs.append(stack.enter_context(_tcp(capped.port, "127.0.0.2")))
        assert _closed_within(hogs[0], 1.0), "the peer's oldest handshake must be cut"
        assert not _closed_within(hogs[4], 0.2)
        # Another peer fills the total (8); the kiosk's new connection still gets through, in time,
        # by cutting the oldest staller (the one whose handshake has taken longest).
        hogs += [stack.enter_context(_tcp(capped.port, "127.0.0.3")) for _ in range(4)]
        time.sleep(0.2)
        t0 = time.monotonic()
        with capped.client(k) as c:
            assert c.challenge().status == 201
        assert time.monotonic() - t0 < 1.0
        assert _closed_within(hogs[1], 1.0)
        assert keepalive.challenge().status == 201  # untouched by the flood
    keepalive.close()


def test_a_silent_connection_without_certificate_loses_its_slot(
    capped: CenterProcess, center_data: CenterData
) -> None:
    # A TLS client without a certificate cannot complete the handshake on the API listener.
    raw = _tcp(capped.port, "127.0.0.2")
    ctx = ssl.create_default_context(cafile=str(center_data.path / "tls" / "ca.pem"))
    with (
        pytest.raises((ssl.SSLError, ConnectionError)),
        ctx.wrap_socket(raw, server_hostname="localhost") as s,
    ):
        s.sendall(b"GET /v1/seals/S-x HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(100) == b""
        raise ConnectionError("closed without an answer")


def _trickle(port: int, ctx: ssl.SSLContext, chunks: list[bytes], gap: float) -> tuple[float, bytes]:
    """Send ``chunks`` ``gap`` seconds apart (stopping when the server answers); (elapsed, answer)."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as s,
    ):
        t0 = time.monotonic()
        s.settimeout(gap)
        answer = b""
        for chunk in chunks:
            try:
                s.sendall(chunk)
            except OSError:
                break
            try:
                answer = s.recv(4096)
            except TimeoutError:
                continue
            break
        s.settimeout(10)
        with contextlib.suppress(OSError):
            answer = answer or s.recv(4096)
        return time.monotonic() - t0, answer


def test_a_trickled_head_gets_408_at_the_request_deadline(
    capped: CenterProcess, center_data: CenterData
) -> None:
    # Each byte arrives well within any per-read timeout (0.4 s apart); the whole head never does.
    head = b"POST /v1/auth/challenge HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}"
    elapsed, answer = _trickle(capped.port, _kiosk_ctx(center_data), [bytes([b]) for b in head], 0.4)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"request_timeout" in answer
    assert elapsed < 4.0  # request timeout 2 s (+ slack), not len(head) * 0.4 s = 28 s


def test_a_trickled_body_gets_408_at_the_request_deadline(
    capped: CenterProcess, center_data: CenterData
) -> None:
    head = b"POST /v1/auth/challenge HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n"
    elapsed, answer = _trickle(capped.port, _kiosk_ctx(center_data), [head] + [b" "] * 40, 0.4)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert elapsed < 4.0


def test_duplicate_keys_and_huge_numbers_are_body_malformed(
    center: CenterProcess, center_data: CenterData
) -> None:
    k = center_data.kiosks[0]
    with center.client(k) as c:
        r = c.raw("POST", "/v1/orders", b'{"session_id":"SE-x","copies":1,"copies":5}')
        assert (r.status, r.error) == (400, "body_malformed")
        r = c.raw("POST", "/v1/orders", b'{"copies":' + b"9" * 5000 + b"}")
        assert (r.status, r.error) == (400, "body_malformed")
        r = c.raw("POST", "/v1/orders", b'{"copies":NaN}')
        assert (r.status, r.error) == (400, "body_malformed")
        assert c.challenge().status == 201


def test_a_kiosk_in_a_retry_loop_is_told_to_back_off(center_data: CenterData) -> None:
    k = center_data.kiosks[1]
    for proc in start_center(center_data.path, "--kiosk-rate", "1", "--kiosk-burst", "3"):
        ctx = _kiosk_ctx(center_data, 1)
        conn = http.client.HTTPSConnection("127.0.0.1", proc.port, context=ctx, timeout=10)
        statuses = []
        for _ in range(5):
            conn.request("POST", "/v1/auth/challenge", body=b"{}")
            resp = conn.getresponse()
            body = json.loads(resp.read())
            statuses.append(resp.status)
        assert statuses[:3] == [201, 201, 201]
        assert statuses[3] == 429
        assert body["error"] == "rate_limited" and body["retry_after"] >= 1
        assert int(resp.getheader("retry-after", "0")) >= 1
        conn.close()
        # Another kiosk has a bucket of its own.
        with proc.client(center_data.kiosks[2]) as c:
            assert c.challenge().status == 201
        time.sleep(1.1)
        with proc.client(k) as c:
            assert c.challenge().status == 201  # refilled at 1/s


def test_the_public_seal_route_is_rate_limited_per_client(center_data: CenterData) -> None:
    for proc in start_center(center_data.path, "--public-rate", "2"):
        with proc.client(public=True) as c:
            codes = [c.seal_status("S-x").error for _ in range(6)]
        assert codes[:4] == ["seal_unknown"] * 4  # burst = 2 x rate
        assert "rate_limited" in codes[4:]
