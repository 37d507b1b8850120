"""個人住民税 figures for the synthetic 課税証明書, all derived from one tax record.

The rules (docs/document-content.md "課税証明書: the arithmetic" cites them and works examples):

- 給与所得 = 給与収入 − 給与所得控除 (the table in force since 令和2年分).
- 所得控除 at the 住民税 amounts: 基礎 430,000; 配偶者 330,000 (老人 380,000); 扶養 一般 330,000,
  特定 450,000, 老人 380,000, 同居老親 450,000; 障害者 普通 260,000, 特別 300,000; 寡婦 260,000;
  ひとり親 300,000; 勤労学生 260,000.
- 課税標準額 = 総所得金額等 − 所得控除合計, rounded down to 1,000 yen.
- 所得割 = 課税標準額 × 6 % (市) / 4 % (都道府県) − 調整控除, rounded down to 100 yen.
- 調整控除 (地方税法 第37条 / 第314条の6): from 人的控除額の差 (the income-tax deduction minus the
  住民税 one, per deduction, from the statutory table) and the taxable amount A:
  A ≤ 2,000,000 → min(差, A) × 5 %; otherwise max(差 − (A − 2,000,000), 50,000) × 5 %; nothing when
  合計所得金額 > 25,000,000.  The 5 % is split 3 % 市 / 2 % 都道府県.
- 均等割 3,000 + 1,000 and the national 森林環境税 1,000 (from 令和6年度), none at 合計所得 ≤ 450,000.

The synthetic registry has salary income only, so 合計所得金額 = 総所得金額等 = 給与所得.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server_stub.wareki import fiscal_year_label, income_year_label, yen

__all__ = ["TaxFigures", "adjustment_credit", "compute", "personal_gap", "salary_income", "tax_body"]

# 住民税 deduction per person / status, yen.
SPOUSE = {"general": 330_000, "elderly": 380_000}
DEPENDANT = {"general": 330_000, "specific": 450_000, "elderly": 380_000, "elderly_cohabiting": 450_000}
DISABLED = {"ordinary": 260_000, "special": 300_000}
WIDOW = 260_000
SINGLE_PARENT = 300_000
WORKING_STUDENT = 260_000
BASIC = 430_000
# 人的控除額の差 (地方税法 第37条 table), yen.
GAP_BASIC = 50_000
GAP_DEPENDANT = {"general": 50_000, "specific": 180_000, "elderly": 100_000, "elderly_cohabiting": 130_000}
GAP_DISABLED = {"ordinary": 10_000, "special": 100_000}
GAP_WIDOW = 10_000
GAP_SINGLE_PARENT = {"mother": 50_000, "father": 10_000}
GAP_WORKING_STUDENT = 10_000
# 配偶者控除's gap falls with the taxpayer's 合計所得金額: (upper bound, 一般, 老人).
GAP_SPOUSE = ((9_000_000, 50_000, 100_000), (9_500_000, 40_000, 60_000), (10_000_000, 20_000, 30_000))
MUNI_RATE, PREF_RATE = 6, 4  # percent
MUNI_ADJ, PREF_ADJ = 3, 2  # percent of the 調整控除 base


def salary_income(salary: int) -> int:
    """給与所得 = 給与収入 − 給与所得控除 (table in force since 令和2年分)."""
    if salary <= 1_625_000:
        deduction = 550_000
    elif salary <= 1_800_000:
        deduction = salary * 40 // 100 - 100_000
    elif salary <= 3_600_000:
        deduction = salary * 30 // 100 + 80_000
    elif salary <= 6_600_000:
        deduction = salary * 20 // 100 + 440_000
    elif salary <= 8_500_000:
        deduction = salary * 10 // 100 + 1_100_000
    else:
        deduction = 1_950_000
    return max(0, salary - deduction)


def _n(record: dict[str, Any], key: str) -> int:
    return int(record.get(key, 0) or 0)


def _spouse(record: dict[str, Any]) -> str | None:
    """``"general"`` / ``"elderly"`` / None; a bare ``true`` (older data directories) is 一般."""
    v = record.get("spouse")
    if v is True:
        return "general"
    return v if v in ("general", "elderly") else None


def personal_gap(record: dict[str, Any], total_income: int) -> int:
    """人的控除額の差の合計 for one record (the statutory table, not the basic gap alone)."""
    gap = GAP_BASIC
    spouse = _spouse(record)
    if spouse in ("general", "elderly"):
        for bound, general, elderly in GAP_SPOUSE:
            if total_income <= bound:
                gap += general if spouse == "general" else elderly
                break
    for kind, amount in GAP_DEPENDANT.items():
        gap += amount * _n(record, f"dependents_{kind}")
    for kind, amount in GAP_DISABLED.items():
        gap += amount * _n(record, f"disabled_{kind}")
    if record.get("widow"):
        gap += GAP_WIDOW
    parent = record.get("single_parent")
    if parent in GAP_SINGLE_PARENT:
        gap += GAP_SINGLE_PARENT[parent]
    if record.get("working_student"):
        gap += GAP_WORKING_STUDENT
    return gap


def adjustment_credit(taxable: int, gap: int, total_income: int) -> tuple[int, int]:
    """調整控除 as (市町村民税, 道府県民税) for 課税標準額 ``taxable``."""
    if total_income > 25_000_000 or taxable <= 0:
        return 0, 0
    base = min(gap, taxable) if taxable <= 2_000_000 else max(gap - (taxable - 2_000_000), 50_000)
    return base * MUNI_ADJ // 100, base * PREF_ADJ // 100


@dataclass(frozen=True)
class TaxFigures:
    salary: int
    income: int
    deductions: tuple[tuple[str, int], ...]
    deductions_total: int
    taxable: int
    gap: int
    adjustment: tuple[int, int]
    muni_income: int
    pref_income: int
    muni_flat: int
    pref_flat: int
    forest: int

    @property
    def annual(self) -> int:
        return self.muni_income + self.pref_income + self.muni_flat + self.pref_flat + self.forest


def compute(record: dict[str, Any], fiscal_year: int) -> TaxFigures:
    """All figures of one 課税証明書 from one record."""
    salary = int(record["salary"])
    income = salary_income(salary)
    social = int(record.get("social_insurance", salary * 15 // 100))
    spouse = _spouse(record)
    deductions = (
        ("社会保険料控除", social),
        ("生命保険料控除", _n(record, "life_insurance")),
        ("地震保険料控除", _n(record, "earthquake_insurance")),
        ("配偶者控除", SPOUSE[spouse] if spouse and income <= 10_000_000 else 0),
        ("扶養控除", sum(a * _n(record, f"dependents_{k}") for k, a in DEPENDANT.items())),
        ("障害者控除", sum(a * _n(record, f"disabled_{k}") for k, a in DISABLED.items())),
        (
            "寡婦・ひとり親控除",
            SINGLE_PARENT if record.get("single_parent") else WIDOW if record.get("widow") else 0,
        ),
        ("勤労学生控除", WORKING_STUDENT if record.get("working_student") else 0),
        ("基礎控除", BASIC),
    )
    total_ded = sum(v for _, v in deductions)
    taxable = max(0, income - total_ded) // 1000 * 1000
    gap = personal_gap(record, income)
    adj = adjustment_credit(taxable, gap, income)
    muni_income = max(0, taxable * MUNI_RATE // 100 - adj[0]) // 100 * 100
    pref_income = max(0, taxable * PREF_RATE // 100 - adj[1]) // 100 * 100
    levied = income > 450_000
    return TaxFigures(
        salary=salary,
        income=income,
        deductions=deductions,
        deductions_total=total_ded,
        taxable=taxable,
        gap=gap,
        adjustment=adj,
        muni_income=muni_income,
        pref_income=pref_income,
        muni_flat=3_000 if levied else 0,
        pref_flat=1_000 if levied else 0,
        forest=1_000 if levied and fiscal_year >= 2024 else 0,
    )


def _status(record: dict[str, Any]) -> str:
    parent = record.get("single_parent")
    if parent:
        return "ひとり親"
    return "寡婦" if record.get("widow") else "－"


def tax_body(
    record: dict[str, Any], fiscal_year: int, resident: dict[str, Any], muni_tax: str, pref_tax: str
) -> dict[str, Any]:
    f = compute(record, fiscal_year)
    spouse = _spouse(record)
    tax = [
        [f"{muni_tax}所得割額", yen(f.muni_income)],
        [f"{muni_tax}均等割額", yen(f.muni_flat)],
        [f"{pref_tax}所得割額", yen(f.pref_income)],
        [f"{pref_tax}均等割額", yen(f.pref_flat)],
    ]
    if fiscal_year >= 2024:
        tax.append(["森林環境税", yen(f.forest)])
    return {
        "fiscal_year": fiscal_year_label(fiscal_year),
        "income_year": income_year_label(fiscal_year),
        "address": resident["address"],
        "name": resident["name"],
        "sex": resident["sex"],
        "income": [["給与収入", yen(f.salary)], ["給与所得", yen(f.income)]],
        "total_income": yen(f.income),
        "aggregate_income": yen(f.income),
        "deductions": [[label, yen(v)] for label, v in f.deductions],
        "deductions_total": yen(f.deductions_total),
        "dependents": [
            ["控除対象配偶者", {"general": "有", "elderly": "有（老人）"}.get(str(spouse), "無")],
            ["一般", f"{_n(record, 'dependents_general')}人"],
            ["特定", f"{_n(record, 'dependents_specific')}人"],
            ["老人", f"{_n(record, 'dependents_elderly')}人"],
            ["同居老親", f"{_n(record, 'dependents_elderly_cohabiting')}人"],
            ["16歳未満", f"{_n(record, 'dependents_young')}人"],
            ["特別障害者", f"{_n(record, 'disabled_special')}人"],
            ["普通障害者", f"{_n(record, 'disabled_ordinary')}人"],
            ["寡婦・ひとり親", _status(record)],
            ["勤労学生", "該当" if record.get("working_student") else "－"],
        ],
        "taxable": [["総合課税標準額", yen(f.taxable)], ["分離課税標準額", "0"]],
        "tax": tax,
        "annual_tax": yen(f.annual),
    }
