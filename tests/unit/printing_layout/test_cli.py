"""`python -m printer render|copytest` as a subprocess: files, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from printing_layout._helpers import sample_json

REPO = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "printer", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_render_sample_to_multi_page_png(tmp_path: Path) -> None:
    out = tmp_path / "j.png"
    r = run("render", "--sample", "juminhyo", "--profile", "a4-thermal-203", "--out", str(out))
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["pages"] == 2 and info["files"] == [str(tmp_path / "j-1.png"), str(tmp_path / "j-2.png")]
    for f in info["files"]:
        with Image.open(f) as im:
            assert im.mode == "1" and im.width == 1680
            assert round(im.info["dpi"][0]) == 203


def test_render_document_file_to_pdf(tmp_path: Path) -> None:
    doc = tmp_path / "inkan.json"
    doc.write_text(json.dumps(sample_json("inkan"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "inkan.pdf"
    r = run("render", "--document", str(doc), "--profile", "a4-laser-600", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF-") and json.loads(r.stdout)["pages"] == 1


def test_bad_document_is_one_line_naming_the_key(tmp_path: Path) -> None:
    data = sample_json("kazei")
    del data["content"]["body"]["tax"]
    doc = tmp_path / "bad.json"
    doc.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = run("render", "--document", str(doc), "--profile", "a4-thermal-300", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 1
    assert r.stderr.strip() == "error [document_invalid]: content.body.tax: missing"
    assert not list(tmp_path.glob("x*.png"))


def test_not_json_and_wrong_paper_are_clear_errors(tmp_path: Path) -> None:
    doc = tmp_path / "bad.json"
    doc.write_text("{", encoding="utf-8")
    r = run("render", "--document", str(doc), "--profile", "a4-thermal-300", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 1 and "not JSON" in r.stderr and "Traceback" not in r.stderr
    r = run("render", "--sample", "inkan", "--profile", "receipt-80-203", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 1 and "[layout_error]" in r.stderr and "Traceback" not in r.stderr
    r = run("render", "--sample", "inkan", "--profile", "a4-thermal-300", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "ESC/POS" in r.stderr


def test_copytest_json() -> None:
    r = run("copytest", "--profile", "a4-thermal-300", "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["profile"] == "a4-thermal-300" and rep["original"]["hidden"] is True
    assert rep["copy_evident"] is True and len(rep["grid"]) == 72
    assert set(rep["copy"]["shows_fraction_by_copier_dpi"]) == {"200", "300", "400", "600"}
    assert rep["capabilities"]["microtext"] is False
    assert rep["seam"]["spread"] <= rep["seam"]["max"] == 0.003
    mid = rep["mid_range_copier"]
    assert (mid["mtf_sigma_mm"], mid["threshold"], mid["shows"]) == (0.08, 0.38, True)
    lo, hi = mid["shows_for_thresholds"]
    assert mid["threshold_margin"] == round(min(0.38 - lo, hi - 0.38), 3) >= 0.05
