"""Cross-certificate consistency of one household: reads the printed content of its 住民票,
記載事項証明書, 印鑑登録証明書, 課税証明書, 戸籍証明書 and 附票 and checks that they tell one story.

Works on content dicts only (docs/document-content.md), so it checks the generated registry and the
shipped printer samples alike.  Dates are read back with an independent 和暦 parser.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

BLANK = "【空欄】"
ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911}
SEX_OF = {"長男": "男", "二男": "男", "三男": "男", "長女": "女", "二女": "女", "三女": "女"}


def date(text: str) -> dt.date:
    """「平成24年8月20日」, 「令和元年5月1日」 or 「1994年7月21日」 → date."""
    m = re.fullmatch(r"(令和|平成|昭和|大正)?(元|\d+)年(\d+)月(\d+)日", text)
    assert m, f"not a printed date: {text!r}"
    era, year, month, day = m.groups()
    n = 1 if year == "元" else int(year)
    return dt.date(ERAS[era] + n if era else n, int(month), int(day))


def flat(name: str) -> str:
    return name.replace("　", "")


@dataclass
class Household:
    juminhyo: dict[str, Any]
    kisaijiko: dict[str, Any] | None = None
    koseki: dict[str, Any] | None = None
    fuhyo: dict[str, Any] | None = None
    inkan: list[dict[str, Any]] = field(default_factory=list)
    kazei: list[dict[str, Any]] = field(default_factory=list)


def _items(event: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in event["items"]}


def _event(person: dict[str, Any], name: str) -> dict[str, str] | None:
    return next((_items(e) for e in person["events"] if e["event"] == name), None)


def check(h: Household) -> None:
    j = h.juminhyo["body"]
    jp = {p["name"]: p for p in j["persons"]}
    municipality = h.juminhyo["municipality"]["prefecture"] + h.juminhyo["municipality"]["name"]
    assert j["address"].startswith(municipality)
    heads = [p for p in j["persons"] if p.get("relationship") == "世帯主"]
    if "householder" in j and heads:
        assert j["householder"] == heads[0]["name"]
    for p in j["persons"]:
        born, became = date(p["birth_date"]), date(p["became_resident_on"])
        assert born <= became, p["name"]
        if p.get("address_set_on", BLANK) != BLANK:
            assert became < date(p["address_set_on"]), p["name"]
        # A child born here has no 転入前住所; anyone who came from elsewhere has one.
        assert ("previous_address" in p) == (became != born), p["name"]
        if "furigana" in p:
            assert "foreign" not in p
    if h.kisaijiko is not None:
        k = h.kisaijiko["body"]
        assert k["address"] == j["address"]
        for p in k["persons"]:
            q = jp[p["name"]]
            for key in ("furigana", "old_name", "birth_date", "sex", "became_resident_on", "honseki"):
                assert p.get(key) == q.get(key) or key not in p, (p["name"], key)
    for doc in h.inkan:
        b = doc["body"]
        q = jp[b["name"]]
        assert (b["birth_date"], b["address"]) == (q["birth_date"], j["address"])
        assert "alias" not in b or "foreign" in q  # 通称 is a foreign resident's
    for doc in h.kazei:
        b = doc["body"]
        q = jp[b["name"]]
        assert (b["birth_date"], b["sex"]) == (q["birth_date"], q["sex"])
        # The 住所 is the one on the 賦課期日 (1 January of the 年度), in this municipality.
        jan1 = dt.date(date(b["fiscal_year"].replace("年度", "年1月1日")).year, 1, 1)
        set_on = q.get("address_set_on", BLANK)
        last_move = date(set_on if set_on != BLANK else q["became_resident_on"])
        assert date(q["became_resident_on"]) <= jan1, b["name"]  # taxed here only if living here then
        if last_move <= jan1:
            assert b["address"] == j["address"], b["name"]
        else:
            assert b["address"].startswith(municipality) and b["address"] != j["address"], b["name"]
    if h.koseki is not None:
        _check_koseki(h, jp, j["address"])


def _check_koseki(h: Household, jp: dict[str, dict[str, Any]], address: str) -> None:
    assert h.koseki is not None
    kb = h.koseki["body"]
    surname = kb["hittosha"].split("　")[0]
    created = date(_items(kb["koseki_events"][0])["編製日"])
    living = {f"{surname}　{m['name']}": m for m in kb["persons"] if not m.get("removed")}
    here = {n: p for n, p in jp.items() if p.get("honseki") == kb["honseki"]}
    # Members: everyone on the 住民票 whose 本籍 is this 戸籍 is in it, and vice versa.
    assert set(here) == set(living), (sorted(here), sorted(living))
    assert all(p["hittosha"] == kb["hittosha"] for p in here.values())
    spouses = {m["spouse_role"]: n for n, m in living.items() if m.get("spouse_role")}
    for name, m in living.items():
        p = jp[name]
        assert m["birth_date"] == p["birth_date"], name
        assert SEX_OF[m["relationship"]] == p["sex"], name
        birth = _event(m, "出生")
        assert birth and birth["出生日"] == m["birth_date"], name
        if "furigana" in m and "surname_furigana" in kb and "furigana" in p:
            assert p["furigana"] == f"{kb['surname_furigana']}　{m['furigana']}", name
        if p["became_resident_on"] == p["birth_date"]:  # born here
            assert address.startswith(birth["出生地"]), name
            if p.get("address_set_on", BLANK) == BLANK and "notified_on" in p:
                assert p["notified_on"] == birth["届出日"], name
        if m.get("spouse_role"):
            marriage = _event(m, "婚姻")
            assert marriage and date(marriage["婚姻日"]) == created, name
            partner = spouses["妻" if m["spouse_role"] == "夫" else "夫"]
            if m["spouse_role"] == "妻":
                assert marriage["配偶者氏名"] == flat(partner), name
            else:
                wife = jp[partner]
                assert marriage["配偶者氏名"].endswith(living[partner]["name"])
                if "old_name" in wife:  # the 旧氏 is the surname she was born with
                    assert marriage["配偶者氏名"] == wife["old_name"] + living[partner]["name"]
        else:
            # A child of this 戸籍: born after its 編製, to the couple in it.
            if "夫" in spouses:
                assert date(m["birth_date"]) >= created, name
                assert (m.get("father"), m.get("mother")) == (flat(spouses["夫"]), flat(spouses["妻"])), name
    if h.fuhyo is not None:
        _check_fuhyo(h, jp, address, created, living)


def _check_fuhyo(
    h: Household,
    jp: dict[str, dict[str, Any]],
    address: str,
    created: dt.date,
    living: dict[str, dict[str, Any]],
) -> None:
    assert h.fuhyo is not None and h.koseki is not None
    fb, kb = h.fuhyo["body"], h.koseki["body"]
    if "honseki" in fb:
        assert (fb["honseki"], fb["hittosha"]) == (kb["honseki"], kb["hittosha"])
    fp = {p["name"]: p for p in fb["persons"]}
    assert set(fp) == set(living), (sorted(fp), sorted(living))  # every member, no stranger
    for name, f in fp.items():
        p = jp[name]
        assert (f["birth_date"], f["sex"]) == (p["birth_date"], p["sex"]), name
        rows = [(a["address"], date(a["since"])) for a in f["addresses"]]
        assert [d for _, d in rows] == sorted(d for _, d in rows), name
        assert rows[0][1] >= date(p["birth_date"]), name
        entered = max(created, date(p["birth_date"]))
        assert rows[0][1] <= entered, name  # the address in effect on entering the 戸籍 comes first
        if len(rows) > 1:
            assert rows[1][1] > entered, name
        # The last row is the 住民票's address, set on its 住所を定めた年月日 (or 住民となった年月日).
        set_on = p.get("address_set_on", BLANK)
        assert rows[-1] == (address, date(set_on if set_on != BLANK else p["became_resident_on"])), name
        became = date(p["became_resident_on"])
        before = [a for a, d in rows if d < became]
        if before:
            # The row just before arriving is the 転入前住所 the 住民票 prints.
            assert before[-1] == p["previous_address"], name
        town = h.juminhyo["municipality"]["prefecture"] + h.juminhyo["municipality"]["name"]
        assert all(a.startswith(town) for a, d in rows if d >= became), name
