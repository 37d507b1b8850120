"""``init --municipalities 1741``: the national count, spread over seven municipal processes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fixtures.center import TEST_NOW, run_cli
from sqlalchemy import create_engine, func, select

from card.profile import CardProfile
from server_stub.client import kiosks
from server_stub.municipal.spawn import SpawnedTiers
from server_stub.store import municipalities

REFUSING = {"revoked", "expired", "moved-out", "support-measure", "deceased", "foreign"}


def test_1741_municipalities_on_seven_servers_issue(tmp_path: Path) -> None:
    data = tmp_path / "national"
    r = run_cli(
        "init",
        "--data",
        str(data),
        "--municipalities",
        "1741",
        "--municipal-servers",
        "7",
        "--residents",
        "28",
        "--seed",
        "national",
        "--kiosks",
        "1",
        "--now",
        TEST_NOW,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    url = json.loads((data / "center.json").read_text())["db"]
    eng = create_engine(url)
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(municipalities)).scalar_one() == 1741
    eng.dispose()
    servers = json.loads((data / "municipal" / "directory.json").read_text())["servers"]
    assert len(servers) == 7
    codes = [c for s in servers for c in s["municipalities"]]
    assert len(codes) == len(set(codes)) == 1741
    assert {len(s["municipalities"]) for s in servers} <= {248, 249}
    index = json.loads((data / "cards" / "index.json").read_text(encoding="utf-8"))
    # A resident of a synthetic municipality (codes 5xxxxx), issued through its own server.
    entry = next(e for e in index if e["municipality"].startswith("5") and not REFUSING & set(e["tags"]))
    serving = [s["name"] for s in servers if entry["municipality"] in s["municipalities"]]
    assert len(serving) == 1
    tiers = SpawnedTiers(data, now=TEST_NOW)
    try:
        k = kiosks(data)[0]
        with tiers.center.client(k) as c:
            s = c.authenticate(CardProfile.load(data / entry["card"]), k.kiosk_id)
            assert s.status == 201, s.body
            o = c.order(s.body["session_id"], entry["municipality"], "juminhyo")
            assert o.status == 201, o.body
            i = c.issue(o.body["order_id"], uuid.uuid4().hex, o.body["fee_total"])
            assert i.status == 200, i.body
            content = i.body["documents"][0]["content"]
            assert content["municipality"]["code"] == entry["municipality"]
            assert content["municipality"]["name"].startswith("架空")
            assert content["official_seal"]["text"] == content["municipality"]["name"] + "長之印"
            assert entry["name"] in json.dumps(content["body"], ensure_ascii=False)
    finally:
        err = tiers.stop()
    assert "Traceback" not in err, err
