"""The logs of a whole HIL run (center, card, printers, kiosk, the kiosk's own log dir) and the health
reports the kiosk sent carry nothing about the resident: no name, furigana, address, birth date, My
Number or PIN.  (Resident ids and order ids are the system's own identifiers, allowed in logs.)"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_hil_scenarios import _result, run_cli


def test_a_hil_run_logs_no_personal_data(hil_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = run_cli("run", "happy-juminhyo", "--out", str(out), "--data", str(hil_data))
    res = _result(out)
    assert r.returncode == 0, (res.get("outcome"), r.stderr[-2000:])
    rid = res["kiosks"][0]["resident_id"]
    db = sqlite3.connect(hil_data / "center.db")
    try:
        person = json.loads(
            db.execute("SELECT data FROM residents WHERE resident_id = ?", (rid,)).fetchone()[0]
        )
        reports = [row[0] for row in db.execute("SELECT report FROM kiosk_reports")]
    finally:
        db.close()
    pin = next(
        e["pin"]
        for e in json.loads((hil_data / "cards" / "index.json").read_text())
        if e["resident_id"] == rid
    )
    secrets: set[str] = set()

    def leaves(v: object) -> None:
        if isinstance(v, str) and len(v) >= 2:
            secrets.add(v)
        elif isinstance(v, dict):
            for x in v.values():
                leaves(x)
        elif isinstance(v, list):
            for x in v:
                leaves(x)

    for key in ("name", "furigana", "address", "my_number", "birth_date", "family_name", "given_name"):
        leaves(person.get(key))
    assert len(secrets) >= 4, person.keys()
    logs = [p for p in (out / "logs").rglob("*") if p.is_file()]
    logs += [
        p
        for p in (out / "kiosk").rglob("*")
        if p.is_file() and p.suffix in (".log", ".jsonl", ".txt", ".json")
    ]
    assert logs
    for path in logs:
        content = path.read_text(encoding="utf-8", errors="replace")
        for s in secrets:
            assert s not in content, (path.name, "resident data in a log")
        assert f"PIN {pin}" not in content and f'"pin": "{pin}"' not in content, path.name
    assert reports, "the kiosk reported its health during the run"
    for rep in reports:
        assert not any(s in rep for s in secrets) and rid not in rep
