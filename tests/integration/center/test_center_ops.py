"""The operators' listener over real TLS: who gets in, the pages, remote commands, and metrics that move."""

from __future__ import annotations

import datetime as dt
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.center import CenterData, CenterProcess, start_center
from fixtures.ops import OpsClient, OpsProcess, operator_context, start_ops
from sqlalchemy import select

from card.profile import SeededRandom
from server_stub import pki
from server_stub.initdata import load_config
from server_stub.store import audit_log, make_engine


@pytest.fixture(scope="module")
def api(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path)


@pytest.fixture(scope="module")
def ops(center_data: CenterData) -> Iterator[OpsProcess]:
    yield from start_ops(center_data.path, "--unreachable-after", "3600")


def _report(**over: Any) -> dict[str, Any]:
    return {
        "reader": "ok",
        "printer": "ok",
        "cash_box": "ok",
        "in_service": True,
        "counters": {},
        "version": "0.1.0",
        "uptime": 1.0,
        "last_errors": [],
    } | over


def _forged(tmp: Path, cn: str) -> tuple[Path, Path]:
    """A CA named like the operator CA, and an operator-01 from it: not the center's."""
    now = dt.datetime.now(dt.UTC)
    ca = pki.make_ec_ca("Konbini Operator CA TEST", SeededRandom("forger").child("ca"), now)
    cert, key = pki.issue_kiosk_cert(cn, ca, SeededRandom("forger").child("leaf"), now)
    (tmp / "f.pem").write_bytes(pki.pem(cert))
    pki.write_key(tmp / "f-key.pem", key)
    return tmp / "f.pem", tmp / "f-key.pem"


def test_only_operator_certificates_get_in(ops: OpsProcess, center_data: CenterData, tmp_path: Path) -> None:
    d = center_data.path
    assert OpsClient(ops.port, operator_context(d)).request("GET", "/").status == 200
    forged = operator_context(d, *_forged(tmp_path, "operator-01"))
    kiosk = center_data.kiosks[0]
    for ctx in (forged, operator_context(d, kiosk.cert, kiosk.key)):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            OpsClient(ops.port, ctx).request("GET", "/")
    bare = ssl.create_default_context(cafile=str(d / "tls" / "ca.pem"))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        OpsClient(ops.port, bare).request("GET", "/")
    # The p12 a browser imports holds the same operator (password beside it, 0600).
    from cryptography.hazmat.primitives.serialization import pkcs12

    pw = (d / "ops" / "operator-01.p12.txt").read_text().strip().encode()
    bundle = pkcs12.load_pkcs12((d / "ops" / "operator-01.p12").read_bytes(), pw)
    assert bundle.cert is not None and bundle.cert.certificate.subject.rfc4514_string().startswith(
        "CN=operator-01,"
    )
    assert (d / "ops" / "operator-01.p12").stat().st_mode & 0o077 == 0


def test_pages_commands_and_audit(ops: OpsProcess, api: CenterProcess, center_data: CenterData) -> None:
    d = center_data.path
    c = OpsClient(ops.port, operator_context(d))
    k = center_data.kiosks[1]
    with api.client(k) as kc:
        assert kc.call("POST", "/v1/kiosks/status", _report(printer="paper_end")).status == 200
    page = c.request("GET", "/").body
    assert "運用コンソール / Operations console" in page
    assert f'<tr class="st-fault" id="row-{k.kiosk_id}">' in page
    assert "用紙切れ" in page and f"/kiosks/{k.kiosk_id}" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    filtered = c.request("GET", "/?status=fault").body
    assert f"row-{k.kiosk_id}" in filtered and f"row-{center_data.kiosks[0].kiosk_id}" not in filtered
    token = c.csrf(k.kiosk_id)
    r = c.request("POST", "/kiosks/K9999/commands", {"csrf": token, "kind": "in_service"})
    assert r.status == 404 and 'data-code="kiosk_unknown"' in r.body
    r = c.request("POST", f"/kiosks/{k.kiosk_id}/commands", {"csrf": "0" * 64, "kind": "in_service"})
    assert r.status == 403 and 'data-code="csrf_invalid"' in r.body
    r = c.request(
        "POST",
        f"/kiosks/{k.kiosk_id}/commands",
        {"csrf": token, "kind": "out_of_service", "reason": "inspection"},
    )
    assert r.status == 303 and r.headers["location"] == f"/kiosks/{k.kiosk_id}?n=sent"
    with api.client(k) as kc:
        cmds = kc.call("POST", "/v1/kiosks/status", _report()).body["commands"]
    assert [(x["kind"], x.get("reason")) for x in cmds] == [("out_of_service", "inspection")]
    engine = make_engine(load_config(d)["db"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.detail).where(audit_log.c.event == "kiosk_command")).all()
    finally:
        engine.dispose()
    assert any(json.loads(r.detail)["operator"] == "operator-01" for r in rows)
    detail = c.request("GET", f"/kiosks/{k.kiosk_id}").body
    assert "operator-01" in detail and "点検 / inspection" in detail


