"""Every built-in scenario through ``python -m kiosk.hil run`` (the docs/architecture.md contract): exit code,
result.json, screens, printed pages and the kiosk's own state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.hil.scenarios import SCENARIOS

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kiosk.hil", *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


def test_list_names_every_builtin_scenario() -> None:
    r = run_cli("list")
    assert r.returncode == 0, r.stderr
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    assert names == list(SCENARIOS)
    for must in ("happy-juminhyo", "happy-inkan", "happy-kazei", "happy-koseki", "household-juminhyo",
                 "pin-retry", "pin-lock", "revoked-card", "moved-out", "outside-hours", "card-removed",
                 "paper-out", "refund-failed", "center-down", "power-cut", "happy-ipp", "jam-ipp",
                 "two-kiosks",
                 "happy-smartphone", "happy-nextgen", "smartphone-pin-first", "ca-rollover", "expired-ca",
                 "holiday-koseki", "furigana-blank", "municipal-slow", "municipal-race",
                 "municipal-two-servers", "fleet"):
        assert must in names


def test_unknown_scenario_is_a_clear_error(tmp_path: Path) -> None:
    r = run_cli("run", "no-such-scenario", "--out", str(tmp_path / "x"))
    assert r.returncode == 2
    assert "unknown scenario" in r.stderr and "Traceback" not in r.stderr


def _result(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "result.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str, hil_data: Path, tmp_path: Path) -> None:
    out = tmp_path / name
    r = run_cli("run", name, "--out", str(out), "--data", str(hil_data))
    res = _result(out)
    assert r.returncode == 0, (res.get("outcome"), res.get("checks"), res.get("error"), r.stderr[-2000:])
    sc = SCENARIOS[name]
    assert res["outcome"] == res["expected"] == sc.expected
    assert res["center_data"] == str(hil_data.resolve())
    assert res["timings"]["total"] > 0
    assert all(c["ok"] for c in res["checks"].values()), res["checks"]
    # screens of the real UI, the kiosk's own state (config, journal, logs)
    shots = sorted((out / "screens").glob("*.png"))
    assert len(shots) >= 4 and all(s.stat().st_size > 5000 for s in shots)
    for k in res["kiosks"]:
        assert k["states"][0] == "attract"
    assert list((out / "kiosk").glob("kiosk-*/kiosk.toml"))
    pages = sorted((out / "prints").glob("*.png"))
    if sc.seals == "valid":
        assert pages, "a happy path prints at least one page"
        holders = {p["holder"] for p in res["checks"]["prints"]["pages"]}
        assert holders == {k["resident_id"] for k in res["kiosks"] if k["resident_id"] is not None}
    elif sc.seals == "none":
        assert not pages
    if name == "voice-keypad":  # keys only: the PIN pad was walked, every screen spoken (checks["voice"])
        said = res["kiosks"][0]["voice"]
        assert ["voice.pin_key", "no_audio"] in said["pin"] or ["voice.pin_key", "played"] in said["pin"]
        assert {"place_card", "pin", "certificate", "confirm", "take_card"} <= set(said)
    if sc.furigana is not None:
        # The content the seal signed carries the placeholder; the same check fails for a real reading.
        docs = res["checks"]["content"]["documents"]
        assert docs and all(d["signed_content"] and set(d["furigana"]) == {sc.furigana} for d in docs)
        from dataclasses import replace

        from kiosk.hil.checks import check_content

        wrong = check_content(replace(sc, furigana="ミホン　タロウ"), out, hil_data)
        assert not wrong["ok"] and "expected 「ミホン　タロウ」" in wrong["problems"][0]
    if name == "refund-failed":  # issue 18: the slip, the staff hold, journal and center on the money
        slip = res["checks"]["refund_slip_K0001"]
        assert slip["ok"] and len(slip["slips"]) == 1, slip
        assert res["kiosks"][0]["slip"]["owed"] > 0
        seen = [t["state"] for t in res["kiosks"][0]["transitions"]]
        after = seen[seen.index("error"):]
        assert after[:3] == ["error", "service_login", "service_menu"], seen  # only staff cleared it
    if name == "two-kiosks":
        ids = [k["resident_id"] for k in res["kiosks"]]
        assert len(set(ids)) == 2
        for p in res["checks"]["prints"]["pages"]:
            assert p["holder"] == p["expected_holder"]
    if name == "fleet":
        _fleet(res, out)


def _fleet(res: dict[str, Any], out: Path) -> None:
    """Issue 13's four steps, from what the run saved: the console's pages as chromium showed them, the
    kiosks' rendered screens, the figures."""
    fleet = res["fleet"]
    assert not fleet["problems"]
    steps = fleet["steps"]
    assert list(steps) == ["1_reporting", "2_paper_out", "3_remote_out_of_service", "4_back_in_service"]
    serving, paperless = (k["kiosk_id"] for k in res["kiosks"])
    assert steps["1_reporting"]["rows"] == {serving: "st-ok", paperless: "st-ok"}
    paper = steps["2_paper_out"]
    assert paper["row"] == "st-fault" and f"{paperless} 用紙切れ" in paper["alerts"]
    assert fleet["figures"]["paper_to_metric_s"] <= paper["interval"]
    assert fleet["figures"]["paper_to_console_red_s"] <= paper["interval"]
    for step, key in (("2_paper_out", "oos.printer"), ("3_remote_out_of_service", "oos.remote.maintenance")):
        shown = steps[step]["kiosk_screen"]
        assert shown["message_key"] == key
        assert any("ただいまご利用いただけません" in t for t in shown["texts"])
        assert (out / "screens" / shown["shot"]).stat().st_size > 5000
    assert steps["3_remote_out_of_service"]["status"] == "休止中 / Out of service"
    assert "再開 / Back in service" in steps["4_back_in_service"]["command_log"]
    consoles = sorted(p.name for p in (out / "console").glob("*.png"))
    assert consoles == ["1-fleet.png", "2-paper-out.png", "3-remote-out-of-service.png",
                        "4-back-in-service.png", "5-after.png"]
    # The kiosk whose paper ran out never served anyone; the other did, after being out of service.
    states = [t["state"] for t in res["kiosks"][1]["transitions"]]
    assert set(states) == {"attract", "out_of_service"}
    served = [t["state"] for t in res["kiosks"][0]["transitions"]]
    assert served.index("out_of_service") < served.index("printing")
