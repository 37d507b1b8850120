"""The tiers as separate processes: the center and municipal issuance servers over mutual TLS.

Every test starts real ``municipal serve`` processes and a center with ``--directory`` on loopback
(server_stub/municipal/spawn.py); misbehaving municipalities are real servers started with ``--fault``
or ``--delay-ms``, answering in the protocol's own format.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.center import TEST_NOW, CenterData
from sqlalchemy import create_engine, select

from card.profile import CardProfile
from server_stub.client import CenterClient, client_ssl_context
from server_stub.municipal.spawn import SpawnedTiers
from server_stub.store import audit_log

CODES = ["019993", "139991", "279992", "409994"]


def _plain(center_data: CenterData) -> dict[str, tuple[dict[str, Any], CardProfile]]:
    """One plain card per municipality (first found)."""
    out: dict[str, tuple[dict[str, Any], CardProfile]] = {}
    for e, p in center_data.plain_cards():
        out.setdefault(e["municipality"], (e, p))
    return out


def _two(
    center_data: CenterData,
) -> tuple[tuple[dict[str, Any], CardProfile], tuple[dict[str, Any], CardProfile]]:
    cards = list(_plain(center_data).values())
    assert len(cards) >= 2, "the test registry has residents in at least two municipalities"
    return cards[0], cards[1]


def _layout(bad_code: str, *extra: str) -> list[dict[str, Any]]:
    """One server for ``bad_code`` (with ``extra`` options), one healthy server for the rest."""
    return [
        {"name": "bad", "municipalities": [bad_code], "extra": list(extra)},
        {"name": "good", "municipalities": [c for c in CODES if c != bad_code]},
    ]


@pytest.fixture
def tiers_factory(center_data: CenterData) -> Iterator[Any]:
    started: list[SpawnedTiers] = []

    def start(
        layout: list[dict[str, Any]] | None = None, *center_extra: str, db: str | None = None
    ) -> SpawnedTiers:
        t = SpawnedTiers(center_data.path, *center_extra, layout=layout, now=TEST_NOW, db=db)
        started.append(t)
        return t

    yield start
    for t in started:
        err = t.stop()
        assert "Traceback" not in err, err


def _order(c: CenterClient, kiosk_id: str, entry: dict[str, Any], profile: CardProfile) -> dict[str, Any]:
    s = c.authenticate(profile, kiosk_id)
    assert s.status == 201, s.body
    o = c.order(s.body["session_id"], entry["municipality"], "juminhyo")
    assert o.status == 201, o.body
    return o.body


def _names(doc: dict[str, Any]) -> list[str]:
    return [p["name"] for p in doc["content"]["body"]["persons"]]


def _audit(center_data: CenterData, event: str) -> list[dict[str, Any]]:
    url = json.loads((center_data.path / "center.json").read_text())["db"]
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(select(audit_log.c.detail).where(audit_log.c.event == event)).all()
    finally:
        eng.dispose()
    return [json.loads(r.detail) for r in rows]


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_documents_come_from_the_municipal_server(
    center_data: CenterData, tiers_factory: Any, request: pytest.FixtureRequest, db: str
) -> None:
    (e1, p1), (e2, p2) = _two(center_data)
    # On PostgreSQL the center's own database moves; the municipal servers keep their registry.
    tiers = tiers_factory(None, db=request.getfixturevalue("pg_url") if db == "postgres" else None)
    k = center_data.kiosks[0]
    with tiers.center.client(k) as c:
        for e, p in ((e1, p1), (e2, p2)):
            o = _order(c, k.kiosk_id, e, p)
            i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
            assert i.status == 200, i.body
            doc = i.body["documents"][0]
            assert e["name"] in _names(doc)
            assert doc["content"]["municipality"]["code"] == e["municipality"]
            # The center's anti-forgery part: issue number with the kiosk, seal id of the seal.
            assert k.kiosk_id in doc["content"]["issue_number"]
            assert doc["content"]["seal_id"].startswith("S-")
            assert c.complete(o["order_id"], "printed").status == 200
    # The municipal server kept the answer under the center's request id (its own storage).
    reg = create_engine(f"sqlite:///{center_data.path / 'municipal' / 'registry.db'}")
    with reg.connect() as conn:
        ids = {r[0] for r in conn.exec_driver_sql("SELECT request_id FROM municipal_requests")}
    reg.dispose()
    assert o["order_id"] in ids


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ("garbage", "garbage"),
        ("wrong-resident", "wrong_resident"),
        ("wrong-municipality", "wrong_municipality"),
        ("fields-missing", "fields_missing"),
    ],
)
def test_a_bad_municipal_answer_is_refused_voided_and_audited(
    center_data: CenterData, tiers_factory: Any, fault: str, problem: str
) -> None:
    (e1, p1), (e2, p2) = _two(center_data)
    tiers = tiers_factory(_layout(e1["municipality"], "--fault", fault))
    k = center_data.kiosks[1]
    with tiers.center.client(k) as c:
        o = _order(c, k.kiosk_id, e1, p1)
        i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
        assert i.status == 424, i.body
        assert i.error == "municipal_bad_answer"
        assert "documents" not in i.body
        # The kiosk's void after payment: the whole fee comes back, no seal was ever made.
        done = c.complete(o["order_id"], "failed", 0)
        assert done.status == 200, done.body
        assert done.body["refund"] == o["fee_total"]
        assert done.body["voided"] == []
        # Another municipality keeps issuing.
        o2 = _order(c, k.kiosk_id, e2, p2)
        i2 = c.issue(o2["order_id"], uuid.uuid4().hex, o2["fee_total"])
        assert i2.status == 200, i2.body
        assert e2["name"] in _names(i2.body["documents"][0])
    entries = [a for a in _audit(center_data, "municipal_failed") if a.get("order_id") == o["order_id"]]
    assert entries == [
        {
            "order_id": o["order_id"],
            "municipality": e1["municipality"],
            "code": "municipal_bad_answer",
            "problem": problem,
        }
    ]


def test_a_slow_municipality_is_unavailable_and_others_issue(
    center_data: CenterData, tiers_factory: Any
) -> None:
    (e1, p1), (e2, p2) = _two(center_data)
    tiers = tiers_factory(_layout(e1["municipality"], "--delay-ms", "1500"), "--municipal-deadline", "0.5")
    k = center_data.kiosks[2]
    with tiers.center.client(k) as c:
        o = _order(c, k.kiosk_id, e1, p1)
        i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
        assert i.status == 424, i.body
        assert (i.error, i.body.get("reason")) == ("municipal_unavailable", "municipal_unavailable")
        done = c.complete(o["order_id"], "failed", 0)
        assert done.body["refund"] == o["fee_total"]
        # A repeated issue of the voided order hands out nothing.
        again = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
        assert again.error == "order_completed"
        # Now refused before payment, with the reason the kiosk shows; the menu says so too.
        s = c.authenticate(p1, k.kiosk_id)
        menu = {m["code"]: m for m in s.body["municipalities"]}
        svc = {x["certificate"]: x for x in menu[e1["municipality"]]["services"]}["juminhyo"]
        assert (svc["available"], svc["reason"]) == (False, "municipal_unavailable")
        refused = c.order(s.body["session_id"], e1["municipality"], "juminhyo")
        assert (refused.error, refused.body.get("reason")) == ("not_available", "municipal_unavailable")
        o2 = _order(c, k.kiosk_id, e2, p2)
        assert c.issue(o2["order_id"], uuid.uuid4().hex, o2["fee_total"]).status == 200
    assert any(
        a.get("order_id") == o["order_id"] and a["code"] == "municipal_unavailable"
        for a in _audit(center_data, "municipal_failed")
    )


def test_a_municipal_server_down_fails_over_to_its_twin(center_data: CenterData, tiers_factory: Any) -> None:
    (e1, p1), _ = _two(center_data)
    code = e1["municipality"]
    tiers = tiers_factory(
        [
            {"name": "a", "municipalities": [code]},
            {"name": "b", "municipalities": [code]},
            {"name": "rest", "municipalities": [c for c in CODES if c != code]},
        ]
    )
    tiers.server("a").stop()
    k = center_data.kiosks[3]
    with tiers.center.client(k) as c:
        for _ in range(3):
            o = _order(c, k.kiosk_id, e1, p1)
            i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
            assert i.status == 200, i.body
            assert e1["name"] in _names(i.body["documents"][0])
        # The last server goes down between the order and the issue: voided and refunded.
        o = _order(c, k.kiosk_id, e1, p1)
        tiers.server("b").stop()
        i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
        assert (i.status, i.error) == (424, "municipal_unavailable")
        assert c.complete(o["order_id"], "failed", 0).body["refund"] == o["fee_total"]
        # With none of its servers up, the municipality is unavailable before anyone pays.
        s = c.authenticate(p1, k.kiosk_id)
        assert s.status == 201, s.body
        menu = {m["code"]: m for m in s.body["municipalities"]}
        assert {x["reason"] for x in menu[code]["services"]} == {"municipal_unavailable"}
        refused = c.order(s.body["session_id"], code, "juminhyo")
        assert (refused.status, refused.body.get("reason")) == (422, "municipal_unavailable")


def _municipal_ctx(data: Path, *, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    net = data / "munet"
    return client_ssl_context(net / "ca.pem", cert or net / "center.pem", key or net / "center-key.pem")


def _post(port: int, ctx: ssl.SSLContext, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("POST", "/m1/certificates", json.dumps(body), {"content-type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def test_protocol_is_idempotent_across_two_processes_on_one_database(
    center_data: CenterData, tiers_factory: Any
) -> None:
    (e1, _p1), _ = _two(center_data)
    code = e1["municipality"]
    tiers = tiers_factory([{"name": "a", "municipalities": [code]}, {"name": "b", "municipalities": [code]}])
    ctx = _municipal_ctx(center_data.path)
    body = {
        "version": 1,
        "request_id": "O-idem-" + uuid.uuid4().hex[:8],
        "municipality": code,
        "resident_id": e1["resident_id"],
        "certificate": "juminhyo",
        "options": {},
        "copies": 1,
        "issued": TEST_NOW[:10],
        "deadline_ms": 5000,
    }
    results: dict[str, tuple[int, dict[str, Any]]] = {}
    threads = [
        threading.Thread(target=lambda n=n: results.__setitem__(n, _post(tiers.server(n).port, ctx, body)))
        for n in ("a", "b")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"][0] == results["b"][0] == 200
    assert results["a"][1] == results["b"][1]  # the same answer, whichever process stored it first
    assert e1["name"] in json.dumps(results["a"][1], ensure_ascii=False)
    status, err = _post(tiers.server("a").port, ctx, {**body, "copies": 2})
    assert (status, err["error"]) == (409, "request_id_reused")
    status, err = _post(tiers.server("a").port, ctx, {**body, "request_id": "O-x", "kiosk_id": "K0001"})
    assert (status, err["error"]) == (400, "field_invalid")
    # Only the center's certificate from the network CA gets in: a kiosk's does not.
    kiosk = center_data.kiosks[0]
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        _post(tiers.server("a").port, _municipal_ctx(center_data.path, cert=kiosk.cert, key=kiosk.key), body)


def test_a_late_municipal_answer_is_not_kept(center_data: CenterData, tiers_factory: Any) -> None:
    """Past its deadline a municipal server answers 504 and stores nothing: a retry is worked afresh."""
    (e1, _p1), _ = _two(center_data)
    code = e1["municipality"]
    tiers = tiers_factory([{"name": "slow", "municipalities": [code], "extra": ["--delay-ms", "400"]}])
    ctx = _municipal_ctx(center_data.path)
    body = {
        "version": 1,
        "request_id": "O-late-" + uuid.uuid4().hex[:8],
        "municipality": code,
        "resident_id": e1["resident_id"],
        "certificate": "juminhyo",
        "options": {},
        "copies": 1,
        "issued": TEST_NOW[:10],
        "deadline_ms": 100,
    }
    status, err = _post(tiers.server("slow").port, ctx, body)
    assert (status, err["error"]) == (504, "deadline_passed")
    reg = create_engine(f"sqlite:///{center_data.path / 'municipal' / 'registry.db'}")
    with reg.connect() as conn:
        kept = conn.exec_driver_sql(
            "SELECT count(*) FROM municipal_requests WHERE request_id = ?", (body["request_id"],)
        ).scalar_one()
    reg.dispose()
    assert kept == 0
    # An answer stored two hours ago (by the test clock) goes with the next request: answers carry
    # personal data and are kept only while the center may still retry.
    reg = create_engine(f"sqlite:///{center_data.path / 'municipal' / 'registry.db'}")
    t_now = dt.datetime.fromisoformat(TEST_NOW).timestamp()
    with reg.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO municipal_requests VALUES (?, ?, ?, ?, ?)",
            ("O-old-" + uuid.uuid4().hex[:8], code, "0" * 64, "{}", t_now - 7200),
        )
    status, answer = _post(tiers.server("slow").port, ctx, {**body, "deadline_ms": 5000})
    assert status == 200
    with reg.connect() as conn:
        old = conn.exec_driver_sql(
            "SELECT count(*) FROM municipal_requests WHERE answered_at < ?", (t_now - 3600,)
        ).scalar_one()
    reg.dispose()
    assert old == 0
    assert answer["request_id"] == body["request_id"]
    # Its own OpenAPI document, served on the closed network.
    conn = http.client.HTTPSConnection("127.0.0.1", tiers.server("slow").port, context=ctx, timeout=10)
    conn.request("GET", "/m1/openapi.json")
    doc = json.loads(conn.getresponse().read())
    conn.close()
    assert doc["info"]["version"] == "1"
    assert "/m1/certificates" in doc["paths"]


def test_tiers_command_starts_and_stops_everything(center_data: CenterData) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from server_stub.childproc import REPO
    from server_stub.childproc import child_env as _child_env

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server_stub",
            "tiers",
            "--data",
            str(center_data.path),
            "--port",
            "0",
            "--public-port",
            "0",
            "--now",
            TEST_NOW,
        ],
        cwd=REPO,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        pids = [info["center"]["pid"], *(m["pid"] for m in info["municipal"])]
        assert len(info["municipal"]) == 2  # init's default --municipal-servers
        k = center_data.kiosks[4]
        (e1, p1), _ = _two(center_data)
        ctx = client_ssl_context(center_data.path / "tls" / "ca.pem", k.cert, k.key)
        with CenterClient("127.0.0.1", info["center"]["port"], ctx) as c:
            o = _order(c, k.kiosk_id, e1, p1)
            i = c.issue(o["order_id"], uuid.uuid4().hex, o["fee_total"])
            assert i.status == 200, i.body
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0
    time.sleep(0.2)
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"process {pid} still running after tiers stopped")
