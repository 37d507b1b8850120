"""Service rules as pure functions of a time (Asia/Tokyo) and resident facts."""

from __future__ import annotations

import datetime as dt

import pytest

from server_stub.errors import NotAvailableError, RequestError
from server_stub.municipalities import CATALOGUE
from server_stub.rules import (
    JST,
    ResidentFacts,
    check_service_hours,
    latest_fiscal_year,
    municipalities_for,
    service_status,
    validate_order,
)
from server_stub.wareki import wareki

MUNI = {m.code: m for m in CATALOGUE}
MIHON, KAKU, SHIKEN, MOGI = (MUNI[c] for c in ("139991", "279992", "019993", "409994"))
WED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST)
BASE = ResidentFacts(
    "R1",
    "139991",
    "active",
    has_seal=True,
    tax_years=frozenset({2025, 2026}),
    honseki="139991",
    household_size=3,
)


def at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=JST)


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("2026-11-25T06:29:59", "closed_hours"),
        ("2026-11-25T06:30:00", None),
        ("2026-11-25T22:59:59", None),
        ("2026-11-25T23:00:00", "closed_hours"),
        ("2026-12-28T12:00:00", None),
        ("2026-12-29T12:00:00", "year_end"),
        ("2027-01-03T12:00:00", "year_end"),
        ("2027-01-04T06:30:00", None),
    ],
)
def test_service_hours(when: str, reason: str | None) -> None:
    if reason is None:
        check_service_hours(at(when))
        return
    with pytest.raises(NotAvailableError) as e:
        check_service_hours(at(when))
    assert (e.value.error_code, e.value.reason) == ("outside_hours", reason)


def test_hours_are_tokyo_time_whatever_the_input_zone() -> None:
    with pytest.raises(NotAvailableError):
        check_service_hours(dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC))  # 23:30 in Tokyo
    check_service_hours(dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))  # 10:00 in Tokyo


def test_maintenance_days_and_weekday_only() -> None:
    assert (
        service_status(MOGI, "juminhyo", "residence", BASE, at("2026-11-26T10:00:00")) == "maintenance"
    )  # 4th Thu
    assert service_status(MOGI, "juminhyo", "residence", BASE, at("2026-11-19T10:00:00")) is None
    assert service_status(KAKU, "koseki", "residence", BASE, at("2026-11-28T10:00:00")) == "weekday_only"
    assert service_status(KAKU, "koseki", "residence", BASE, at("2026-11-25T17:00:00")) == "weekday_only"
    assert service_status(KAKU, "koseki", "residence", BASE, at("2026-11-25T16:59:00")) is None
    assert service_status(MOGI, "koseki", "residence", BASE, at("2026-11-25T08:29:00")) == "weekday_only"


@pytest.mark.parametrize(
    ("facts", "cert", "reason"),
    [
        (ResidentFacts("R", "139991", "moved_out", honseki="139991"), "juminhyo", "moved_out"),
        (ResidentFacts("R", "139991", "active", support_measure=True), "juminhyo", "support_measure"),
        (ResidentFacts("R", "139991", "active"), "inkan", "no_seal_registered"),
        (ResidentFacts("R", "139991", "active", tax_years=frozenset({2019})), "kazei", "no_tax_return"),
        (ResidentFacts("R", "139991", "active", foreign=True), "koseki", "no_koseki"),
        (ResidentFacts("R", "139991", "active"), "nothing", "not_offered"),
    ],
)
def test_eligibility_reasons(facts: ResidentFacts, cert: str, reason: str) -> None:
    assert service_status(MIHON, cert, "residence", facts, WED) == reason


def test_moved_out_keeps_the_honseki_services() -> None:
    f = ResidentFacts("R", "139991", "moved_out", honseki="139991")
    assert service_status(MIHON, "koseki", "residence", f, WED) is None


def test_municipality_list_with_honseki_elsewhere() -> None:
    f = ResidentFacts("R", "279992", "active", honseki="139991", honseki_registered=False)
    munis = municipalities_for(f, MUNI, WED)
    assert [(m["code"], m["relation"]) for m in munis] == [("279992", "residence"), ("139991", "honseki")]
    assert {s["certificate"] for s in munis[0]["services"]} == {"juminhyo", "inkan", "kazei"}
    assert all(s["reason"] == "honseki_not_registered" for s in munis[1]["services"])
    reg = ResidentFacts("R", "279992", "active", honseki="139991", honseki_registered=True)
    assert all(s["available"] for s in municipalities_for(reg, MUNI, WED)[1]["services"])


def test_fees_and_offers_differ_between_municipalities() -> None:
    assert MIHON.services["juminhyo"].fee != KAKU.services["juminhyo"].fee
    assert MIHON.my_number_on_juminhyo and not KAKU.my_number_on_juminhyo
    assert "kazei" not in SHIKEN.services and "inkan" not in MOGI.services
    assert MIHON.mayor_line == "東京都見本市長　雛形　正雄" and MIHON.seal_text == "見本市長之印"
    assert SHIKEN.tax_names == ("町民税", "道民税")


def test_validate_order_normalizes_and_refuses() -> None:
    opts = validate_order(
        MIHON,
        "juminhyo",
        "residence",
        BASE,
        options={"scope": "household", "my_number": True},
        copies=1,
        now=WED,
    )
    assert opts == {
        "scope": "household",
        "householder_relationship": False,
        "honseki": False,
        "my_number": True,
    }
    with pytest.raises(RequestError) as e:
        validate_order(KAKU, "juminhyo", "residence", BASE, options={"my_number": True}, copies=1, now=WED)
    assert e.value.error_code == "option_not_allowed"
    with pytest.raises(RequestError) as e:
        validate_order(MIHON, "juminhyo", "residence", BASE, options={"my_number": "yes"}, copies=1, now=WED)
    assert e.value.error_code == "option_invalid"
    with pytest.raises(RequestError) as e:
        validate_order(MIHON, "juminhyo", "residence", BASE, options={}, copies=True, now=WED)
    assert e.value.error_code == "copies_invalid"
    with pytest.raises(RequestError) as e:
        validate_order(MIHON, "kazei", "residence", BASE, options={"year": 2020}, copies=1, now=WED)
    assert e.value.error_code == "year_not_offered"
    with pytest.raises(NotAvailableError) as n:
        validate_order(MIHON, "kazei", "residence", BASE, options={"year": 2024}, copies=1, now=WED)
    assert n.value.reason == "no_tax_return"
    assert validate_order(MIHON, "kazei", "residence", BASE, options={}, copies=1, now=WED) == {"year": 2026}
    single = ResidentFacts("R1", "139991", "active")
    with pytest.raises(RequestError):
        validate_order(
            MIHON, "juminhyo", "residence", single, options={"scope": "household"}, copies=1, now=WED
        )


def test_tax_year_switches_in_june() -> None:
    assert latest_fiscal_year(at("2026-05-31T12:00:00")) == 2025
    assert latest_fiscal_year(at("2026-06-01T12:00:00")) == 2026


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(2026, 11, 25), "令和8年11月25日"),
    ],
)
def test_wareki(d: dt.date, text: str) -> None:
    assert wareki(d) == text
