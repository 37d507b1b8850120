"""What a scenario checks after the kiosk is done: the printed pages' seals and the center's records.

Every page the emulator printed is a PNG; its QR seal is decoded from that PNG and verified the way
anyone would (``server_stub.verify``: signature against the center's public key, void status), and
its claims must name the resident at *that* kiosk and the certificate they asked for.  The center's
database then must agree with the kiosk's journal: each order resolved once, with the right result.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server_stub.verify import verify_cli

if TYPE_CHECKING:
    from kiosk.hil.scenarios import Scenario

__all__ = ["check_center", "check_prints", "check_voice"]


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in (out / "prints").glob("*.png"))


def _owner(page: Path, kiosks: list[dict[str, Any]]) -> dict[str, Any]:
    if len(kiosks) == 1:
        return kiosks[0]
    n = int(page.name.split("-")[1]) - 1  # kiosk-N-[aborted-]NNNN.png
    return kiosks[n]


def check_prints(sc: Scenario, out: Path, data: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Decode and verify every printed page's seal."""
    pages = _pages(out)
    reports = []
    problems: list[str] = []
    for page in pages:
        rep = verify_cli(image=str(page), payload=None, data=data, public_key=None, center=None, content=None)
        claims = rep.get("claims", {})
        who = _owner(page, result["kiosks"])
        entry = {"page": page.name, "valid": rep.get("valid"), "status": rep.get("status"),
                 "error": rep.get("error"), "holder": claims.get("holder"),
                 "certificate": claims.get("certificate"), "seal_id": claims.get("seal_id"),
                 "expected_holder": who["resident_id"]}
        reports.append(entry)
        if rep.get("error") == "seal_not_found" and sc.seals == "voided":
            continue  # a page cut off before its QR code (paper out mid-page)
        if claims and claims.get("holder") != who["resident_id"]:
            problems.append(f"{page.name}: seal names {claims.get('holder')}, not {who['resident_id']}")
        if claims and claims.get("certificate") != who["certificate"]:
            problems.append(f"{page.name}: certificate {claims.get('certificate')}, not {who['certificate']}")
        if sc.seals == "valid" and not rep.get("valid"):
            problems.append(f"{page.name}: seal not valid ({rep.get('status') or rep.get('error')})")
        if sc.seals == "voided" and rep.get("status") != "voided":
            problems.append(f"{page.name}: seal {rep.get('status') or rep.get('error')}, not voided")
    if sc.seals == "valid":
        for k in result["kiosks"]:
            if not any(r["expected_holder"] == k["resident_id"] and r["valid"] for r in reports):
                problems.append(f"no valid page for {k['kiosk_id']}")
    if sc.voided_page and not any(r["status"] == "voided" for r in reports):
        problems.append("no page whose seal reads voided")
    if sc.seals == "none" and pages:
        problems.append(f"{len(pages)} page(s) printed where none may be")
    if sc.printer == "ipp":
        problems += _both_sides(reports)
    return {"ok": not problems, "problems": problems, "pages": reports}


def _both_sides(reports: list[dict[str, Any]]) -> list[str]:
    """Two-sided: every sheet's front and back carry the same valid seal (a reader compares the two)."""
    by_name = {r["page"]: r for r in reports}
    fronts = [r for r in reports if not r["page"].endswith("-back.png")]
    problems = [] if fronts else ["no front side printed"]
    for front in fronts:
        back = by_name.get(front["page"].replace(".png", "-back.png"))
        if back is None:
            problems.append(f"{front['page']}: no back side")
        elif not (back["valid"] and back["seal_id"] == front["seal_id"]):
            problems.append(f"{front['page']}: back seal {back['seal_id']} ({back['status']}), "
                            f"front {front['seal_id']}")
    return problems


def check_center(sc: Scenario, data: Path, result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The center's view of each order the kiosks' journals name."""
    con = sqlite3.connect(f"file:{data / 'center.db'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    checks: dict[str, dict[str, Any]] = {}
    try:
        for k in result["kiosks"]:
            orders = sorted({s["order_id"] for s in k["journal"] if s.get("order_id")})
            problems: list[str] = []
            rows = []
            for oid in orders:
                o = con.execute("SELECT state, resident_id, kiosk_id, certificate, charged, pages_printed, "
                                "completed_at "
                                "FROM orders WHERE order_id = ?", (oid,)).fetchone()
                docs = [dict(d) for d in con.execute(
                    "SELECT resident_id, certificate, status FROM documents WHERE order_id = ?", (oid,))]
                completed = sum(1 for s in k["journal"]
                                if s.get("order_id") == oid and s.get("step") == "completed")
                rows.append({"order_id": oid, "order": dict(o) if o else None, "documents": docs,
                             "journal_completed": completed})
                if o is None:
                    problems.append(f"{oid}: unknown to the center")
                    continue
                if o["resident_id"] != k["resident_id"] or o["kiosk_id"] != k["kiosk_id"]:
                    problems.append(f"{oid}: order of {o['resident_id']} at {o['kiosk_id']}")
                if any(d["resident_id"] != k["resident_id"] for d in docs):
                    problems.append(f"{oid}: a document of another resident")
                want = {"valid": "valid", "voided": "voided"}.get(sc.seals)
                if want and docs and any(d["status"] != want for d in docs):
                    problems.append(f"{oid}: documents {[d['status'] for d in docs]}, want {want}")
                if docs and o["completed_at"] is None:
                    problems.append(f"{oid}: issued but never completed at the center")
                if docs and completed != 1:
                    problems.append(f"{oid}: completed {completed} times in the journal, want once")
            if sc.seals in ("valid", "voided") and not orders:
                problems.append("no order in the journal")
            checks[f"center_{k['kiosk_id']}"] = {"ok": not problems, "problems": problems, "orders": rows}
    finally:
        con.close()
    return checks


# Screens whose prompt names an amount: its clip is rendered the first time it is needed (kiosk.ui.voice).
_AMOUNT_KEYS = frozenset({"screen.confirm.fee", "screen.payment", "screen.printing",
                          "screen.take_documents.change"})


def check_voice(out: Path, result: dict[str, Any], pins: set[str]) -> dict[str, Any]:
    """Keypad scenarios: every screen the resident saw said its prompt from a clip, the PIN screen
    announced digits only as "a number key", and no PIN reached a log of any part."""
    problems: list[str] = []
    logs = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted((out / "logs").glob("*")) if p.is_file())
    for kiosk in result.get("kiosks", []):
        voice: dict[str, list[list[str]]] = kiosk.get("voice") or {}
        for state in dict.fromkeys(kiosk.get("states", [])):
            if state in ("attract", "service_login", "service_menu"):
                continue
            said = voice.get(state, [])
            if not any(k == f"screen.{state}" or k.startswith(("error.", "oos.")) for k, _ in said):
                problems.append(f"{state}: no prompt")
            problems += [f"{state}: clip {k} missing" for k, o in said
                         if o == "missing" and k not in _AMOUNT_KEYS]
        pin_said = [k for k, _ in voice.get("pin", [])]
        if any(k.startswith("pin.") and k[4:].isdigit() for k in pin_said):
            problems.append("a PIN key was announced by its digit")
        if "voice.pin_key" not in pin_said:
            problems.append("the PIN pad was never walked with the keypad")
    problems += ["PIN found in the logs" for pin in pins if pin and pin in logs]
    return {"ok": not problems, "problems": problems,
            "clips": {k["kiosk_id"]: sum(len(v) for v in (k.get("voice") or {}).values())
                      for k in result.get("kiosks", [])}}
