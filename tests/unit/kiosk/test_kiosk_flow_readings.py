"""Readings of names from the center (issue 18 "Names"): parsed when present, optional, typed, and
carried to the municipality and member choices of the view (the screen shows them)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fixtures.kiosk_flow import PIN, RAW_MUNICIPALITIES, Kiosk

from kiosk.flow import State, parse_municipalities
from kiosk.flow import events as evt
from kiosk.flow.errors import CenterDataError


def _with_readings() -> list[dict[str, Any]]:
    raw = copy.deepcopy(RAW_MUNICIPALITIES)
    raw[0]["reading"] = "とうきょうと　みほんし"
    juminhyo = next(s for s in raw[0]["services"] if s.get("members"))
    juminhyo["members"][0]["reading"] = "ミホン　タロウ"  # the second member has none registered
    return raw


def test_readings_are_parsed_and_optional() -> None:
    munis = parse_municipalities(_with_readings())
    assert munis[0].reading == "とうきょうと　みほんし"
    assert munis[1].reading is None
    members = next(s for s in munis[0].services if s.members).members
    assert [m.reading for m in members] == ["ミホン　タロウ", None]
    assert "ミホン" not in repr(members)  # like the name, never in a repr (logs)


@pytest.mark.parametrize("where", ["municipality", "member"])
def test_a_reading_of_the_wrong_type_is_refused(where: str) -> None:
    raw = _with_readings()
    if where == "municipality":
        raw[0]["reading"] = 42
    else:
        next(s for s in raw[0]["services"] if s.get("members"))["members"][1]["reading"] = ["ミ"]
    with pytest.raises(CenterDataError, match="reading"):
        parse_municipalities(raw)


def test_choices_carry_the_readings() -> None:
    k = Kiosk()
    k.to_pin()
    k.send(*(evt.PinDigit(d) for d in PIN), evt.PinSubmitted())
    k.send(evt.PinResult(True, 3), evt.Authenticated("s", parse_municipalities(_with_readings())))
    assert k.state is State.MUNICIPALITY
    by_code = {c.key: c for c in k.flow.view.choices}
    code0, code1 = (m["code"] for m in RAW_MUNICIPALITIES[:2])
    assert by_code[code0].reading == "とうきょうと　みほんし"
    assert by_code[code1].reading is None
    k.send(evt.MunicipalityChosen(code0, RAW_MUNICIPALITIES[0]["relation"]),
           evt.CertificateChosen("juminhyo"), evt.WhoseChosen("members"))
    assert k.state is State.MEMBERS
    assert [c.reading for c in k.flow.view.choices] == ["ミホン　タロウ", None]
