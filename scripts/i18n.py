"""Gettext catalogs of the kiosk UI, with Babel (no Makefile needed).

    python -m scripts.i18n extract   # assets/locale/kiosk.pot from the message tables
    python -m scripts.i18n update    # merge the .pot into every assets/locale/<locale>/LC_MESSAGES/kiosk.po
    python -m scripts.i18n compile   # .po → .mo (the .mo files are committed: a fresh clone works)
    python -m scripts.i18n check     # exit 1 when a .mo is stale or a resident text is untranslated

Extraction reads the msgids from the source tables, not from ``_()`` calls: every screen text is a stable
key of ``kiosk.flow.messages.MESSAGES`` or ``kiosk.ui.strings.UI_MESSAGES`` with its Japanese source and
English text; the .pot carries both as comments for translators.  Japanese and English catalogs are filled
from the tables on ``update`` (the tables are their source of truth).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk.flow.messages import PLURAL_SUFFIX, PLURALS
from kiosk.ui.i18n import LOCALE_DIR, LOCALES, source_messages

STAFF_PREFIXES = ("service.", "screen.service_")  # staff screens: Japanese or English only
FROM_TABLE = {"ja": 0, "en": 1}


def staff_only(key: str) -> bool:
    return key.startswith(STAFF_PREFIXES)


def template() -> Catalog:
    cat = Catalog(project="konbini-kiosk", domain="kiosk", charset="utf-8")
    for key, (ja, en) in source_messages().items():
        if key in PLURALS:  # msgid + msgid_plural: one msgstr per plural form of each language
            _, _, one, other = PLURALS[key]
            cat.add((key, key + PLURAL_SUFFIX), ("", ""),
                    auto_comments=[f"ja: {ja}", f"en (one): {one}", f"en (other): {other}"])
            continue
        cat.add(key, "", auto_comments=[f"ja: {ja}", f"en: {en}"])
    return cat


def _plural_forms(key: str, lang: str, n: int, seed: dict[str, dict[str, Any]] | None,
                  before: Any) -> tuple[str, ...] | None:
    """The msgstr forms of a plural message: from the tables (ja, en), a seed, or the old catalog."""
    _, ja, one, other = PLURALS[key]
    if lang == "ja":
        return (ja,) * n
    if lang == "en":
        return (one, other)
    if seed and key in seed.get(lang, {}):
        forms = seed[lang][key]
        return tuple(forms) if isinstance(forms, (tuple, list)) else (str(forms),) * n
    if before is not None and isinstance(before.string, tuple) and any(before.string):
        return tuple(str(f) for f in before.string)
    return None


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "kiosk.po"


def _read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain="kiosk", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _write_po(cat: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=0, omit_header=False, sort_output=False, ignore_obsolete=True)


def extract() -> Path:
    out = LOCALE_DIR / "kiosk.pot"
    tpl = template()
    if out.exists():
        tpl.creation_date = _read(out, "en").creation_date
    _write_po(tpl, out)
    return out


def _words(comments: list[str]) -> list[str]:
    """Comment text without its line wrapping (the .po writer wraps long comments)."""
    return " ".join(comments).split()


def update(seed: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    """Merge the template into each catalog; ``seed[lang]`` fills msgstrs (used to import translations)."""
    tpl = template()
    paths = []
    for lang, locale in LOCALES.items():
        path = po_path(locale)
        old = _read(path, locale)
        # Keep the header dates: a re-run that changes no message must leave the files unchanged.
        new = Catalog(locale=locale, domain="kiosk", charset="utf-8", project="konbini-kiosk", fuzzy=False,
                      creation_date=old.creation_date, revision_date=old.revision_date)
        for msg in tpl:
            if not msg.id:
                continue
            key = str(msg.id[0] if isinstance(msg.id, tuple) else msg.id)
            text, flags = "", set()
            before = old.get(key)
            if key in PLURALS:
                forms = _plural_forms(key, lang, new.num_plurals, seed, before)
                new.add(msg.id, forms or ("",) * new.num_plurals, auto_comments=msg.auto_comments)
                continue
            if lang in FROM_TABLE:
                text = source_messages()[key][FROM_TABLE[lang]]
            elif seed and key in seed.get(lang, {}):
                text = seed[lang][key]
            elif before is not None and before.string:
                text = str(before.string)
                # The source text changed since this was translated: gettext's "fuzzy" (not compiled,
                # English shown meanwhile) until a translator checks it.
                changed = _words(before.auto_comments) != _words(msg.auto_comments)
                if before.fuzzy or (before.auto_comments and changed):
                    flags.add("fuzzy")
            if lang not in FROM_TABLE and key.startswith("language."):
                text, flags = source_messages()[key][0], set()  # a language's own name, everywhere
            new.add(key, text, auto_comments=msg.auto_comments, flags=flags)
        _write_po(new, path)
        paths.append(path)
    return paths


def _mo_bytes(po: Path, locale: str) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, _read(po, locale), use_fuzzy=False)
    return buf.getvalue()


def compile_all() -> list[Path]:
    out = []
    for locale in LOCALES.values():
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        mo.write_bytes(_mo_bytes(po, locale))
        out.append(mo)
    return out


def problems() -> list[str]:
    """Stale .mo files and resident texts without a translation (placeholders must match too)."""
    import re

    found = []
    names = re.compile(r"\{(\w+)\}")
    src = source_messages()
    for locale in LOCALES.values():
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(po, locale):
            found.append(f"{locale}: kiosk.mo is stale (run python -m scripts.i18n compile)")
        cat = _read(po, locale)
        for key, (ja, en) in src.items():
            msg = cat.get(key)
            if key in PLURALS:
                forms = msg.string if msg is not None and isinstance(msg.string, tuple) else ()
                if len(forms) != cat.num_plurals or not all(forms):
                    found.append(f"{locale}: {key} needs {cat.num_plurals} plural forms")
                elif any(set(names.findall(f)) != {PLURALS[key][0]} for f in forms):
                    found.append(f"{locale}: {key}: every plural form must name {{{PLURALS[key][0]}}}")
                continue
            text = str(msg.string) if msg is not None and msg.string else ""
            if msg is not None and msg.fuzzy:
                found.append(f"{locale}: {key} needs review (its source text changed)")
                continue
            if not text:
                if not staff_only(key):
                    found.append(f"{locale}: {key} untranslated")
                continue
            if not set(names.findall(text)) <= set(names.findall(ja)) | set(names.findall(en)):
                found.append(f"{locale}: {key} has a placeholder the source does not fill")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.i18n", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["extract", "update", "compile", "check"])
    args = ap.parse_args(argv)
    if args.command == "extract":
        sys.stdout.write(f"{extract()}\n")
    elif args.command == "update":
        for p in update():
            sys.stdout.write(f"{p}\n")
    elif args.command == "compile":
        for p in compile_all():
            sys.stdout.write(f"{p}\n")
    else:
        bad = problems()
        for line in bad:
            sys.stdout.write(f"{line}\n")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
