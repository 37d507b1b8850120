"""National holidays (issue 11): 戸籍 services that run on weekdays only are closed on 国民の祝日 and
振替休日 too; every other service is not affected.  Dates are from the Cabinet Office's calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.flow.codes import reason_key
from kiosk.flow.messages import MESSAGES
from server_stub.municipalities import CATALOGUE
from server_stub.openapi import REASONS as API_REASONS
from server_stub.rules import JST, ResidentFacts, national_holiday, service_status

KAKU = next(m for m in CATALOGUE if m.code == "279992")  # 戸籍 and 附票 09:00-17:00 on weekdays
FACTS = ResidentFacts("R1", "279992", "active", has_seal=True, honseki="279992", household_size=1)


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=JST)


@pytest.mark.parametrize(("day", "name"), [
    ("2027-03-22", "振替休日"),  # Monday after 春分の日 (Sunday 2027-03-21)
    ("2026-07-20", "海の日"),  # a holiday Monday
    ("2026-05-06", "振替休日"),  # Wednesday after 憲法記念日 on a Sunday
    ("2026-09-22", "国民の休日"),  # a Tuesday between two holidays
])
def test_koseki_closed_on_national_holidays(day: str, name: str) -> None:
    assert national_holiday(dt.date.fromisoformat(day)) == name
    for cert in ("koseki", "fuhyo"):
        assert service_status(KAKU, cert, "residence", FACTS, at(day)) == "national_holiday"
    # 住民票 and 印鑑 run every day: a holiday does not close them.
    assert service_status(KAKU, "juminhyo", "residence", FACTS, at(day)) is None
    assert service_status(KAKU, "inkan", "residence", FACTS, at(day)) is None


@pytest.mark.parametrize("day", ["2027-03-19", "2027-03-23", "2026-07-21", "2026-05-07"])
def test_koseki_open_on_the_working_days_around_them(day: str) -> None:
    assert national_holiday(dt.date.fromisoformat(day)) is None
    assert service_status(KAKU, "koseki", "residence", FACTS, at(day)) is None


def test_weekend_stays_weekday_only_and_hours_still_apply() -> None:
    assert service_status(KAKU, "koseki", "residence", FACTS, at("2027-03-21")) == "weekday_only"  # Sunday
    assert service_status(KAKU, "koseki", "residence", FACTS, at("2027-03-23", "17:30")) == "weekday_only"


def test_the_reason_is_in_the_api_and_said_in_every_kiosk_language() -> None:
    assert "national_holiday" in API_REASONS
    key = reason_key("national_holiday")
    assert key == "reason.national_holiday"
    ja, en = MESSAGES[key]
    assert "祝日" in ja and "holiday" in en
