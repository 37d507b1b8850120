"""Issue 12 retention: expired challenges, sessions and abandoned orders are purged (CLI and the
periodic task in ``serve``); issued orders, money, stay."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

from fixtures.center import TEST_NOW, CenterData, issued_order, run_cli, session, start_center
from sqlalchemy import func, select

from server_stub.initdata import load_config
from server_stub.store import audit_log, challenges, make_engine, orders, sessions


def _count(data: Path, table, *where) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(load_config(data)["db"])
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())
    engine.dispose()
    return n


def test_purge_cli_forgets_expired_rows_and_keeps_issued_orders(
    center_data: CenterData, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    k = center_data.kiosks[6]
    entry, prof = center_data.card("household")
    for proc in start_center(data):
        with proc.client(k) as c:
            assert c.challenge().status == 201
            s = session(c, k, prof)
            abandoned = c.order(s["session_id"], entry["municipality"], "juminhyo").body["order_id"]
        c2, issued, _ = issued_order(proc, k, prof, entry["municipality"])
        c2.close()
    assert _count(data, orders, orders.c.order_id == abandoned) == 1
    # (The session's shared center may have purged before the copy: count this purge's entry only.)
    purges = _count(data, audit_log, audit_log.c.event == "purged")
    later = (dt.datetime.fromisoformat(TEST_NOW) + dt.timedelta(days=3)).isoformat()
    r = run_cli("purge", "--data", str(data), "--now", later)
    assert r.returncode == 0, r.stderr
    counts = json.loads(r.stdout)["purged"]
    assert counts["challenges"] >= 2 and counts["sessions"] >= 2 and counts["orders"] >= 1
    # Nothing expired more than the retention (1 h, 1 day) before "later" is left.  (Other tests of the
    # session ran centers at later clocks: their rows are not expired yet and stay.)
    cut = dt.datetime.fromisoformat(later).timestamp()
    assert _count(data, challenges, challenges.c.expires_at < cut - 3600) == 0
    assert _count(data, sessions, sessions.c.expires_at < cut - 86400) == 0
    assert _count(data, orders, orders.c.order_id == abandoned) == 0
    assert _count(data, orders, orders.c.order_id == issued["order_id"]) == 1  # money stays
    assert _count(data, audit_log, audit_log.c.event == "purged") == purges + 1
    # Nothing left to purge: a second run deletes nothing and writes no audit entry.
    r = run_cli("purge", "--data", str(data), "--now", later)
    assert json.loads(r.stdout)["purged"] == {"challenges": 0, "sessions": 0, "orders": 0}


def test_serve_purges_periodically_with_the_configured_times(center_data: CenterData, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    cfg = json.loads((data / "center.json").read_text())
    cfg["retention"] = {"challenge_s": 0, "session_s": 0, "abandoned_order_s": 0, "purge_interval_s": 0.3}
    (data / "center.json").write_text(json.dumps(cfg))
    k = center_data.kiosks[6]
    for proc in start_center(data, "--challenge-ttl", "0.1"):
        with proc.client(k) as c:
            cid = c.challenge().body["challenge_id"]
        deadline = time.monotonic() + 5
        while _count(data, challenges, challenges.c.challenge_id == cid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _count(data, challenges, challenges.c.challenge_id == cid) == 0
