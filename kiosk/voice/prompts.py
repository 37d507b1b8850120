"""The words of each spoken prompt, and every text a kiosk may speak (the clips to render).

``spoken(view, tr)`` turns ``kiosk.flow.guidance.prompt(view)`` into sentences in the view's language,
filled like the screen's own texts.  ``inventory(tr, languages)`` lists every sentence the kiosk can
say without knowing the resident's amounts: the render step makes a clip of each.  Amounts of money
and page counts are not known in advance; sentences with them are rendered in the background the
first time they are needed and shown as text meanwhile (docs/kiosk-ui.md §7).
"""

from __future__ import annotations

import re

from contracts.center import MAX_COPIES
from contracts.jst import reiwa_number
from kiosk.flow.guidance import STEP_KEYS, prompt
from kiosk.flow.view import View
from kiosk.ui.i18n import Translator, format_yen, source_messages

__all__ = ["FINITE", "PLACEHOLDER", "inventory", "speakable", "spoken", "voice_values"]

# Placeholders with few values, rendered ahead for each of them.
FINITE: dict[str, tuple[object, ...]] = {"tries": (1, 2, 3), "max": tuple(range(1, MAX_COPIES + 1))}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NOT_SPOKEN = ("service.", "screen.service_", "attract.slide.", "pin.digits", "label.", "idle.seconds")


def voice_values(v: View) -> dict[str, object]:
    """The view's placeholder values, formatted like the screens' (``kiosk/ui/screens.py``)."""
    return {
        "tries": v.tries_left if v.tries_left is not None else "", "max": v.max_copies,
        "fee": format_yen(v.fee or 0), "inserted": format_yen(v.inserted), "change": format_yen(v.change),
        "refund": format_yen(v.refund), "done": v.pages_done, "pages": v.pages_total or "-",
        "page": v.page_now, "left": v.print_left if v.print_left is not None else "",
        "year": v.tax_year or "", "reiwa": reiwa_number(v.tax_year) if v.tax_year else "",
        "paid": format_yen(v.paid), "due": format_yen(v.due),
        "money": "・".join(format_yen(yen) for yen in v.accepted),
    }


def _clean(text: str) -> str:
    # Line breaks are layout, not pauses the engines understand.
    return " ".join(text.split())


def spoken(view: View, tr: Translator) -> tuple[tuple[str, str], ...]:
    """``(key, sentence)`` of each part of the prompt of ``view``, in its language."""
    values = voice_values(view)
    return tuple((key, _clean(tr.text(key, view.language, **values))) for key in prompt(view))


def speakable(key: str) -> bool:
    """Whether ``key`` is a resident text the kiosk may speak (not staff-only, not a bare label)."""
    return not key.startswith(_NOT_SPOKEN) or key in STEP_KEYS


def inventory(tr: Translator, languages: tuple[str, ...]) -> set[tuple[str, str]]:
    """``(language, sentence)`` of every prompt and control label that can be rendered ahead."""
    out: set[tuple[str, str]] = set()
    for key, (ja, _en) in source_messages().items():
        if not speakable(key):
            continue
        names = set(PLACEHOLDER.findall(ja))
        if not names <= set(FINITE):
            continue  # amounts and page counts: rendered when first needed
        if key.startswith("language."):  # a language's name is spoken in that language
            code = key.removeprefix("language.")
            out.add((code, _clean(tr.text(key, code))))
            continue
        for lang in languages:
            if not names:
                out.add((lang, _clean(tr.text(key, lang))))
                continue
            name = next(iter(names))  # every finite-valued text has one placeholder
            for value in FINITE[name]:
                out.add((lang, _clean(tr.text(key, lang, **{name: value}))))
    return out
