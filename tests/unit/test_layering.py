"""The package boundaries of DESIGN.md, enforced on the source text."""

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
