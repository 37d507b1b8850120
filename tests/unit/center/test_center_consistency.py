"""Every generated household's six certificates agree with each other (addresses and dates across
住民票, 附票 and 戸籍; members; 本籍 and 筆頭者), for several seeds, and so do the printer's samples."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from _household_check import Household, check, date

from server_stub.documents import IssueContext, build_content, issue_number
from server_stub.municipalities import CATALOGUE
from server_stub.synth import Registry, generate

TODAY = dt.date(2026, 11, 25)
MUNI = {m.code: m for m in CATALOGUE}
SEEDS = ["unit", "1", "2", "3", "consistency"]
SAMPLES = Path(__file__).resolve().parents[3] / "printer" / "samples"
ALL_OPTIONS = {"scope": "household", "householder_relationship": True, "my_number": True, "honseki": True}


def _content(reg: Registry, r: dict[str, Any], cert: str, options: dict[str, Any], hh: list[Any]) -> Any:
    kos = next((k for k in reg.koseki if r["honseki"] and k["koseki_id"] == r["honseki"]["koseki_id"]), None)
    muni = MUNI[r["honseki"]["municipality"]] if cert in ("koseki", "fuhyo") else MUNI[r["municipality"]]
    return build_content(
        IssueContext(
            muni,
            "iVBOR",
            cert,
            options,
            r,
            hh,
            kos,
            reg.tax.get((r["resident_id"], options.get("year", 0))),
            reg.seals.get(r["resident_id"]),
            TODAY,
            issue_number(TODAY, muni, "K0001", 1),
            "S-test",
            1,
        )
    )


def _households(seed: str) -> list[Household]:
    reg = generate(seed, 80, TODAY)
    year = max(y for _, y in reg.tax)
    ids = sorted({x.data["household_id"] for x in reg.residents})
    out = []
    for hid in ids:
        hh = [x.data for x in reg.residents if x.data["household_id"] == hid and x.data["status"] == "active"]
        if not hh:
            continue  # a household of one deceased / moved-out person has no 住民票
        head = next((p for p in hh if p["relationship"] == "世帯主"), hh[0])
        h = Household(
            juminhyo=_content(reg, head, "juminhyo", ALL_OPTIONS, hh),
            kisaijiko=_content(reg, head, "kisaijiko", ALL_OPTIONS, hh),
            inkan=[_content(reg, p, "inkan", {}, hh) for p in hh if p["resident_id"] in reg.seals],
            kazei=[
                _content(reg, p, "kazei", {"year": year}, hh)
                for p in hh
                if (p["resident_id"], year) in reg.tax
            ],
        )
        if head["honseki"]:
            h.koseki = _content(reg, head, "koseki", {"kind": "zenbu"}, hh)
            h.fuhyo = _content(reg, head, "fuhyo", {"scope": "all", "honseki": True}, hh)
        out.append(h)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_every_generated_household_agrees_with_itself(seed: str) -> None:
    households = _households(seed)
    assert len(households) >= 20
    for h in households:
        check(h)
    # The check saw every kind of history: couples, children born here, in-city moves, arrivals.
    persons = [p for h in households for p in h.juminhyo["body"]["persons"]]
    assert any(p["became_resident_on"] == p["birth_date"] for p in persons)
    assert any(p.get("address_set_on", "【空欄】") != "【空欄】" for p in persons)
    assert any("previous_address" in p for p in persons)
    assert sum(h.fuhyo is not None and len(h.fuhyo["body"]["persons"]) > 2 for h in households) >= 1


def test_a_move_after_the_assessment_day_keeps_the_old_address_on_the_tax_certificate() -> None:
    moved = [
        k
        for seed in SEEDS
        for h in _households(seed)
        for k in h.kazei
        if k["body"]["address"] != h.juminhyo["body"]["address"]
    ]
    assert moved  # the check's second branch (moved within the city after 1 January) is exercised


def _sample(name: str) -> dict[str, Any]:
    content: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))["content"]
    return content


def test_printer_samples_are_one_household() -> None:
    h = Household(
        juminhyo=_sample("juminhyo"),
        kisaijiko=_sample("kisaijiko"),
        koseki=_sample("koseki"),
        fuhyo=_sample("fuhyo"),
        inkan=[_sample("inkan")],
        kazei=[_sample("kazei")],
    )
    check(h)
    names = [p["name"] for p in h.juminhyo["body"]["persons"]]
    assert h.juminhyo["municipality"]["mayor"].split("　", 1)[1] not in names  # the mayor is no resident


def test_the_checker_catches_the_old_sample_contradictions() -> None:
    """Each contradiction the review found, planted into the samples, fails the check."""
    base = {
        "juminhyo": _sample("juminhyo"),
        "kisaijiko": _sample("kisaijiko"),
        "koseki": _sample("koseki"),
        "fuhyo": _sample("fuhyo"),
    }

    def broken(edit: Any) -> Household:
        docs = json.loads(json.dumps(base))
        edit(docs)
        return Household(docs["juminhyo"], docs["kisaijiko"], docs["koseki"], docs["fuhyo"])

    def foreign_first_address(d: dict[str, Any]) -> None:
        d["fuhyo"]["body"]["persons"][0]["addresses"][0]["address"] = "千葉県例示市うみ町七丁目8番9号"

    def member_missing(d: dict[str, Any]) -> None:
        d["fuhyo"]["body"]["persons"].pop()

    def newborn_arrived(d: dict[str, Any]) -> None:
        child = next(p for p in d["juminhyo"]["body"]["persons"] if p.get("relationship") == "子")
        child["previous_address"] = "神奈川県架空市みどり町5番地"

    def set_on_blank(d: dict[str, Any]) -> None:
        d["juminhyo"]["body"]["persons"][0]["address_set_on"] = "【空欄】"

    for edit in (foreign_first_address, member_missing, newborn_arrived, set_on_blank):
        with pytest.raises(AssertionError):
            check(broken(edit))


def test_wareki_reader() -> None:
    assert date("令和元年5月1日") == dt.date(2019, 5, 1)
    assert date("昭和60年5月5日") == dt.date(1985, 5, 5)
    assert date("1994年7月21日") == dt.date(1994, 7, 21)
