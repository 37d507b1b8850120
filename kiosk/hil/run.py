"""Run one scenario end to end: start the parts, run the kiosk process(es), check, write result.json.

Layout of ``--out DIR`` (docs/architecture.md contract): ``result.json``, ``screens/*.png`` (every screen the
kiosk showed), ``prints/*.png`` (every page the emulator printed), ``receipts/`` (the receipt
printer's output), ``kiosk/`` (each kiosk's config, journal, logs and its process log), ``logs/``
(the other parts' logs).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.hil.errors import HilError, ServiceStartError
from kiosk.hil.options import DEFAULT_DATA, VPCD_PORTS, RunOptions
from kiosk.hil.scenarios import SCENARIOS, Person, Scenario
from kiosk.hil.services import (
    HOLIDAY,
    IN_HOURS,
    OUTSIDE_HOURS,
    REPO,
    Service,
    Supervisor,
    child_env,
    init_center,
)
from kiosk.hil.setup import KioskSetup, kiosk_config

__all__ = ["DEFAULT_DATA", "RunOptions", "run_scenario"]

log = logging.getLogger(__name__)



def _pick(index: list[dict[str, Any]], person: Person, taken: set[str], first: str | None = None
          ) -> dict[str, Any]:
    hits = [e for e in index if set(person.tags) <= set(e["tags"])
            and not set(person.exclude) & set(e["tags"]) and e["resident_id"] not in taken
            and (not person.same_municipality or e["municipality"] == first)
            and person.municipality in (None, e["municipality"])]
    if len(hits) <= person.skip:
        raise HilError(f"no resident with tags {person.tags} (without {person.exclude})", "no_resident")
    return dict(hits[person.skip])


def run_scenario(name: str, out: Path, opts: RunOptions | None = None, *,
                 scenario: Scenario | None = None) -> dict[str, Any]:
    """Run scenario ``name`` with its output under ``out``; the result (also in ``out/result.json``).

    :raises HilError: unknown scenario or no resident for it (a part that fails to start ends up in
        the result as ``outcome: "setup_failed"``).
    """
    opts = opts or RunOptions()
    if name not in SCENARIOS:
        raise HilError(f"unknown scenario {name!r} (python -m kiosk.hil list)", "unknown_scenario")
    sc = scenario or SCENARIOS[name]  # ``scenario``: a variant of ``name`` (e.g. the demo on the tiers)
    out = out.resolve()
    if out.exists():
        for sub in ("screens", "prints", "receipts", "kiosk", "logs"):
            shutil.rmtree(out / sub, ignore_errors=True)
    for sub in ("screens", "prints", "receipts", "kiosk", "logs"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    data = opts.data.resolve()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    init_center(data)
    timings["center_init"] = round(time.perf_counter() - t0, 3)
    index = json.loads((data / "cards" / "index.json").read_text(encoding="utf-8"))
    kiosks_ix = json.loads((data / "kiosks" / "index.json").read_text(encoding="utf-8"))
    result: dict[str, Any] = {"scenario": name, "summary": sc.summary, "expected": sc.expected,
                              "center_data": str(data), "link": opts.link, "baud": opts.baud,
                              "kiosks": [], "timings": timings}
    try:
        with Supervisor(out / "logs") as sup:
            _run(sc, out, opts, sup, index=index, kiosks_ix=kiosks_ix, result=result)
    except ServiceStartError as e:
        result["outcome"] = "setup_failed"
        result["error"] = str(e)
    timings["total"] = round(time.perf_counter() - t0, 3)
    if sc.printer == "ipp":
        from kiosk.hil.ippeve import rasterize

        for spool in sorted(p for p in (out / "prints").iterdir() if p.is_dir()):
            rasterize(spool)  # the page printer's spooled PDFs, as the PNG sides the checks read
    _collect_prints(out)
    if "outcome" not in result:
        result["checks"] = _check(sc, out, data, result)
        failed = sorted(k for k, v in result["checks"].items() if not v["ok"])
        result["outcome"] = result["kiosk_outcome"] if not failed else "check_failed:" + ",".join(failed)
    result["ok"] = result["outcome"] == sc.expected
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def _run(sc: Scenario, out: Path, opts: RunOptions, sup: Supervisor, *, index: list[dict[str, Any]],
         kiosks_ix: list[dict[str, Any]], result: dict[str, Any]) -> None:
    timings = result["timings"]
    t = time.perf_counter()
    sup.pcscd()
    entries: list[dict[str, Any]] = []
    taken: set[str] = set()
    for person in sc.people:
        if not person.card:  # a kiosk nobody uses (fleet): no resident, no card
            entries.append({"resident_id": None, "municipality": None, "tags": [], "pin": "0000"})
            continue
        entries.append(_pick(index, person, taken, entries[0]["municipality"] if entries else None))
        taken.add(entries[-1]["resident_id"])
    now = {"outside_hours": OUTSIDE_HOURS, "holiday": HOLIDAY}.get(sc.now, IN_HOURS)
    if sc.tiers:
        from kiosk.hil.tiers import start_tiers

        center = start_tiers(sup, opts.data.resolve(), now, sc.tiers, first=entries[0]["municipality"],
                             center_args=sc.center_args)
    else:
        center = sup.center(opts.data.resolve(), now)
    timings["center_start"] = round(time.perf_counter() - t, 3)
    setups: list[KioskSetup] = []
    if any(p.resident.keypad for p in sc.people):  # the kiosk's build step: clips before it starts
        t = time.perf_counter()
        from kiosk.ui.i18n import Translator
        from kiosk.voice.prompts import inventory
        from kiosk.voice.render import render_clips

        render_clips(REPO / "var" / "voice", inventory(Translator(), ("ja",)), 1.0)
        timings["voice_render"] = round(time.perf_counter() - t, 3)
    for i, (person, entry) in enumerate(zip(sc.people, entries, strict=True)):
        k = KioskSetup.make(i, out, data=opts.data.resolve(), entry=entry,
                            kiosk=kiosks_ix[i + sc.kiosk_offset], person=person, scenario=sc)
        t = time.perf_counter()
        if person.card:
            k.card = sup.card(opts.data.resolve() / entry["card"], VPCD_PORTS[i], k.dir / "card-state.json",
                              name=f"card-{i + 1}")
        if sc.printer == "ipp":
            plan = k.dir / "ipp-engine.json"
            plan.write_text(json.dumps(sc.ipp_plan), encoding="utf-8")
            k.printer = sup.ipp_printer(k.prints, plan=plan, name=f"printer-{i + 1}")
        else:
            k.printer = sup.printer(k.prints, opts.profile, link=opts.link, baud=opts.baud,
                                    tty=k.dir / "printer.tty", name=f"printer-{i + 1}")
        k.receipt = sup.printer(out / "receipts" / k.label, "receipt-80-203", link="tcp",
                                name=f"receipt-{i + 1}")
        timings[f"parts_start_{i + 1}"] = round(time.perf_counter() - t, 3)
        kiosk_config(k, center, opts)
        setups.append(k)
        result["kiosks"].append({"kiosk_id": k.kiosk_id, "resident_id": entry["resident_id"],
                                 "municipality": entry["municipality"], "tags": entry["tags"],
                                 "certificate": person.resident.certificate})
    procs = [_spawn_kiosk(sup, k, sc) for k in setups]
    deadline = time.monotonic() + opts.timeout
    for k, p in zip(setups, procs, strict=True):
        k.proc = p
    if sc.fleet:
        from kiosk.hil.fleet import FleetRun

        result["fleet"] = FleetRun(sup, setups, out, opts.data.resolve(), sc=sc).run(deadline)
    else:
        _supervise(sc, setups, sup, center, deadline)
    outcomes = [k.outcome() for k in setups]
    result["kiosk_outcome"] = ",".join(outcomes)
    for k, info in zip(setups, result["kiosks"], strict=True):
        info["states"] = k.summary.get("states", [])
        info["message_keys"] = k.summary.get("message_keys", [])
        info["transitions"] = k.transitions
        info["unavailable"] = k.summary.get("unavailable")
        info["voice"] = k.summary.get("voice", {})  # clips played per screen (kiosk.ui.voice)
        info["slip"] = k.summary.get("slip")  # a refund that failed: what the screen showed
        if k.error:
            info["error"] = k.error
        info["journal"] = _journal(k.dir / "journal.db")
        timings.update({f"{k.label}.{key}": v for key, v in k.phase_timings().items()})


def _spawn_kiosk(sup: Supervisor, k: KioskSetup, sc: Scenario, *, restart: bool = False) -> Service:
    script = k.script(restart=restart)
    path = k.dir / ("script-restart.json" if restart else "script.json")
    path.write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")
    env = child_env({"KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1", "KIVY_NO_FILELOG": "1",
                     "KIVY_NO_CONSOLELOG": "1"})
    if not os.environ.get("DISPLAY"):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
        env.setdefault("SDL_AUDIODRIVER", "dummy")  # the voice clips go through SDL's mixer to no speaker
    argv = [sys.executable, "-m", "kiosk.hil", "kiosk-process", "--config", str(k.config),
            "--script", str(path), "--shots", str(k.shots), "--prefix", k.prefix,
            "--shot-start", str(k.shots_taken),
            "--card-control", k.card.info["control"] if k.person.card else "none",
            "--printer-control", k.printer.info["control"], "--card-pin", k.entry["pin"]]
    if sc.read_before_pin:
        argv.append("--card-read-before-pin")
    return sup.spawn(f"{k.label}{'-restart' if restart else ''}", argv, env=env)


def _supervise(sc: Scenario, setups: list[KioskSetup], sup: Supervisor, center: Service,
               deadline: float) -> None:
    """Follow the kiosk processes' JSON lines, act on orchestrator hooks, until every one is done."""
    pending = list(setups)
    while pending and time.monotonic() < deadline:
        for k in list(pending):
            for rec in k.new_records():
                hook = rec.get("hook", {})
                if hook.get("signal") == "center_stop":
                    center.stop()
                    k.ack()
                elif hook.get("signal") == "kill":  # the kiosk cut its own power (SIGKILL)
                    k.killed = True
            if k.killed and not k.restarted and not k.proc.running:
                k.restarted = True
                k.new_records()
                k.proc = _spawn_kiosk(sup, k, sc, restart=True)
                k.seen = 0  # a new process: its own lines
                continue
            if k.done or not k.proc.running:
                k.new_records()
                if k.proc.running:
                    k.proc.process.wait(15)
                pending.remove(k)
        time.sleep(0.05)
    for k in pending:
        k.error = "timeout"
        k.proc.stop()


