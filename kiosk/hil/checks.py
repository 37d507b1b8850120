"""What a scenario checks after the kiosk is done: the printed pages' seals and the center's records.

Every page the emulator printed is a PNG; its QR seal is decoded from that PNG and verified the way
anyone would (``server_stub.verify``: signature against the center's public key, void status), and
its claims must name the resident at *that* kiosk and the certificate they asked for.  The center's
database then must agree with the kiosk's journal: each order resolved once, with the right result.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server_stub.verify import verify_cli

if TYPE_CHECKING:
    from kiosk.hil.scenarios import Scenario

__all__ = ["check_center", "check_content", "check_prints", "check_voice"]


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
    """Two-sided: every sheet's front and back carry the same seal, in the same state (a reader compares
    the two; whether it must be valid or voided is the scenario's seal check)."""
    by_name = {r["page"]: r for r in reports}
    fronts = [r for r in reports if not r["page"].endswith("-back.png")]
    problems = [] if fronts else ["no front side printed"]
    for front in fronts:
        back = by_name.get(front["page"].replace(".png", "-back.png"))
        if back is None:
            problems.append(f"{front['page']}: no back side")
        elif back["seal_id"] != front["seal_id"] or back["status"] != front["status"]:
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
                clean = (o["state"] == "printed" and docs and all(d["status"] == "valid" for d in docs)) or (
                    o["state"] == "failed" and all(d["status"] == "voided" for d in docs))
                if sc.tiers and not clean:
                    # Every document correct (printed, valid) or the whole order voided, nothing between.
                    problems.append(f"{oid}: order {o['state']} with documents {[d['status'] for d in docs]}")
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
_AMOUNT_KEYS = frozenset({"screen.confirm.fee", "screen.payment", "screen.payment.due",
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


REFUSED_BEFORE_PIN = "EF 000A refused before VERIFY (6982)"


def check_token_rule(sc: Scenario, out: Path) -> dict[str, Any]:
    """A phone's certificate is behind its PIN: with ``read_before_pin`` the TOKEN must have refused the
    kiosk's read (its log says so); otherwise the kiosk must have followed the rule and never tried."""
    logs = sorted((out / "logs").glob("card-*.*"))
    refused = sum(p.read_text(encoding="utf-8", errors="replace").count(REFUSED_BEFORE_PIN) for p in logs)
    want = sc.read_before_pin
    ok = refused > 0 if want else refused == 0
    problem = [] if ok else [f"token refusals of EF 000A: {refused}, expected {'some' if want else 'none'}"]
    return {"ok": ok, "problems": problem, "refused_reads": refused}


def check_content(sc: Scenario, out: Path, data: Path) -> dict[str, Any]:
    """Rebuild each printed document from the center's registry and prove it is what the seal signed
    (its SHA-256 equals the seal's ``content_sha256``), then check that the rebuilt document says what
    the scenario is about: ``sc.furigana`` is the reading every printed person must carry.

    The center keeps no content after ``complete`` (docs/center.md "Retention"), so the check redoes
    the center's own derivation from the registry, the order and the seal's claims.
    """
    import datetime as dt

    from sqlalchemy import select

    from server_stub import queries as sql
    from server_stub.documents import IssueContext, build_content
    from server_stub.municipal.core import MunicipalCore
    from server_stub.municipal.protocol import CertificateRequest
    from server_stub.municipalities import Municipality
    from server_stub.seal import content_digest
    from server_stub.store import documents, make_engine, municipalities

    problems: list[str] = []
    checked = []
    engine = make_engine(f"sqlite:///{data / 'center.db'}")
    try:
        with engine.connect() as conn:
            catalogue = {m.code: m for m in (Municipality.from_json(json.loads(r.data))
                                             for r in conn.execute(select(municipalities.c.data)))}
            for page in _pages(out):
                rep = verify_cli(image=str(page), payload=None, data=data, public_key=None, center=None,
                                 content=None)
                claims = rep.get("claims") or {}
                doc = conn.execute(select(documents.c.order_id, documents.c.copy_index).where(
                    documents.c.seal_id == claims.get("seal_id"))).one_or_none()
                if doc is None:
                    problems.append(f"{page.name}: no issued document for the seal")
                    continue
                order = conn.execute(sql.ORDER, {"oid": doc.order_id}).one()
                options = json.loads(order.options)
                resident = json.loads(conn.execute(sql.FACTS, {"rid": order.resident_id}).one().data)
                muni: Municipality = catalogue[order.municipality]
                png = (data / "seals" / f"{muni.code}.b64").read_text().strip()
                issued = dt.date.fromisoformat(claims["issued_date"])
                req = CertificateRequest(order.order_id, order.municipality, order.resident_id,
                                         order.certificate, options, order.copies, issued, 1)
                records = MunicipalCore._records(conn, req, options, resident)  # the registry's own reads
                content = build_content(IssueContext(
                    municipality=muni, official_seal_png_b64=png, certificate=order.certificate,
                    options=options, resident=resident, issued=dt.date.fromisoformat(claims["issued_date"]),
                    issue_number=claims["issue_number"], seal_id=claims["seal_id"], copy_index=doc.copy_index,
                    **records))
                same = content_digest(content).hex() == claims.get("content_sha256")
                if not same:
                    problems.append(f"{page.name}: the rebuilt content is not what the seal signed")
                readings = [p.get("furigana") for p in content.get("body", {}).get("persons", [])]
                if sc.furigana and (not readings or any(r != sc.furigana for r in readings)):
                    got = "・".join(map(str, readings))
                    problems.append(f"{page.name}: furigana 「{got}」, expected 「{sc.furigana}」")
                checked.append({"page": page.name, "signed_content": same, "furigana": readings})
    finally:
        engine.dispose()
    if not checked:
        problems.append("no printed document to check")
    return {"ok": not problems, "problems": problems, "documents": checked}


def check_refund_slip(out: Path, data: Path, result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A refund that failed (issue 18): the receipt printer printed a slip with what the screen showed
    (amount, reference, time), and the kiosk's journal and the center agree on the money: the center
    voided the order it charged, the journal took the same amount and holds it as owed."""
    checks: dict[str, dict[str, Any]] = {}
    con = sqlite3.connect(f"file:{data / 'center.db'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        for i, k in enumerate(result["kiosks"]):
            slip = k.get("slip")
            if not slip:
                continue
            problems: list[str] = []
            texts = [json.loads(p.read_text(encoding="utf-8")).get("text", [])
                     for p in sorted((out / "receipts" / f"kiosk-{i + 1}").glob("*.json"))]
            slips = [t for t in texts if t and t[0] == "返金未済の控え"]
            owed = f"{int(slip['owed']):,}円"
            if len(slips) != 1:
                problems.append(f"{len(slips)} refund slips printed, want 1")
            else:
                lines = slips[0]
                if f"受付番号：{slip['reference']}" not in lines:
                    problems.append("the slip does not carry the screen's reference")
                if not any(ln.startswith("未返金") and ln.endswith(owed) for ln in lines):
                    problems.append(f"the slip does not say {owed} owed")
                if not any(ln.startswith("日時") and ln.endswith(str(slip["time"])) for ln in lines):
                    problems.append("the slip is not dated with the screen's time")
            paid = sum(s["amount"] for s in k["journal"] if s.get("step") == "paid")
            owed_steps = [s["amount"] for s in k["journal"] if s.get("step") == "owed"]
            orders = sorted({s["order_id"] for s in k["journal"] if s.get("order_id")})
            if owed_steps != [int(slip["owed"])] or paid != int(slip["owed"]):
                problems.append(f"journal: paid {paid}, owed {owed_steps}; the screen said {slip['owed']}")
            for oid in orders:
                o = con.execute("SELECT state, charged FROM orders WHERE order_id = ?", (oid,)).fetchone()
                if o is None or o["state"] != "failed" or int(o["charged"]) != paid:
                    problems.append(f"{oid}: center {dict(o) if o else None}, journal paid {paid}")
            checks[f"refund_slip_{k['kiosk_id']}"] = {"ok": not problems, "problems": problems,
                                                      "slips": slips}
    finally:
        con.close()
    return checks
