"""The center holds no registry (issue 15): with the registry tables gone from its own database, it still
authenticates, lists services, orders and issues through the municipal servers; a bad eligibility
answer is refused with a typed error and audited.

The center runs on a copy of its database from which every registry table is dropped, so any read of
one by the center role fails (500 and a traceback on stderr, which the fixture refuses).  The municipal
servers keep their own registry (DIR/municipal/registry.db).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.center import TEST_NOW, CenterData
from sqlalchemy import create_engine, select

from server_stub.municipal.spawn import SpawnedTiers
from server_stub.store import audit_log

CODES = ["019993", "139991", "279992", "409994"]
REGISTRY_TABLES = ("residents", "honseki_registrations", "koseki", "tax_records", "seal_registrations")


def _center_db_without_registry(center_data: CenterData, tmp_path: Path) -> str:
    url = json.loads((center_data.path / "center.json").read_text())["db"]
    assert url.startswith("sqlite:///")
    copy = tmp_path / "center-no-registry.db"
    src, dst = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    for t in REGISTRY_TABLES:
        dst.execute(f"DROP TABLE {t}")
    dst.commit()
    left = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    dst.close()
    assert not left & set(REGISTRY_TABLES)
    return f"sqlite:///{copy}"


@pytest.fixture
def bare(center_data: CenterData, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    db = _center_db_without_registry(center_data, tmp_path)
    started: list[SpawnedTiers] = []

    def start(layout: list[dict[str, Any]] | None = None) -> SpawnedTiers:
        t = SpawnedTiers(center_data.path, layout=layout, now=TEST_NOW, db=db)
        started.append(t)
        return t

    yield db, start
    for t in started:
        err = t.stop()
        assert "Traceback" not in err, err


def _registry_person(center_data: CenterData, rid: str) -> dict[str, Any]:
    """The resident's record, read from the municipal servers' registry (the source of truth)."""
    con = sqlite3.connect(center_data.path / "municipal" / "registry.db")
    try:
        row = con.execute("SELECT data FROM residents WHERE resident_id = ?", (rid,)).fetchone()
    finally:
        con.close()
    person: dict[str, Any] = json.loads(row[0])
    return person


def _audit(db: str, event: str) -> list[dict[str, Any]]:
    eng = create_engine(db)
    try:
        with eng.connect() as conn:
            rows = conn.execute(
                select(audit_log.c.detail).where(audit_log.c.event == event).order_by(audit_log.c.seq)
            ).all()
    finally:
        eng.dispose()
    return [json.loads(r.detail) for r in rows]


def test_a_transaction_completes_with_no_registry_at_the_center(
    center_data: CenterData, bare: tuple[str, Any]
) -> None:
    _db, start = bare
    entry, prof = center_data.card(
        "household", exclude=("no-tax-return", "moved-out", "support-measure"), municipality="139991"
    )
    tiers = start()
    k = center_data.kiosks[5]
    with tiers.center.client(k) as c:
        s = c.authenticate(prof, k.kiosk_id)
        assert s.status == 201, s.body
        home = next(m for m in s.body["municipalities"] if m["relation"] == "residence")
        assert (home["code"], home["name"], home["reading"]) == (
            "139991",
            "東京都見本市",
            "とうきょうと　みほんし",
        )
        juminhyo = next(x for x in home["services"] if x["certificate"] == "juminhyo")
        assert (juminhyo["available"], juminhyo["fee"]) == (True, 200)  # docs/center.md's table
        members = {m["id"]: m for m in juminhyo["members"]}
        me = members[entry["resident_id"]]
        assert me["name"] == entry["name"]
        kana = _registry_person(center_data, entry["resident_id"])["furigana"]
        if kana["family"] and kana["given"]:
            assert me["reading"] == f"{kana['family']}　{kana['given']}"
        chosen = [entry["resident_id"], next(r for r in members if r != entry["resident_id"])]
        o = c.order(s.body["session_id"], "139991", "juminhyo", {"scope": "members", "members": chosen})
        assert o.status == 201, o.body
        assert o.body["fee_total"] == 200
        i = c.issue(o.body["order_id"], uuid.uuid4().hex, o.body["fee_total"])
        assert i.status == 200, i.body
        names = [p["name"] for p in i.body["documents"][0]["content"]["body"]["persons"]]
        assert sorted(names) == sorted(members[r]["name"] for r in chosen)
        assert c.complete(o.body["order_id"], "printed", 1).status == 200
        # The rules' refusals come from the municipality and pass through, typed, before payment.
        r = c.order(s.body["session_id"], "139991", "juminhyo", {"scope": "members", "members": ["R99999"]})
        assert (r.status, r.error) == (422, "option_invalid")
        r = c.order(s.body["session_id"], "139991", "kazei", {"year": 1999})
        assert (r.status, r.error) == (422, "year_not_offered")


def test_the_other_municipality_s_services_come_from_its_own_server(
    center_data: CenterData, bare: tuple[str, Any]
) -> None:
    """A resident whose 戸籍 is elsewhere (本籍地 registered): that municipality is asked too."""
    _db, start = bare
    entry, prof = center_data.card("honseki-other", "honseki-registered")
    tiers = start()
    k = center_data.kiosks[6]
    with tiers.center.client(k) as c:
        s = c.authenticate(prof, k.kiosk_id)
        assert s.status == 201, s.body
        rel = {m["relation"]: m for m in s.body["municipalities"]}
        assert set(rel) == {"residence", "honseki"}
        assert rel["residence"]["code"] == entry["municipality"]
        hon = rel["honseki"]
        assert hon["code"] == "139991" and hon["reading"] == "とうきょうと　みほんし"
        koseki = next(x for x in hon["services"] if x["certificate"] == "koseki")
        assert koseki["available"], koseki
        o = c.order(s.body["session_id"], hon["code"], "koseki", {"kind": "kojin"})
        assert o.status == 201, o.body
        assert o.body["fee_each"] == 350
        i = c.issue(o.body["order_id"], uuid.uuid4().hex, o.body["fee_total"])
        assert i.status == 200, i.body
        assert entry["name"] in json.dumps(i.body["documents"][0]["content"], ensure_ascii=False)
        assert c.complete(o.body["order_id"], "printed", 1).status == 200


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ("garbage", "garbage"),
        ("wrong-resident", "wrong_resident"),
        ("wrong-municipality", "wrong_municipality"),
        ("fields-missing", "fields_missing"),
        ("unbound", "binding_mismatch"),
    ],
)
def test_a_bad_eligibility_answer_is_refused_and_audited(
    center_data: CenterData, bare: tuple[str, Any], fault: str, problem: str
) -> None:
    db, start = bare
    entry, prof = center_data.card(
        "household", exclude=("moved-out", "support-measure"), municipality="139991"
    )
    tiers = start(
        [
            {
                "name": "bad",
                "municipalities": ["139991"],
                "extra": ["--fault", fault, "--fault-on", "eligibility"],
            },
            {"name": "good", "municipalities": [c for c in CODES if c != "139991"]},
        ]
    )
    k = center_data.kiosks[7]
    # The copied database holds the session's earlier tests' entries: count what this test adds.
    before = len([a for a in _audit(db, "auth_ok") if a.get("resident_id") == entry["resident_id"]])
    with tiers.center.client(k) as c:
        s = c.authenticate(prof, k.kiosk_id)
        assert (s.status, s.error) == (424, "municipal_bad_answer"), s.body
        assert "municipalities" not in s.body
    failed = [a for a in _audit(db, "municipal_failed") if a["municipality"] == "139991"]
    assert failed[-1] == {"municipality": "139991", "code": "municipal_bad_answer", "problem": problem}
    assert _audit(db, "auth_failed")[-1]["code"] == "municipal_bad_answer"
    assert len([a for a in _audit(db, "auth_ok") if a.get("resident_id") == entry["resident_id"]]) == before
