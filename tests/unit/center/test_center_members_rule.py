"""The 世帯の一部 rule as a pure function (server_stub.rules): whom may be chosen, and the order check."""

from __future__ import annotations

import datetime as dt

import pytest

from server_stub.errors import RequestError
from server_stub.municipalities import CATALOGUE
from server_stub.rules import JST, ResidentFacts, choosable_members, municipalities_for, validate_order

MIHON = next(m for m in CATALOGUE if m.code == "139991")
WED = dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST)
MEMBERS = (("R1", "見本　一郎"), ("R2", "見本　花子"), ("R3", "見本　太郎"))
FACTS = ResidentFacts("R1", "139991", "active", has_seal=True, honseki="139991", household_size=3,
                      household_members=MEMBERS)


def _order(options: dict[str, object]) -> dict[str, object]:
    return validate_order(MIHON, "juminhyo", "residence", FACTS, options=options, copies=1, now=WED)


def test_listed_in_the_session_for_juminhyo_only() -> None:
    munis = municipalities_for(FACTS, {m.code: m for m in CATALOGUE}, WED)
    services = {s["certificate"]: s for s in munis[0]["services"]}
    assert services["juminhyo"]["members"] == [{"id": i, "name": n} for i, n in MEMBERS]
    assert "members" not in services["inkan"]


def test_alone_in_the_household_there_is_nothing_to_choose() -> None:
    alone = ResidentFacts("R9", "139991", "active", household_size=1, household_members=(("R9", "x"),))
    assert choosable_members(alone) == ()


def test_members_issued_in_household_order() -> None:
    out = _order({"scope": "members", "members": ["R3", "R1"]})
    assert (out["scope"], out["members"]) == ("members", ["R1", "R3"])


@pytest.mark.parametrize(("members", "code"), [
    (["R2"], "option_not_allowed"),  # the resident must be among them
    (["R1", "R4"], "option_invalid"),  # not in the household
    (["R1", "R1"], "option_invalid"),
    ([], "option_invalid"),
    ("R1", "option_invalid"),
])
def test_who_may_not_be_chosen(members: object, code: str) -> None:
    with pytest.raises(RequestError) as e:
        _order({"scope": "members", "members": members})
    assert e.value.error_code == code