def _collect_prints(out: Path) -> None:
    """Every kiosk's emulator pages into ``prints/`` (one kiosk: NNNN.png; several: kiosk-N-NNNN.png)."""
    dirs = sorted(p for p in (out / "prints").iterdir() if p.is_dir())
    for d in dirs:
        prefix = "" if len(dirs) == 1 else f"{d.name}-"
        # Pages cut short by a fault land in the emulator's aborted/ (kept as aborted-NNNN.png).
        files = [(f, f.name) for f in sorted(d.iterdir()) if f.is_file()]
        files += [(f, f"aborted-{f.name}") for f in sorted((d / "aborted").glob("*")) if f.is_file()]
        for f, name in files:
            f.replace(out / "prints" / f"{prefix}{name}")
        shutil.rmtree(d, ignore_errors=True)


def _journal(path: Path) -> list[dict[str, Any]]:
    """The kiosk journal's orders and steps (ids, steps and amounts only)."""
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        steps = [dict(r) for r in con.execute("SELECT * FROM steps ORDER BY rowid")]
    except sqlite3.Error:
        steps = []
    finally:
        con.close()
    return steps


def _check(sc: Scenario, out: Path, data: Path, result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from kiosk.hil.checks import (
        check_center,
        check_content,
        check_prints,
        check_refund_slip,
        check_token_rule,
    )

    if sc.fleet:  # the prints and the center are checked for the kiosk that served a resident
        result = dict(result, kiosks=[k for k in result["kiosks"] if k["resident_id"] is not None])
    checks = {"prints": check_prints(sc, out, data, result)}
    if sc.read_before_pin or any("smartphone" in k["tags"] for k in result["kiosks"]):
        checks["token_rule"] = check_token_rule(sc, out)
    if sc.furigana is not None:
        checks["content"] = check_content(sc, out, data)
    checks.update(check_center(sc, data, result))
    if any(p.resident.keypad for p in sc.people):
        from kiosk.hil.checks import check_voice

        index = json.loads((data / "cards" / "index.json").read_text(encoding="utf-8"))
        ids = {k["resident_id"] for k in result.get("kiosks", [])}
        checks["voice"] = check_voice(out, result, {str(e["pin"]) for e in index if e["resident_id"] in ids})
    checks.update(check_refund_slip(out, data, result))
    if sc.fleet:
        fleet = result.get("fleet") or {}
        checks["fleet"] = {"ok": bool(fleet) and not fleet.get("problems"),
                           "problems": fleet.get("problems", ["the fleet steps did not run"])}
    return checks


def scenario_names() -> list[tuple[str, str, str]]:
    return [(s.name, s.expected, s.summary) for s in SCENARIOS.values()]
