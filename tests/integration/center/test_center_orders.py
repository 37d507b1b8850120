"""Orders, issuance and completion over real TLS: rules, idempotency, voiding, stable error codes."""

from __future__ import annotations

import uuid

import pytest
from fixtures.center import CenterData, CenterProcess, issued_order, session, start_center
from sqlalchemy import select

from server_stub.initdata import load_config
from server_stub.seal import content_digest, read_seal
from server_stub.store import audit_log, make_engine


def _svc(s: dict, code: str, cert: str) -> dict:
    m = next(m for m in s["municipalities"] if m["code"] == code)
    return next(x for x in m["services"] if x["certificate"] == cert)


@pytest.mark.parametrize(
    ("tag", "cert", "reason"),
    [
        ("moved-out", "juminhyo", "moved_out"),
        ("support-measure", "juminhyo", "support_measure"),
        ("no-seal", "inkan", "no_seal_registered"),
    ],
)
def test_refusals_have_a_stable_reason(
    center: CenterProcess, center_data: CenterData, tag: str, cert: str, reason: str
) -> None:
    k = center_data.kiosks[1]
    entry, prof = center_data.card(tag, exclude=("foreign",) if tag == "no-seal" else ())
    with center.client(k) as c:
        s = session(c, k, prof)
        assert _svc(s, entry["municipality"], cert)["reason"] == reason
        r = c.order(s["session_id"], entry["municipality"], cert)
    assert (r.status, r.error, r.body["reason"]) == (422, "not_available", reason)
    assert " / " in r.body["message"]


