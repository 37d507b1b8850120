"""個人住民税 arithmetic against the worked examples in docs/document-content.md ("課税証明書: the
arithmetic").  Every expected figure below was worked out by hand from the cited rules; none is
computed with server_stub.taxcalc."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_stub.taxcalc import adjustment_credit, compute, personal_gap, tax_body

RESIDENT = {"address": "東京都見本市さくら町一丁目2番3号", "name": "見本　太郎", "sex": "男"}

# (record, 課税標準額, 市所得割, 都所得割, 年税額) — docs/document-content.md examples 1-5.
EXAMPLES: list[tuple[dict[str, Any], int, int, int, int]] = [
    # 1: the issue's case: 控除対象配偶者 有 → 差 100,000, 調整控除 3,000 + 2,000.
    (
        {
            "salary": 4_800_000,
            "social_insurance": 700_000,
            "life_insurance": 28_000,
            "earthquake_insurance": 5_000,
            "spouse": "general",
            "dependents_young": 2,
        },
        1_907_000,
        111_400,
        74_200,
        190_600,
    ),
    # 2: A > 2,000,000 and the excess swallows the 差: the 2,500 minimum (1,500 + 1,000).
    (
        {"salary": 7_000_000, "social_insurance": 1_050_000, "dependents_specific": 1},
        3_270_000,
        194_700,
        129_800,
        329_500,
    ),
    # 3: ひとり親 (母) with a 特定扶養親族: 差 280,000 under A = 1,305,000.
    (
        {
            "salary": 4_500_000,
            "social_insurance": 675_000,
            "single_parent": "mother",
            "dependents_specific": 1,
        },
        1_305_000,
        69_900,
        46_600,
        121_500,
    ),
    # 4: 老人控除対象配偶者 and a 特別障害者: 差 250,000 − (2,150,000 − 2,000,000) = 100,000.
    (
        {
            "salary": 5_500_000,
            "social_insurance": 700_000,
            "spouse": "elderly",
            "disabled_special": 1,
        },
        2_150_000,
        126_000,
        84_000,
        215_000,
    ),
    # 5: 合計所得 450,000: no 所得割, no 均等割, no 森林環境税.
    ({"salary": 1_000_000, "social_insurance": 150_000}, 0, 0, 0, 0),
]


def _yen(s: str) -> int:
    return int(s.replace(",", ""))


@pytest.mark.parametrize(("record", "taxable", "muni", "pref", "annual"), EXAMPLES)
def test_worked_examples(record: dict[str, Any], taxable: int, muni: int, pref: int, annual: int) -> None:
    b = tax_body(record, 2026, RESIDENT, "市民税", "都民税")
    tax = dict(b["tax"])
    assert _yen(dict(b["taxable"])["総合課税標準額"]) == taxable
    assert _yen(tax["市民税所得割額"]) == muni
    assert _yen(tax["都民税所得割額"]) == pref
    assert _yen(b["annual_tax"]) == annual


def test_issue_example_prints_every_field() -> None:
    b = tax_body(EXAMPLES[0][0], 2026, RESIDENT, "市民税", "都民税")
    assert b["total_income"] == "3,400,000" and b["aggregate_income"] == "3,400,000"
    assert b["deductions_total"] == "1,493,000"
    assert dict(b["deductions"])["配偶者控除"] == "330,000"
    dep = dict(b["dependents"])
    assert dep["控除対象配偶者"] == "有" and dep["16歳未満"] == "2人"
    assert (dep["特別障害者"], dep["普通障害者"], dep["寡婦・ひとり親"]) == ("0人", "0人", "－")
    assert dict(b["tax"])["森林環境税"] == "1,000"


def test_status_rows() -> None:
    single = tax_body({"salary": 3_000_000, "single_parent": "father"}, 2026, RESIDENT, "市民税", "都民税")
    assert dict(single["dependents"])["寡婦・ひとり親"] == "ひとり親"
    assert dict(single["deductions"])["寡婦・ひとり親控除"] == "300,000"
    widow = tax_body({"salary": 3_000_000, "widow": True, "disabled_ordinary": 2}, 2026, RESIDENT, "市", "県")
    assert dict(widow["dependents"])["寡婦・ひとり親"] == "寡婦"
    assert dict(widow["dependents"])["普通障害者"] == "2人"
    assert dict(widow["deductions"])["障害者控除"] == "520,000"


@pytest.mark.parametrize(
    ("record", "income", "gap"),
    [
        ({}, 3_000_000, 50_000),  # 基礎 only
        ({"spouse": "general"}, 3_000_000, 100_000),
        ({"spouse": "elderly"}, 3_000_000, 150_000),
        ({"spouse": "general"}, 9_200_000, 90_000),  # 900万超950万以下: 4万
        ({"spouse": "elderly"}, 9_800_000, 80_000),  # 950万超1,000万以下: 3万
        ({"spouse": "general"}, 10_500_000, 50_000),  # no 配偶者控除 above 1,000万
        ({"dependents_general": 2}, 3_000_000, 150_000),
        ({"dependents_specific": 1}, 3_000_000, 230_000),
        ({"dependents_elderly": 1}, 3_000_000, 150_000),
        ({"dependents_elderly_cohabiting": 1}, 3_000_000, 180_000),
        ({"disabled_ordinary": 2}, 3_000_000, 70_000),
        ({"disabled_special": 1}, 3_000_000, 150_000),
        ({"widow": True}, 3_000_000, 60_000),
        ({"single_parent": "mother"}, 3_000_000, 100_000),
        ({"single_parent": "father"}, 3_000_000, 60_000),
        ({"working_student": True}, 3_000_000, 60_000),
    ],
)
def test_personal_gap_table(record: dict[str, Any], income: int, gap: int) -> None:
    assert personal_gap(record, income) == gap


@pytest.mark.parametrize(
    ("taxable", "gap", "income", "credit"),
    [
        (1_907_000, 100_000, 3_400_000, (3_000, 2_000)),
        (40_000, 100_000, 600_000, (1_200, 800)),  # 差 above A: 5 % of A
        (2_100_000, 230_000, 4_000_000, (3_900, 2_600)),  # (230,000 − 100,000) × 5 %
        (5_000_000, 50_000, 7_000_000, (1_500, 1_000)),  # the 2,500 minimum
        (20_000_000, 50_000, 26_000_000, (0, 0)),  # 合計所得 > 2,500万
    ],
)
def test_adjustment_credit_rule(taxable: int, gap: int, income: int, credit: tuple[int, int]) -> None:
    assert adjustment_credit(taxable, gap, income) == credit


RECORDS = st.fixed_dictionaries(
    {"salary": st.integers(0, 30_000_000)},
    optional={
        "spouse": st.sampled_from(["general", "elderly"]),
        "dependents_general": st.integers(0, 3),
        "dependents_specific": st.integers(0, 2),
        "dependents_elderly": st.integers(0, 2),
        "disabled_special": st.integers(0, 2),
        "disabled_ordinary": st.integers(0, 2),
        "widow": st.booleans(),
        "single_parent": st.sampled_from(["mother", "father"]),
    },
)


@settings(max_examples=200, deadline=None)
@given(RECORDS)
def test_figures_are_consistent(record: dict[str, Any]) -> None:
    f = compute(record, 2026)
    assert f.taxable % 1000 == 0 and f.muni_income % 100 == 0 and f.pref_income % 100 == 0
    assert f.taxable == max(0, f.income - f.deductions_total) // 1000 * 1000
    muni_adj, pref_adj = f.adjustment
    # The credit is 3 % / 2 % of one base, never more than 5 % of the 差 or of A, and at least the
    # 2,500 minimum wherever A exceeds 2,000,000 (合計所得 ≤ 2,500万).
    assert muni_adj * 2 == pref_adj * 3
    assert muni_adj + pref_adj <= max(f.gap, 50_000) * 5 // 100
    if 0 < f.taxable <= 2_000_000:
        assert muni_adj + pref_adj <= f.taxable * 5 // 100
    if f.taxable > 2_000_000 and f.income <= 25_000_000:
        assert muni_adj + pref_adj >= 2_500
    assert 0 <= f.muni_income <= f.taxable * 6 // 100
    assert 0 <= f.pref_income <= f.taxable * 4 // 100
    assert f.annual == f.muni_income + f.pref_income + f.muni_flat + f.pref_flat + f.forest


@settings(max_examples=100, deadline=None)
@given(RECORDS, st.sampled_from(["dependents_general", "dependents_specific", "disabled_special"]))
def test_one_more_dependant_never_raises_the_tax(record: dict[str, Any], key: str) -> None:
    more = {**record, key: int(record.get(key, 0)) + 1}
    assert compute(more, 2026).annual <= compute(record, 2026).annual
