"""個人住民税 figures for the synthetic 課税証明書: consistent amounts from one salary.

Simplified but internally consistent: 給与所得控除 per the post-2020 table, 住民税 deductions
(基礎 430,000; 配偶者 330,000; 扶養 一般 330,000), 所得割 6 % municipal + 4 % prefectural on the taxable
amount rounded down to 1,000 yen, 均等割 3,000 + 1,000 (docs/certificates.md §4 lists the items).
"""

from __future__ import annotations

from typing import Any

from server_stub.wareki import fiscal_year_label, income_year_label, yen

__all__ = ["salary_income", "tax_body"]


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


def tax_body(
    record: dict[str, Any], fiscal_year: int, resident: dict[str, Any], muni_tax: str, pref_tax: str
) -> dict[str, Any]:
    salary = int(record["salary"])
    income = salary_income(salary)
    social = salary * 15 // 100
    spouse = 330_000 if record.get("spouse") else 0
    general = 330_000 * int(record.get("dependents_general", 0))
    basic = 430_000
    deductions = [
        ["社会保険料控除", yen(social)],
        ["配偶者控除", yen(spouse)],
        ["扶養控除", yen(general)],
        ["基礎控除", yen(basic)],
    ]
    total_ded = social + spouse + general + basic
    taxable = max(0, income - total_ded) // 1000 * 1000
    muni_income = taxable * 6 // 100 // 100 * 100
    pref_income = taxable * 4 // 100 // 100 * 100
    muni_flat, pref_flat = (3_000, 1_000) if income > 450_000 else (0, 0)
    annual = muni_income + pref_income + muni_flat + pref_flat
    return {
        "fiscal_year": fiscal_year_label(fiscal_year),
        "income_year": income_year_label(fiscal_year),
        "address": resident["address"],
        "name": resident["name"],
        "sex": resident["sex"],
        "income": [["給与収入", yen(salary)], ["給与所得", yen(income)]],
        "total_income": yen(income),
        "deductions": deductions,
        "deductions_total": yen(total_ded),
        "dependents": [
            ["控除対象配偶者", "有" if spouse else "無"],
            ["扶養親族（一般）", f"{int(record.get('dependents_general', 0))}人"],
            ["扶養親族（16歳未満）", f"{int(record.get('dependents_young', 0))}人"],
        ],
        "taxable": [["課税標準額（総合）", yen(taxable)]],
        "tax": [
            [f"{muni_tax}　所得割額", yen(muni_income)],
            [f"{muni_tax}　均等割額", yen(muni_flat)],
            [f"{pref_tax}　所得割額", yen(pref_income)],
            [f"{pref_tax}　均等割額", yen(pref_flat)],
        ],
        "annual_tax": yen(annual),
    }
