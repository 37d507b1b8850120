"""Property: whatever JSON a kiosk sends to any route, the center answers a typed 4xx/2xx, never a 5xx."""

from __future__ import annotations

import json

from fixtures.center import CenterData, CenterProcess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
KEYS = [
    "session_id",
    "municipality",
    "certificate",
    "options",
    "copies",
    "challenge_id",
    "certificate",
    "signature",
    "payment",
    "result",
    "pages_printed",
    "amount",
    "scope",
    "year",
    "kind",
]
BODY = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6) | JSON
ROUTES = [
    "/v1/auth/challenge",
    "/v1/auth/response",
    "/v1/orders",
    "/v1/orders/O-x/issue",
    "/v1/orders/O-x/complete",
]


def test_arbitrary_bodies_never_cause_a_server_error(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[4]
    with center.client(k) as c:
        s = c.authenticate(center_data.plain_cards()[0][1], k.kiosk_id).body
        sid = s["session_id"]

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(route=st.sampled_from(ROUTES), body=BODY, real_session=st.booleans())
        def check(route: str, body: object, real_session: bool) -> None:
            if real_session and isinstance(body, dict):
                body = {**body, "session_id": sid}
            r = c.raw("POST", route, json.dumps(body).encode(), {"idempotency-key": "fuzz"})
            assert r.status < 500, (route, body, r.body)
            if r.status >= 400:
                assert isinstance(r.body.get("error"), str) and " / " in r.body["message"]

        check()
