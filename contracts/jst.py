"""Japan time and the Japanese era (和暦): one definition for the center's documents, the kiosk's
screens and counters, and the printed receipts (docs/certificates.md §7).

Certificates date everything in 和暦, with year 1 of an era written 元年; tax years are 令和.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["ERAS", "JST", "era", "era_year_text", "reiwa_number", "reiwa_year", "wareki"]

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name): the eras a living person's dates can fall in, newest first.
ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
)
_REIWA_BASE = 2018  # 令和元年 = 2019


def era(d: dt.date) -> tuple[str, int]:
    """``2026-11-26`` → ``("令和", 8)``."""
    for start, name in ERAS:
        if d >= start:
            return name, d.year - start.year + 1
    return "明治", d.year - 1867


def era_year_text(n: int) -> str:
    """An era's year as printed: 1 → 「元」."""
    return "元" if n == 1 else str(n)


def wareki(d: dt.date) -> str:
    """``2026-11-26`` → 「令和8年11月26日」."""
    name, n = era(d)
    return f"{name}{era_year_text(n)}年{d.month}月{d.day}日"


def reiwa_number(year: int) -> int:
    """The 令和 number of a Gregorian (fiscal) year: 2026 → 8 (the kiosk's tax-year buttons)."""
    return year - _REIWA_BASE


def reiwa_year(year: int) -> str:
    """Gregorian year → 「令和N」 (tax years are 令和 here; 平成 before 2019)."""
    n = reiwa_number(year)
    return f"令和{era_year_text(n)}" if n >= 1 else f"平成{year - 1988}"