def test_no_tax_return_and_years(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[1]
    entry, prof = center_data.card("no-tax-return", exclude=("household",))
    with center.client(k) as c:
        s = session(c, k, prof)
        r = c.order(s["session_id"], entry["municipality"], "kazei", {"year": 2026})
        assert (r.error, r.body.get("reason")) == ("not_available", "no_tax_return")
    entry, prof = center_data.card("household", exclude=("no-tax-return",))
    with center.client(k) as c:
        s = session(c, k, prof)
        years = _svc(s, entry["municipality"], "kazei")["options"]["years"]
        assert years == [2026, 2025, 2024, 2023]  # 見本市 offers four years; 2026年度 appears from June
        r = c.order(s["session_id"], entry["municipality"], "kazei", {"year": 2019})
        assert r.error == "year_not_offered"
        r = c.order(s["session_id"], entry["municipality"], "kazei", {"year": 2025})
        assert r.status == 201


def test_honseki_needs_registration(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[1]
    _, prof = center_data.card("honseki-other", exclude=("honseki-registered",))
    with center.client(k) as c:
        s = session(c, k, prof)
        hon = s["municipalities"][1]
        assert hon["relation"] == "honseki"
        r = c.order(s["session_id"], hon["code"], "koseki", {"kind": "zenbu"})
    assert (r.error, r.body["reason"]) == ("not_available", "honseki_not_registered")


def test_options_validated_against_the_municipality(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[1]
    entry, prof = center_data.card("honseki-registered")  # lives in 架空市: no 個人番号, no 記載事項証明書
    assert entry["municipality"] == "279992"
    with center.client(k) as c:
        s = session(c, k, prof)
        sid = s["session_id"]
        assert c.order(sid, "279992", "juminhyo", {"my_number": True}).error == "option_not_allowed"
        assert c.order(sid, "279992", "kisaijiko").body["reason"] == "not_offered"
        assert c.order(sid, "279992", "juminhyo", {"colour": "red"}).error == "option_invalid"
        assert c.order(sid, "279992", "juminhyo", {"scope": "everyone"}).error == "option_invalid"
        assert c.order(sid, "279992", "juminhyo", {}, copies=0).error == "copies_invalid"
        assert c.order(sid, "279992", "juminhyo", {}, copies=99).error == "copies_invalid"
        assert c.order(sid, "279992", "passport").error == "certificate_type_unknown"
        assert c.order(sid, "409994", "juminhyo").body["reason"] == "not_offered"  # not this session's town
        r = c.order(sid, "279992", "juminhyo", {"householder_relationship": True}, copies=2)
        assert r.status == 201
        assert (r.body["fee_each"], r.body["fee_total"]) == (300, 600)


def test_issue_is_idempotent_and_charged_once(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[2]
    entry, prof = center_data.card("household", exclude=("no-tax-return",))
    with center.client(k) as c:
        s = session(c, k, prof)
        o = c.order(s["session_id"], entry["municipality"], "juminhyo", {"scope": "household"}, 2).body
        oid = o["order_id"]
        assert c.complete(oid, "printed").error == "order_not_issued"
        r = c.call("POST", f"/v1/orders/{oid}/issue", {"payment": {"amount": o["fee_total"]}})
        assert r.error == "idempotency_key_required"
        assert c.issue(oid, "k-1", o["fee_total"] - 1).error == "payment_mismatch"
        first = c.issue(oid, "k-1", o["fee_total"])
        again = c.issue(oid, "k-1", o["fee_total"])
        assert first.status == again.status == 200
        assert first.body["documents"] == again.body["documents"]
        assert len(first.body["documents"]) == 2
        assert len({d["content"]["seal_id"] for d in first.body["documents"]}) == 2
        assert again.body["replayed"] is True
        r = c.issue(oid, "k-2", o["fee_total"])
        assert (r.status, r.error) == (409, "order_already_issued")
        r = c.issue(oid, "k-1", o["fee_total"], method="card")
        assert r.error == "idempotency_key_reused"
        done = c.complete(oid, "printed", 2)
        assert done.status == 200 and done.body["refund"] == 0
        assert c.complete(oid, "printed", 2).status == 200  # a retried report is harmless
        assert c.complete(oid, "failed", 0).error == "order_completed"
        assert c.issue(oid, "k-1", o["fee_total"]).error == "order_completed"  # no replay after completion
        assert c.seal_status(first.body["documents"][0]["content"]["seal_id"]).body["status"] == "valid"


def test_failed_print_voids_and_refunds(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[2]
    entry, prof = center_data.card("household")
    c, o, issued = issued_order(center, k, prof, entry["municipality"], copies=2)
    r = c.complete(o["order_id"], "failed", 1)
    assert r.status == 200
    assert r.body["refund"] == o["fee_total"]
    seals = [d["content"]["seal_id"] for d in issued["documents"]]
    assert r.body["voided"] == seals
    for sid in seals:
        assert center.client(public=True).seal_status(sid).body["status"] == "voided"
    c.close()


def test_another_kiosks_session_and_order_are_unknown(center: CenterProcess, center_data: CenterData) -> None:
    k1, k2 = center_data.kiosks[:2]
    entry, prof = center_data.card("household")
    c1, o, _ = issued_order(center, k1, prof, entry["municipality"])
    with center.client(k1) as c, center.client(k2) as other:
        s = session(c, k1, prof)
        r = other.order(s["session_id"], entry["municipality"], "juminhyo")
        assert (r.status, r.error) == (404, "session_unknown")
        r = other.issue(o["order_id"], "x", o["fee_total"])
        assert (r.status, r.error) == (404, "order_unknown")
        r = other.complete(o["order_id"], "failed")
        assert (r.status, r.error) == (404, "order_unknown")
        assert c.seal_status("S-x").error == "seal_unknown"
    c1.close()
    engine = make_engine(center.db or load_config(center_data.path)["db"])
    with engine.connect() as conn:
        events = [
            (r.event, r.kiosk_id)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(20))
        ]
    engine.dispose()
    assert ("foreign_session", k2.kiosk_id) in events and ("foreign_order", k2.kiosk_id) in events


def test_documents_belong_to_the_session_resident(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[3]
    entry, prof = center_data.card("household", exclude=("no-tax-return",))
    members = [e for e in center_data.index if e["household_id"] == entry["household_id"]]
    c, _, issued = issued_order(
        center,
        k,
        prof,
        entry["municipality"],
        "juminhyo",
        {"scope": "household", "householder_relationship": True, "my_number": True},
    )
    doc = issued["documents"][0]
    content = doc["content"]
    assert content["certification"] == "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    names = {p["name"] for p in content["body"]["persons"]}
    assert {e["name"] for e in members} <= names
    assert all(len(p["my_number"]) == 12 for p in content["body"]["persons"])
    claims = read_seal(doc["seal"])
    assert claims.holder == entry["resident_id"] and claims.holder_name == entry["name"]
    assert claims.digest == content_digest(content)
    assert claims.seal_id == content["seal_id"]
    assert content["issue_number"].startswith("20261125 見本市 K0004 ")
    c.close()
    c, _, issued = issued_order(center, k, prof, entry["municipality"], "juminhyo")
    persons = issued["documents"][0]["content"]["body"]["persons"]
    assert [p["name"] for p in persons] == [entry["name"]]
    assert "my_number" not in persons[0] and "relationship" not in persons[0]
    c.close()


def test_weekday_only_koseki_and_maintenance_day(center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    entry, prof = center_data.card(
        "no-seal", exclude=("foreign", "household", "honseki-other"), municipality="279992"
    )  # lives in 架空市, 本籍 there
    assert entry["municipality"] == "279992"
    for proc in start_center(center_data.path, now="2026-11-28T10:00:00+09:00"):  # a Saturday
        with proc.client(k) as c:
            s = session(c, k, prof)
            assert _svc(s, "279992", "koseki")["reason"] == "weekday_only"
            r = c.order(s["session_id"], "279992", "koseki", {"kind": "kojin"})
            assert (r.status, r.error, r.body["reason"]) == (403, "outside_hours", "weekday_only")
            assert c.order(s["session_id"], "279992", "juminhyo").status == 201
    for proc in start_center(center_data.path, now="2026-11-10T10:00:00+09:00"):  # 架空市: 2nd Tuesday
        with proc.client(k) as c:
            s = session(c, k, prof)
            r = c.order(s["session_id"], "279992", "juminhyo")
            assert (r.error, r.body["reason"]) == ("outside_hours", "maintenance")


def test_every_certificate_type_is_issued(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[3]
    entry, prof = center_data.card("household", exclude=("no-tax-return", "no-seal"))
    code = entry["municipality"]
    cases = [
        ("juminhyo", {}),
        ("kisaijiko", {}),
        ("inkan", {}),
        ("kazei", {"year": 2025}),
        ("koseki", {"kind": "zenbu"}),
        ("koseki", {"kind": "kojin"}),
        ("fuhyo", {"scope": "all"}),
    ]
    with center.client(k) as c:
        s = session(c, k, prof)
        for cert, opts in cases:
            o = c.order(s["session_id"], code, cert, opts)
            assert o.status == 201, (cert, o.body)
            i = c.issue(o.body["order_id"], uuid.uuid4().hex, o.body["fee_total"])
            assert i.status == 200, (cert, i.body)
            content = i.body["documents"][0]["content"]
            assert content["type"] == cert and content["schema"] == "konbini-doc/1"
            assert content["municipality"]["mayor"].startswith("東京都見本市長　")
            assert len(i.body["documents"][0]["seal"]) < 1000
