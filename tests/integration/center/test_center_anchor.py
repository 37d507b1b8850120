"""Issue 12 audit anchoring: a chain rewritten after an entry was deleted passes the chain's own check,
but not the anchor signed with a key outside the database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixtures.center import CenterData, issued_order, run_cli, start_center
from sqlalchemy import delete, select, update

from server_stub import audit
from server_stub.initdata import load_config
from server_stub.store import audit_head, audit_log, make_engine


def _rewrite_without(data: Path, victim: int) -> None:
    """What an attacker with write access to the database does: delete entry ``victim`` and recompute
    every later hash so that the chain is consistent again."""
    engine = make_engine(load_config(data)["db"])
    with engine.begin() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        conn.execute(delete(audit_log))
        prev, seq = audit.GENESIS, 0
        for r in rows:
            if r.seq == victim:
                continue
            seq += 1
            h = audit._entry_hash(prev, seq, r.at, r.kiosk_id, r.event, r.detail)
            conn.execute(
                audit_log.insert().values(
                    seq=seq,
                    at=r.at,
                    kiosk_id=r.kiosk_id,
                    event=r.event,
                    detail=r.detail,
                    prev_hash=prev,
                    hash=h,
                )
            )
            prev = h
        conn.execute(update(audit_head).values(seq=seq, hash=prev))
        assert audit.verify_chain(conn) is None  # the chain alone no longer shows it
    engine.dispose()


def test_verify_refuses_a_rewritten_chain(center_data: CenterData, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    entry, prof = center_data.card("household")
    for proc in start_center(data):
        c, o, _ = issued_order(proc, center_data.kiosks[7], prof, entry["municipality"])
        assert c.complete(o["order_id"], "printed", 1).status == 200
        c.close()
    r = run_cli("audit-anchor", "--data", str(data))
    assert r.returncode == 0, r.stderr
    anchor = json.loads(r.stdout)
    assert anchor["seq"] > 3 and len(anchor["hash"]) == 64
    # The anchor key is a file, not a row: nothing of it is in the database.
    db = Path(load_config(data)["db"].removeprefix("sqlite:///")).read_bytes()
    key_pem = (data / "audit" / "anchor-key.pem").read_text()
    assert "".join(key_pem.splitlines()[1:-1])[:40].encode() not in db
    r = run_cli("verify", "--audit", "--data", str(data))
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["valid"] is True
    _rewrite_without(data, anchor["seq"] - 2)
    r = run_cli("verify", "--audit", "--data", str(data))
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["valid"] is False and any("rewritten" in p or "missing" in p for p in out["problems"])
    # A forged anchor (re-signed with another key) does not help either.
    forged = dict(anchor, hash="0" * 64)
    (tmp_path / "forged.jsonl").write_text(json.dumps(forged) + "\n")
    r = run_cli("verify", "--audit", "--data", str(data), "--anchors", str(tmp_path / "forged.jsonl"))
    assert r.returncode == 1 and "signature invalid" in r.stdout
