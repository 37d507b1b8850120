"""The display formats the certificates use for years and money (docs/certificates.md §7); the era
arithmetic itself is ``contracts.jst``."""

from __future__ import annotations

from contracts.jst import reiwa_year, wareki

__all__ = ["fiscal_year_label", "income_year_label", "reiwa_year", "wareki", "yen"]

def fiscal_year_label(fiscal_year: int) -> str:
    """Tax 年度 N (income of year N-1, docs/certificates.md §4) → 「令和8年度」."""
    return f"{reiwa_year(fiscal_year)}年度"


def income_year_label(fiscal_year: int) -> str:
    return f"{reiwa_year(fiscal_year - 1)}年分"


def yen(amount: int) -> str:
    """Amount with thousands separators, as printed: 4800000 → 「4,800,000」."""
    return f"{amount:,}"
