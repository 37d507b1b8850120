"""``POST /v1/kiosks/status`` over real mutual TLS, on SQLite and PostgreSQL."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from fixtures.center import CenterData, CenterProcess
from sqlalchemy import select

from server_stub.fleet import Fleet, known_kiosks
from server_stub.initdata import load_config
from server_stub.store import kiosk_status, make_engine


def _report(**over: Any) -> dict[str, Any]:
    return {
        "reader": "ok",
        "printer": "paper_end",
        "cash_box": "ok",
        "in_service": True,
        "counters": {"issued": 1},
        "version": "0.1.0",
        "uptime": 3.0,
        "last_errors": [],
    } | over


def test_report_stored_under_the_certificates_kiosk(center: CenterProcess, center_data: CenterData) -> None:
    k1, k2 = center_data.kiosks[6], center_data.kiosks[7]
    with center.client(k1) as c:
        r = c.call("POST", "/v1/kiosks/status", _report())
        assert r.status == 200, r.body
        assert r.body["commands"] == []
        # A body naming another kiosk is refused outright: the id is the certificate's.
        r = c.call("POST", "/v1/kiosks/status", _report(kiosk_id=k2.kiosk_id))
        assert (r.status, r.error) == (400, "report_field_unknown")
        r = c.call("POST", "/v1/kiosks/status", _report(last_errors=[{"code": "x"}] * 50))
        assert (r.status, r.error) == (400, "report_history_too_long")
    # No kiosk certificate: the API listener refuses the handshake itself (client certificates required).
    with pytest.raises((ssl.SSLError, ConnectionError)), center.client(None) as c:
        c.call("POST", "/v1/kiosks/status", _report())
    engine = make_engine(center.db or load_config(center_data.path)["db"])
    try:
        with engine.connect() as conn:
            rows = {r.kiosk_id for r in conn.execute(select(kiosk_status.c.kiosk_id))}
        assert k1.kiosk_id in rows
        fleet = Fleet(engine, known_kiosks(center_data.path))
        cmd = fleet.command(k2.kiosk_id, "out_of_service", "op-test", "maintenance")
        with center.client(k2) as c:
            r = c.call("POST", "/v1/kiosks/status", _report(printer="ok"))
            assert r.body["commands"] == [
                {"id": cmd["id"], "kind": "out_of_service", "reason": "maintenance"}
            ]
            r = c.call(
                "POST",
                "/v1/kiosks/status",
                _report(printer="ok", in_service=False, applied=[{"id": cmd["id"], "result": "ok"}]),
            )
            assert r.body["commands"] == []
    finally:
        engine.dispose()
