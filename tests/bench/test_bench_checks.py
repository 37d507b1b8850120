"""The benches' own checks can fail: fed a doctored result, each names what is wrong.

A smoke run only proves something if its checks would catch a bad measurement; these feed them one.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    """A bench script as a module (``bench/`` is no package; ``bench/kiosk.py`` would shadow ``kiosk``)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _good_run(n: int = 2) -> dict[str, Any]:
    screens = ["attract", "language", "notice", "place_card", "pin", "municipality", "certificate", "copies",
               "confirm", "take_card", "take_documents", "thank_you", "attract"]
    return {"screens": [list(screens) for _ in range(n)], "final_state": "attract",
            "effects": {"Print": n, "PrintReceipt": n, "WipeResident": 2 * n}, "completed": ["printed"] * n,
            "receipts": [["inkan", 2, 400, 1000, 600]] * n, "taps": [("pin digit", 120.0)] * (14 * n),
            "startup_s": 2.5, "rss_mb": 185.0, "rss_after_mb": 312.0}


def test_kiosk_bench_accepts_a_good_run_and_names_every_bad_one() -> None:
    kiosk_bench = _load("kiosk")
    assert kiosk_bench.check(_good_run(), 2) == []
    doctored: list[tuple[str, Any]] = [
        ("screens", [["attract", "language", "notice"]] * 2),  # a transaction that stopped early
        ("final_state", "error"),
        ("completed", ["printed", "failed"]),
        ("receipts", [["inkan", 1, 200, 1000, 800]] * 2),  # the +1 tap was lost
        ("taps", [("pin digit", 120.0)] * 27),
        ("rss_after_mb", 100.0),  # memory cannot shrink below the start
    ]
    for key, value in doctored:
        run = copy.deepcopy(_good_run())
        run[key] = value
        assert kiosk_bench.check(run, 2), f"a bad {key} passed the check"


@pytest.fixture(scope="module")
def render_bench() -> ModuleType:
    return _load("render")


def test_render_bench_reads_the_seal_and_catches_a_wrong_one(render_bench: ModuleType) -> None:
    from printer.layout.render import render_pages
    from printer.profiles import get_profile
    from printer.samples import load_sample

    prof, issued = get_profile("a4-thermal-203"), load_sample("inkan")
    pages = render_pages(issued.document, issued.seal, prof)
    assert render_bench.check_pages(pages, prof, issued.seal, "inkan") == []
    (problem,) = render_bench.check_pages(pages, prof, "KJ1:NOT-THE-SEAL", "inkan")
    assert "QR" in problem


def test_render_bench_catches_a_blank_or_wrongly_sized_page(render_bench: ModuleType) -> None:
    from printer.layout.render import Page
    from printer.profiles import get_profile

    prof = get_profile("a4-thermal-203")
    blank = Page(Image.new("1", (1680, 2375), 1), 1, 1, 203)
    problems = render_bench.check_pages([blank], prof, "KJ1:X", "blank")
    assert any("ink" in p for p in problems) and any("QR" in p for p in problems)
    small = Page(Image.new("1", (1600, 2375), 0), 1, 1, 203)
    assert any("want 1-bit" in p for p in render_bench.check_pages([small], prof, "KJ1:X", "small"))