def test_metrics_move_with_their_events(ops: OpsProcess, api: CenterProcess, center_data: CenterData) -> None:
    c = OpsClient(ops.port, operator_context(center_data.path))
    k = center_data.kiosks[2]
    ok0 = c.metric("konbini_center_requests_total", route="kiosk_status", code="ok")
    bad0 = c.metric("konbini_center_requests_total", route="kiosk_status", code="report_field_unknown")
    lat0 = c.metric("konbini_center_request_seconds_count", route="kiosk_status")
    edge0 = c.metric("konbini_center_edge_seconds_count", route="kiosk_status")
    edge_sum0 = c.metric("konbini_center_edge_seconds_sum", route="kiosk_status")
    lat_sum0 = c.metric("konbini_center_request_seconds_sum", route="kiosk_status")
    tls0 = c.metric("konbini_center_tls_handshake_seconds_count")
    fault0 = c.metric("konbini_kiosks", status="fault")
    paper0 = c.metric("konbini_kiosk_devices", device="printer", state="paper_end")
    with api.client(k) as kc:
        assert (
            kc.call("POST", "/v1/kiosks/status", _report(in_service=False, printer="paper_end")).status == 200
        )
        assert kc.call("POST", "/v1/kiosks/status", _report(nickname="x")).status == 400
    assert c.metric("konbini_center_requests_total", route="kiosk_status", code="ok") == ok0 + 1
    assert (
        c.metric("konbini_center_requests_total", route="kiosk_status", code="report_field_unknown")
        == bad0 + 1
    )
    assert c.metric("konbini_center_request_seconds_count", route="kiosk_status") == lat0 + 2
    # The same two requests at the TLS edge, on one new connection: the edge holds the handler's time
    # and more (reading the request, the worker queue, writing the answer).
    assert c.metric("konbini_center_edge_seconds_count", route="kiosk_status") == edge0 + 2
    assert c.metric("konbini_center_tls_handshake_seconds_count") >= tls0 + 1
    edge = c.metric("konbini_center_edge_seconds_sum", route="kiosk_status") - edge_sum0
    handler = c.metric("konbini_center_request_seconds_sum", route="kiosk_status") - lat_sum0
    assert edge > handler > 0
    # The refused report did not replace the stored one: out of service because the paper is out,
    # which the console counts as a fault (red), not as a planned stop.
    assert c.metric("konbini_kiosks", status="fault") == fault0 + 1
    assert c.metric("konbini_kiosk_devices", device="printer", state="paper_end") == paper0 + 1
    assert c.metric("konbini_center_crl_age_seconds") > 0
    assert c.metric("konbini_center_crl_stale") == 0


def test_ops_logs_are_json_lines_without_personal_data(center_data: CenterData, tmp_path: Path) -> None:
    proc = OpsProcess(center_data.path)
    try:
        c = OpsClient(proc.port, operator_context(center_data.path))
        k = center_data.kiosks[0].kiosk_id
        assert c.request("GET", f"/kiosks/{k}").status == 200
        assert c.request("GET", "/kiosks/K9999").status == 404
        with pytest.raises((ssl.SSLError, ConnectionError)):
            OpsClient(proc.port, operator_context(center_data.path, *_forged(tmp_path, "x"))).request(
                "GET", "/"
            )
    finally:
        err = proc.stop()
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert records, err
    assert {"ts", "level", "logger", "msg"} <= set(records[0])
    routes = [(r.get("route"), r.get("code")) for r in records if r["msg"] == "request"]
    assert ("/kiosks/{id}", "ok") in routes and ("/kiosks/{id}", "kiosk_unknown") in routes
    assert any(r["msg"] == "handshake refused" for r in records)
    assert k not in err  # ids in paths are not logged either
    names = {e["name"] for e in center_data.index}
    assert not any(n in err for n in names)
