"""Screen texts in every language through gettext catalogs (no Kivy).

Catalogs: ``assets/locale/<locale>/LC_MESSAGES/kiosk.po`` (+ the compiled ``.mo``), msgid = the stable
message key of ``kiosk.flow.messages`` / ``kiosk.ui.strings``.  A key missing from a catalog falls back
to the source table (Japanese for ``ja``, English otherwise), so a new flow message never shows a raw key.
"""

from __future__ import annotations

import gettext
import logging
from pathlib import Path

from kiosk.flow.messages import MESSAGES, PLURAL_SUFFIX, PLURALS
from kiosk.ui.strings import UI_MESSAGES

__all__ = ["LANGUAGES", "LOCALES", "LOCALE_DIR", "Translator", "format_yen", "source_messages"]

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parents[2] / "assets" / "locale"
# Flow language code → gettext locale directory.  Order = the order of the language buttons.
LOCALES: dict[str, str] = {"ja": "ja", "en": "en", "zh": "zh_Hans", "ko": "ko", "pt": "pt_BR", "vi": "vi"}
LANGUAGES = tuple(LOCALES)


def source_messages() -> dict[str, tuple[str, str]]:
    """Every msgid with its (Japanese, English) source text."""
    overlap = set(MESSAGES) & set(UI_MESSAGES)
    if overlap:  # pragma: no cover - a programming error caught by the i18n tests
        raise ValueError(f"keys defined twice: {sorted(overlap)}")
    return {**MESSAGES, **UI_MESSAGES}


class _Keep(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_yen(amount: int) -> str:
    """Thousands separators, as on Japanese price tags (1,050)."""
    return f"{amount:,}"


class Translator:
    """``text(key, language, **values)``; catalogs are loaded once per language."""

    def __init__(self, localedir: Path = LOCALE_DIR) -> None:
        self._dir = localedir
        self._catalogs: dict[str, gettext.NullTranslations] = {}
        self._source = source_messages()

    def _catalog(self, language: str) -> gettext.NullTranslations:
        if language not in self._catalogs:
            locale = LOCALES.get(language, language)
            self._catalogs[language] = gettext.translation(
                "kiosk", localedir=str(self._dir), languages=[locale], fallback=True)
            if type(self._catalogs[language]) is gettext.NullTranslations:
                log.warning("no compiled catalog for %s under %s", locale, self._dir)
        return self._catalogs[language]

    def text(self, key: str, language: str, **values: object) -> str:
        """The text of ``key``; ``{placeholders}`` are filled from ``values`` (unknown ones stay as is).

        :raises KeyError: ``key`` is in no source table (a bug in the caller).
        """
        ja, en = self._source[key]
        count = values.get(PLURALS[key][0]) if key in PLURALS else None
        if isinstance(count, int) and not isinstance(count, bool):
            # ngettext: the catalog's plural form for this count (language's own plural rules).
            got = self._catalog(language).ngettext(key, key + PLURAL_SUFFIX, count)
            if got in (key, key + PLURAL_SUFFIX):
                got = ja if language == "ja" else PLURALS[key][2 if count == 1 else 3]
        else:
            got = self._catalog(language).gettext(key)
        if got == key:
            got = ja if language == "ja" else en
        return got.format_map(_Keep(values)) if "{" in got else got

    def has(self, key: str, language: str) -> bool:
        """Whether the catalog of ``language`` translates ``key`` (tests: completeness)."""
        return self._catalog(language).gettext(key) != key
