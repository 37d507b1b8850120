"""Every document the code, the docs and the README mention exists in the repository.

A clone must stand alone: a comment that says "see docs/printing.md §4" is only useful if that file is
in the repository and has a section 4 (docs/README.md is the index of them all).  The scanner reads
every *.py, *.md, *.toml, *.sh and Makefile (not .venv, var or caches) and reports, as
``file:line: problem``:

- a mention of a ``*.md`` file, or of any ``docs/...`` path, that resolves neither next to the file nor
  from the repository root;
- a ``§N`` (or ``§N.M``, ranges, lists) right after such a mention when the document has no heading
  numbered N (``## N.`` / ``### N.M``), and a quoted section name right after it (``<doc> "Name"``)
  that the document does not contain (fenced code blocks of .md files are not checked);
- a markdown link or image in a .md file whose target does not exist, or whose ``#anchor`` is not a
  heading of the target (GitHub's slug rules);
- a path in backticks in a .md file that starts with a top-level directory of the repository
  (``kiosk/flow/...``) and does not exist: code moves, and its docs must follow;
- any path into the private briefing or any absolute path of one machine.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "var", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
             ".hypothesis", ".kivy_home", "node_modules", "build", "dist"}

# Built from pieces so that this file does not match its own patterns.
_MACHINE_PATH = re.compile("/" + "work" + "/")
_BRIEFING = re.compile(r"(?<![\w-])(?:\.\./)*" + "shared" + r"/(?:docs/|DESIGN)")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_MD_MENTION = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]*\w\.md)(?![\w-])")
_DOCS_PATH = re.compile(r"(?<![\w./-])(docs/[\w./-]*\w)")
_NUM = r"\d+(?:\.\d+)*"
_AFTER = re.compile(
    r"\A(?P<sec>\s*§\s?" + _NUM + r"(?:\s*(?:[-–/,]|and)\s*§?\s?" + _NUM + r")*)?"
    r"(?:\s+\"(?P<name>[^\"\n]{1,80})\")?"
)
_CODE_PATH = re.compile(r"`([\w.-]+/[\w./-]*)`")
_LINK = re.compile(r"!?\[(?:[^\]\n]*)\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def scanned_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(filenames):
            if name.endswith((".py", ".md", ".toml", ".sh")) or name == "Makefile":
                out.append(Path(dirpath) / name)
    return out


_JOIN = re.compile(r"([\"'])([\w.-]+)\1\s*/\s*([\"'])")


def _joined_paths(line: str) -> str:
    """A pathlib join of string literals in code (``REPO / "a" / "b"``) reads as the path ``a/b``."""
    while True:
        joined = _JOIN.sub(lambda m: m.group(1) + m.group(2) + "/", line)
        if joined == line:
            return line
        line = joined


def _resolve(root: Path, source: Path, ref: str) -> Path | None:
    for base in (source.parent, root):
        candidate = (base / ref).resolve()
        if candidate.exists() and candidate.is_relative_to(root.resolve()):
            return candidate
    return None


def _headings(doc: Path) -> list[str]:
    out, fenced = [], False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = _HEADING.match(line)
        if m and not fenced:
            out.append(m.group(2))
    return out


def _section_numbers(doc: Path) -> set[str]:
    nums = set()
    for title in _headings(doc):
        m = re.match(r"(" + _NUM + r")\.?(?:\s|$)", title)
        if m:
            nums.add(m.group(1))
    return nums


def github_slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces become hyphens."""
    text = re.sub(r"<[^>]+>", "", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for title in _headings(doc):
        slug = github_slug(title)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _check_after(target: Path, rest: str) -> list[str]:
    """Problems with the ``§N`` / ``"Name"`` that follow a mention of ``target``."""
    if target.suffix != ".md" or not target.is_file():
        return []
    m = _AFTER.match(rest)
    problems = []
    if m and m.group("sec"):
        have = _section_numbers(target)
        for num in re.findall(_NUM, m.group("sec")):
            if num not in have:
                problems.append(f"{target.name} has no section §{num}")
    if m and m.group("name"):
        name = m.group("name")
        if name.lower() not in target.read_text(encoding="utf-8").lower():
            problems.append(f'{target.name} has no "{name}"')
    return problems


def scan(root: Path) -> list[str]:
    """Every broken or forbidden document reference under ``root``, as ``path:line: problem``."""
    root = root.resolve()
    tops = {p.name for p in root.iterdir() if p.is_dir() and p.name not in SKIP_DIRS}
    problems: list[str] = []
    for path in scanned_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        fenced = False
        for lineno, line in enumerate(text.splitlines(), 1):
            where = f"{rel}:{lineno}"
            if _MACHINE_PATH.search(line):
                problems.append(f"{where}: absolute path of one machine")
            if _BRIEFING.search(line):
                problems.append(f"{where}: path into the private briefing")
            if path.suffix == ".md" and line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            clean = _URL.sub(lambda m: " " * len(m.group(0)), line)
            clean = _joined_paths(clean)
            seen: set[str] = set()
            for rx in (_MD_MENTION, _DOCS_PATH):
                for m in rx.finditer(clean):
                    ref = m.group(1)
                    if ref in seen:
                        continue
                    seen.add(ref)
                    target = _resolve(root, path, ref)
                    if target is None:
                        problems.append(f"{where}: {ref} does not exist")
                        continue
                    problems += [f"{where}: {p}" for p in _check_after(target, clean[m.end():])]
            if path.suffix != ".md":
                continue
            for m in _CODE_PATH.finditer(clean):
                ref = m.group(1)
                if ref.split("/")[0] in tops and ref not in seen and not (root / ref).exists():
                    problems.append(f"{where}: {ref} does not exist")
            for m in _LINK.finditer(re.sub(r"`[^`]*`", "", clean)):
                href = m.group(1)
                if re.match(r"[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
                    continue  # URL or mailto: not a file of ours
                file_part, _, anchor = href.partition("#")
                target = (path.parent / file_part).resolve() if file_part else path
                if not target.exists():
                    problems.append(f"{where}: link target {href} does not exist")
                elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                    problems.append(f"{where}: link {href}: no heading #{anchor} in {target.name}")
    return problems


def test_every_document_reference_resolves() -> None:
    problems = scan(REPO)
    assert not problems, "broken document references:\n" + "\n".join(problems)


def test_docs_index_links_every_doc() -> None:
    index = (REPO / "docs" / "README.md").read_text(encoding="utf-8")
    linked = {m.group(1) for m in re.finditer(r"\]\(([\w.-]+\.md)(?:#[^)]*)?\)", index)}
    docs = {p.name for p in (REPO / "docs").glob("*.md")} - {"README.md"}
    assert docs <= linked, f"docs/README.md does not link {sorted(docs - linked)}"


def test_readme_points_to_the_docs_index() -> None:
    assert "](docs/README.md)" in (REPO / "README.md").read_text(encoding="utf-8")


# --- the scanner itself, on small fake repositories -------------------------------------------------
# The fake references are assembled from pieces so that this file's own text mentions no missing doc.

MD = ".md"
D = "docs" + "/"


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8")
    return tmp_path


GOOD_DOC = "# Guide\n\n## 1. Start\n\n### 1.2 Card\n\n## 4. Faults and more\n\nSee `x` here.\n"


def test_scanner_passes_references_that_resolve(tmp_path: Path) -> None:
    root = _repo(tmp_path, {
        D + "guide" + MD: GOOD_DOC + "\n[back](../README" + MD + "#top) ![img](img.png)\n",
        D + "img.png": "",
        "README" + MD: "# Top\n\n[guide](" + D + "guide" + MD + "#12-card)\n",
        "pkg/mod.py": '"""As ' + D + "guide" + MD + ' §1.2 and §4 "Faults" say (' + D + 'img.png)."""\n',
    })
    assert scan(root) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pkg/mod.py": "# see " + D + "missing" + MD + " for why\n"}, "pkg/mod.py:1: " + D + "missing" + MD),
        ({"pkg/mod.py": "# see guide" + MD + " (not next to this file)\n"}, "pkg/mod.py:1: guide" + MD),
        ({"pkg/mod.py": "# " + D + "guide" + MD + " §7 says so\n"}, "has no section §7"),
        ({"pkg/mod.py": "# " + D + "guide" + MD + " §1.2-1.5\n"}, "has no section §1.5"),
        ({"pkg/mod.py": "# " + D + "guide" + MD + ' "Nowhere" says so\n'}, 'has no "Nowhere"'),
        ({D + "a" + MD: "[gone](gone" + MD + ")\n"}, D + "a" + MD + ":1: link target gone" + MD),
        ({D + "a" + MD: "![pic](images/none.png)\n"}, "link target images/none.png does not exist"),
        ({D + "a" + MD: "[g](guide" + MD + "#9-nothing)\n"}, "no heading #9-nothing in guide" + MD),
        ({"pkg/mod.py": "# DESIGN" + MD + " says so\n"}, "pkg/mod.py:1: DESIGN" + MD + " does not exist"),
        ({D + "a" + MD: "runner: `pkg/gone.py`\n", "pkg/ok.py": ""}, D + "a" + MD + ":1: pkg/gone.py"),
        ({"pkg/x.sh": "cat " + D + "images/gone.png\n"}, "pkg/x.sh:1: " + D + "images/gone.png does not"),
        ({"pkg/mod.py": "# (/" + "work/somewhere/x.txt)\n"}, "pkg/mod.py:1: absolute path of one machine"),
        ({"README" + MD: "[a](../" + "shared" + "/" + D + "x" + MD + ")\n"}, "private briefing"),
        ({"Makefile": "# " + "shared" + "/DESIGN" + MD + "\n"}, "Makefile:1: path into the private briefing"),
    ],
)
def test_scanner_reports_a_bad_reference(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = _repo(tmp_path, {D + "guide" + MD: GOOD_DOC, **files})
    problems = scan(root)
    assert any(expected in p for p in problems), problems


def test_scanner_reads_pathlib_joins(tmp_path: Path) -> None:
    q = '"'
    good = "p = REPO / " + q + "docs" + q + " / " + q + "guide" + MD + q + "\n"
    bad = "p = REPO / " + q + "docs" + q + " / " + q + "gone" + MD + q + "\n"
    root = _repo(tmp_path, {D + "guide" + MD: GOOD_DOC, "pkg/a.py": good, "pkg/b.py": bad})
    assert scan(root) == ["pkg/b.py:1: " + D + "gone" + MD + " does not exist"]


def test_scanner_skips_venv_var_fences_and_urls(tmp_path: Path) -> None:
    root = _repo(tmp_path, {
        ".venv/lib/x.py": "# " + D + "missing" + MD + "\n",
        "var/run/notes" + MD: "[x](missing" + MD + ")\n",
        "pkg/mod.py": "# https://example.org/" + D + "missing" + MD + "\n",
        D + "b" + MD: "```\n[not a link](missing" + MD + ")\n```\n[web](https://example.org/x" + MD + ")\n",
    })
    assert scan(root) == []


def test_github_slug() -> None:
    assert github_slug("4. One transaction, as data flows") == "4-one-transaction-as-data-flows"
    assert github_slug("Security printing (`printer/security/`)") == "security-printing-printersecurity"
    assert github_slug("4.2 The 地紋: big dots and little dots") == "42-the-地紋-big-dots-and-little-dots"
