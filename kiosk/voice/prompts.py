"""The words of each spoken prompt, and every text a kiosk may speak (the clips to render).

``spoken(view, tr)`` turns ``kiosk.flow.guidance.prompt(view)`` into sentences in the view's language,
filled like the screen's own texts.  ``inventory(tr, languages)`` lists every sentence the kiosk can
say without knowing the resident's amounts, with page counts and the time left of ordinary print jobs;
``amount_inventory`` adds the sentences with money for the fees a kiosk is configured for (the fee of
each fee × copies, the same amounts paid back, 「あと◯円」 and change in 50-yen steps).  The render step
makes a clip of each.  Any other amount is rendered in the background the first time it is needed and
shown as text meanwhile (docs/kiosk-ui.md §7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from contracts.center import MAX_COPIES
from contracts.jst import reiwa_number
from kiosk.flow.guidance import STEP_KEYS, prompt
from kiosk.flow.view import View
from kiosk.ui.i18n import Translator, format_yen, source_messages

__all__ = ["FINITE", "PAGES_AHEAD", "PLACEHOLDER", "amount_inventory", "amounts", "inventory", "speakable",
           "spoken", "voice_values"]

# Placeholders with few values, rendered ahead for each of them.
FINITE: dict[str, tuple[object, ...]] = {"tries": (1, 2, 3), "max": tuple(range(1, MAX_COPIES + 1))}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Sentences with two numbers or with ranges too long to say all, rendered ahead for these values:
PAGES_AHEAD = 6  # 「2/3枚目を印刷しています」 for every page of jobs of up to this many pages
_RANGES: dict[str, tuple[dict[str, object], ...]] = {
    "printing.page": tuple({"page": p, "pages": n}
                           for n in range(1, PAGES_AHEAD + 1) for p in range(1, n + 1)),
    "printing.left_seconds": tuple({"left": s} for s in range(10, 61, 10)),  # the flow's 10-second steps
    "printing.left_minutes": tuple({"left": m} for m in range(2, 11)),
}
# Which amount each money placeholder takes (kiosk.voice.prompts.amounts).
# In the order they are rendered ahead (the most needed first).
_MONEY = {"fee": "total", "due": "due", "change": "change",
          "refund": "total", "paid": "total", "owed": "total"}
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
            continue  # money: amount_inventory; page counts and time left: _RANGES below
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
    out.update(_ranged(tr, languages))
    return out


def _ranged(tr: Translator, languages: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for key, values in _RANGES.items():
        for lang in languages:
            for v in values:
                yield lang, _clean(tr.text(key, lang, **v))


def amounts(fees: Iterable[int], max_copies: int, accepts: Iterable[int]) -> dict[str, tuple[int, ...]]:
    """The amounts a kiosk with these fees (yen per copy), copy limit and accepted money will say:
    ``total`` (each fee × 1..max_copies: the fee, and the same paid back after a failure), ``due``
    (「あと◯円」 in 50-yen steps below the largest total) and ``change`` (50-yen steps below the
    largest note or coin taken)."""
    totals = sorted({f * c for f in fees for c in range(1, max_copies + 1) if f > 0})
    if not totals:
        return {"total": (), "due": (), "change": ()}
    return {"total": tuple(totals), "due": tuple(range(50, max(totals), 50)),
            "change": tuple(range(50, max(accepts, default=0), 50))}


def amount_inventory(tr: Translator, languages: tuple[str, ...], fees: Iterable[int], max_copies: int,
                     accepts: Iterable[int]) -> list[tuple[str, str]]:
    """``(language, sentence)`` of every spoken sentence with money, for these fees (see ``amounts``),
    most needed first: the fee of each total, 「あと◯円」, change, then the (rarer, longer) sentences
    paying an amount back; a disk budget cuts from the end (``kiosk.voice.render.prepare_cache``)."""
    ladder = amounts(fees, max_copies, accepts)
    out: dict[tuple[str, str], None] = {}
    for name in _MONEY:
        for key, (ja, _en) in source_messages().items():
            if set(PLACEHOLDER.findall(ja)) != {name} or not speakable(key):
                continue
            for yen in ladder[_MONEY[name]]:
                for lang in languages:
                    out[(lang, _clean(tr.text(key, lang, **{name: format_yen(yen)})))] = None
    return list(out)
