"""The package boundaries of docs/architecture.md, enforced on the source text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "card": {"kivy", "httpx", "printer", "server_stub", "kiosk"},
    "printer": {"kivy", "card", "server_stub", "kiosk"},
    "server_stub": {"kivy", "printer", "kiosk"},
    "kiosk": set(),
    # Shared by every side, so they import none of them.
    "contracts": {"kivy", "card", "printer", "server_stub", "kiosk", "assets"},
    "assets": {"kivy", "card", "printer", "server_stub", "kiosk", "contracts"},
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-zA-Z_][\w]*)", re.MULTILINE)


def _imports(path: Path) -> set[str]:
    return set(IMPORT.findall(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_boundaries(package: str) -> None:
    files = list((REPO / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    for path in files:
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_only_kiosk_ui_imports_kivy() -> None:
    offenders = []
    for package in ("card", "printer", "server_stub", "kiosk", "bench", "scripts"):
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith("kiosk/ui/"):
                continue
            if "kivy" in _imports(path):
                offenders.append(rel)
    assert offenders == []


# kiosk/flow decides; kiosk/runtime does.  The flow gets time as Tick events and its clock injected, so
# none of these may appear in it (docs/kiosk-flow.md "Where things live").
FLOW_FORBIDDEN_IMPORTS = {"threading", "queue", "socket", "subprocess", "asyncio", "printer", "card", "httpx",
                          "smartcard", "server_stub", "kivy", "serial", "sqlite3"}
FLOW_FORBIDDEN_CALLS = re.compile(
    r"\btime\.(sleep|time|time_ns|localtime|gmtime)\(|\b(datetime|date|dt\.datetime|dt\.date)\.(now|today|utcnow)\(|"
    r"\bopen\(")


# The card <-> kiosk contract (PIN tries and lengths, token kinds) is pure data: the flow may read it.
FLOW_ALLOWED_LINE = re.compile(r"^\s*from card\.contract import ", re.MULTILINE)


def _flow_violations(text: str) -> list[str]:
    text = FLOW_ALLOWED_LINE.sub("# ", text)
    bad = sorted(set(IMPORT.findall(text)) & FLOW_FORBIDDEN_IMPORTS)
    bad += [m.group(0) for m in FLOW_FORBIDDEN_CALLS.finditer(text)]
    return bad


def test_the_flow_is_pure() -> None:
    offenders = {}
    for path in (REPO / "kiosk" / "flow").rglob("*.py"):
        bad = _flow_violations(path.read_text(encoding="utf-8"))
        if bad:
            offenders[path.relative_to(REPO).as_posix()] = bad
    assert offenders == {}


@pytest.mark.parametrize("line", [
    "import threading", "from queue import Queue", "    time.sleep(0.1)", "now = dt.datetime.now(JST)",
    "from printer.receipt import ReceiptData", "import httpx", "from smartcard.System import readers",
    "with open(path) as f:", "from card.jpki import JpkiClient", "import card.contract",
])
def test_the_flow_rule_catches(line: str) -> None:
    assert _flow_violations(line + "\n")


def test_the_runtime_is_the_only_home_of_the_runner() -> None:
    assert not (REPO / "kiosk" / "flow" / "runner.py").exists()
    assert not (REPO / "kiosk" / "flow" / "_execute.py").exists()
    assert (REPO / "kiosk" / "runtime" / "runner.py").exists()
