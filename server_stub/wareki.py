"""和暦 dates and the display formats the certificates use (certificates.md §7)."""

from __future__ import annotations

import datetime as dt

__all__ = ["fiscal_year_label", "income_year_label", "reiwa_year", "wareki", "yen"]

# (first day, era name): the eras a living person's dates can fall in.
_ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
)


def _era(d: dt.date) -> tuple[str, int]:
    for start, name in _ERAS:
        if d >= start:
            return name, d.year - start.year + 1
    return "明治", d.year - 1867


def _year_text(n: int) -> str:
    # Year 1 of an era is written 元年 (certificates.md §7).
    return "元" if n == 1 else str(n)


def wareki(d: dt.date) -> str:
    """``2026-11-26`` → 「令和8年11月26日」."""
    era, n = _era(d)
    return f"{era}{_year_text(n)}年{d.month}月{d.day}日"


def reiwa_year(year: int) -> str:
    """Gregorian year → 「令和N」 (tax years are always in 令和 here)."""
    n = year - 2018
    return f"令和{_year_text(n)}" if n >= 1 else f"平成{year - 1988}"


def fiscal_year_label(fiscal_year: int) -> str:
    """Tax 年度 N (income of year N-1, certificates.md §4) → 「令和8年度」."""
    return f"{reiwa_year(fiscal_year)}年度"


def income_year_label(fiscal_year: int) -> str:
    return f"{reiwa_year(fiscal_year - 1)}年分"


def yen(amount: int) -> str:
    """Amount with thousands separators, as printed: 4800000 → 「4,800,000」."""
    return f"{amount:,}"
