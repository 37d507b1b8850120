"""Certificate content against docs/document-content.md, built from the synthetic registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from printer.document import PERSON_FIELDS
from server_stub import audit
from server_stub.documents import (
    BLANK,
    CERTIFICATION,
    IssueContext,
    Residence,
    build_content,
    furigana_text,
    issue_number,
    residence,
)
from server_stub.municipalities import CATALOGUE
from server_stub.store import audit_log, metadata
from server_stub.synth import generate
from server_stub.taxcalc import salary_income

TODAY = dt.date(2026, 11, 25)
REG = generate("unit", 30, TODAY)
MUNI = {m.code: m for m in CATALOGUE}
COMMON = {
    "schema",
    "type",
    "title",
    "municipality",
    "official_seal",
    "issued_on",
    "issued_date",
    "issue_number",
    "certification",
    "seal_id",
    "body",
}


def _ctx(resident: dict[str, Any], cert: str, options: dict[str, Any]) -> IssueContext:
    muni = (
        MUNI[resident["municipality"]]
        if cert not in ("koseki", "fuhyo")
        else MUNI[resident["honseki"]["municipality"]]
    )
    household = [
        x.data
        for x in REG.residents
        if x.data["household_id"] == resident["household_id"] and x.data["status"] == "active"
    ]
    kos = next(
        (
            k
            for k in REG.koseki
            if resident.get("honseki") and k["koseki_id"] == resident["honseki"]["koseki_id"]
        ),
        None,
    )
    tax = REG.tax.get((resident["resident_id"], options.get("year", 0)))
    return IssueContext(
        muni,
        "iVBOR",
        cert,
        options,
        resident,
        household,
        kos,
        tax,
        REG.seals.get(resident["resident_id"]),
        TODAY,
        issue_number(TODAY, muni, "K0001", 7),
        "S-test",
        1,
    )


def _resident(*tags: str, without: tuple[str, ...] = ()) -> dict[str, Any]:
    return next(x.data for x in REG.residents if set(tags) <= set(x.tags) and not set(without) & set(x.tags))


def test_household_juminhyo() -> None:
    r = _resident("household")
    c = build_content(
        _ctx(
            r,
            "juminhyo",
            {"scope": "household", "householder_relationship": True, "my_number": True, "honseki": True},
        )
    )
    assert set(c) >= COMMON
    assert c["title"] == "住　民　票"
    assert c["certification"] == "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    assert c["issued_on"] == "令和8年11月25日" and c["issued_date"] == "2026-11-25"
    assert c["issue_number"] == "20261125 見本市 K0001 000007"
    assert c["municipality"] == {
        "code": "139991",
        "prefecture": "東京都",
        "name": "見本市",
        "mayor": "東京都見本市長　雛形　正雄",
    }
    persons = c["body"]["persons"]
    assert persons[0]["relationship"] == "世帯主" and c["body"]["householder"] == persons[0]["name"]
    for p in persons:
        keys = list(p)
        assert keys == [k for k in PERSON_FIELDS if k in keys]  # print order
        assert all(v != "" for v in p.values())
    # 住所を定めた年月日 is blank (【空欄】) exactly for those whose last move was not within the city.
    by_name = {x.data["name"]: x.data for x in REG.residents if x.data["household_id"] == r["household_id"]}
    for p in persons:
        moved = by_name[p["name"]]["history"][-1]["how"] == "転居"
        assert (p["address_set_on"] == BLANK) == (not moved)
        assert p["address_set_on"] == BLANK or p["address_set_on"].startswith(("昭和", "平成", "令和"))


def test_self_juminhyo_shows_only_chosen_items() -> None:
    r = _resident("household")
    c = build_content(_ctx(r, "juminhyo", {"scope": "self"}))
    assert c["certification"] == CERTIFICATION["juminhyo"]
    (p,) = c["body"]["persons"]
    assert p["name"] == r["name"]
    for absent in ("relationship", "my_number", "honseki", "hittosha"):
        assert absent not in p
    assert "householder" not in c["body"]


def test_foreign_resident_uses_western_dates_and_no_honseki() -> None:
    r = _resident("foreign")
    c = build_content(_ctx(r, "juminhyo", {"honseki": True}))
    (p,) = c["body"]["persons"]
    assert "honseki" not in p and "furigana" not in p
    assert p["birth_date"].startswith(r["birth_date"][:4] + "年")
    assert set(p["foreign"]) == {
        "nationality",
        "section",
        "status",
        "period",
        "period_expires",
        "card_number",
    }
    assert p["foreign"]["period_expires"][:4].isdigit()


def test_inkan_kazei_koseki_fuhyo() -> None:
    r = _resident("household", without=("no-seal", "no-tax-return"))
    inkan = build_content(_ctx(r, "inkan", {}))
    assert inkan["certification"] == "この写しは、登録された印影と相違ないことを証明します。"
    assert inkan["body"]["certificate_number"].startswith("見本印証　第")
    assert 8 <= inkan["body"]["impression"]["size_mm"] <= 25
    kazei = build_content(_ctx(r, "kazei", {"year": 2026}))
    b = kazei["body"]
    assert kazei["title"] == "令和8年度　市民税・都民税　課税証明書"
    assert (b["fiscal_year"], b["income_year"]) == ("令和8年度", "令和7年分")
    assert int(b["total_income"].replace(",", "")) == salary_income(int(b["income"][0][1].replace(",", "")))
    kos = build_content(_ctx(r, "koseki", {"kind": "zenbu"}))
    assert kos["title"] == "全部事項証明"
    assert kos["certification"] == "これは、戸籍に記録されている事項の全部を証明した書面である。"
    assert len(kos["body"]["persons"]) >= 2 and kos["body"]["koseki_events"][0]["event"] == "戸籍編製"
    kojin = build_content(_ctx(r, "koseki", {"kind": "kojin"}))
    assert [p["name"] for p in kojin["body"]["persons"]] == [r["given_name"]]
    fuhyo = build_content(_ctx(r, "fuhyo", {"scope": "self"}))
    assert (
        "honseki" not in fuhyo["body"]
        and fuhyo["body"]["persons"][0]["addresses"][-1]["address"] == r["address"]
    )


@pytest.mark.parametrize(
    ("salary", "income"),
    [
        (1_000_000, 450_000),
        (1_625_000, 1_075_000),
        (3_000_000, 2_020_000),
        (5_000_000, 3_560_000),
        (10_000_000, 8_050_000),
    ],
)
def test_salary_income_table(salary: int, income: int) -> None:
    assert salary_income(salary) == income


def test_registry_is_deterministic_and_covers_every_case() -> None:
    again = generate("unit", 30, TODAY)
    assert [x.data for x in again.residents] == [x.data for x in REG.residents]
    assert generate("other", 30, TODAY).residents[0].data != REG.residents[0].data
    tags = {t for x in REG.residents if x.card for t in x.tags}
    assert {
        "revoked",
        "expired",
        "moved-out",
        "support-measure",
        "no-seal",
        "no-tax-return",
        "foreign",
        "deceased",
        "household",
        "honseki-other",
        "honseki-registered",
        "no-furigana",
        "furigana-partial",
        "alias",
    } <= tags
    assert len({x.data["municipality"] for x in REG.residents}) == 4


def test_my_numbers_never_pass_the_check_digit() -> None:
    def valid(n: str) -> bool:
        digits = [int(c) for c in n[:11]]
        total = sum(p * (i + 1 if i <= 6 else i - 5) for i, p in enumerate(reversed(digits), start=1))
        rem = total % 11
        return int(n[11]) == (0 if rem <= 1 else 11 - rem)

    numbers = [x.data["my_number"] for x in REG.residents]
    assert all(len(n) == 12 and n.isdigit() for n in numbers)
    assert not any(valid(n) for n in numbers)


def test_audit_chain_detects_tampering() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        audit.init_head(conn)
        for i in range(5):
            audit.append(
                conn,
                at=1000.0 + i,
                kiosk_id="K0001",
                event="issued",
                detail={"order_id": f"O-{i}"},
                postgres=False,
            )
        assert audit.verify_chain(conn) is None
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(detail='{"order_id":"O-x"}'))
        assert audit.verify_chain(conn) == 3
        with pytest.raises(ValueError, match="must not contain"):
            audit.append(conn, at=1.0, kiosk_id=None, event="x", detail={"name": "見本"}, postgres=False)
        assert len(conn.execute(select(audit_log)).all()) == 5


def test_furigana_placeholders_on_the_juminhyo() -> None:
    blank = _resident("no-furigana")
    (p,) = build_content(_ctx(blank, "juminhyo", {}))["body"]["persons"]
    assert p["furigana"] == "＊＊＊＊＊＊"
    partial = _resident("furigana-partial")
    (q,) = build_content(_ctx(partial, "kisaijiko", {}))["body"]["persons"]
    reading = partial["furigana"]
    assert q["furigana"] in (f"【氏空欄】　{reading['given']}", f"{reading['family']}　【名空欄】")
    full = _resident("household", without=("no-furigana", "furigana-partial"))
    (f,) = build_content(_ctx(full, "juminhyo", {}))["body"]["persons"]
    assert f["furigana"] == f"{full['furigana']['family']}　{full['furigana']['given']}"
    assert "＊" not in f["furigana"] and "空欄" not in f["furigana"]


def test_alias_on_the_inkan_certificate() -> None:
    r = _resident("alias", without=("no-seal",))
    body = build_content(_ctx(r, "inkan", {}))["body"]
    assert body["alias"] == r["alias"] and list(body)[:2] == ["name", "alias"]
    plain = _resident("household", without=("no-seal", "alias"))
    assert "alias" not in build_content(_ctx(plain, "inkan", {}))["body"]


def _e(address: str, code: str | None, since: str, how: str, notified: str) -> dict[str, Any]:
    return {"address": address, "municipality": code, "since": since, "how": how, "notified": notified}


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # Born here, never moved: no 転入前住所, 住所を定めた年月日 blank, 届出日 = the 出生届.
        (
            [_e("見本市A", "139991", "2012-08-20", "出生", "2012-08-27")],
            Residence("2012-08-20", None, "2012-08-27", None),
        ),
        # Arrived, then moved within the city: both dates, and the address before arriving.
        (
            [
                _e("架空市X", "279992", "1985-05-05", "出生", "1985-05-10"),
                _e("見本市B", "139991", "2010-06-01", "転入", "2010-06-01"),
                _e("見本市C", "139991", "2012-04-01", "転居", "2012-04-03"),
            ],
            Residence("2010-06-01", "2012-04-01", "2012-04-03", "架空市X"),
        ),
        # Born here, left, came back straight to the current address: the stay starts at the return.
        (
            [
                _e("見本市A", "139991", "1980-01-01", "出生", "1980-01-05"),
                _e("試験町Y", "019993", "1998-04-01", "転入", "1998-04-02"),
                _e("見本市D", "139991", "2021-04-01", "転入", "2021-04-05"),
            ],
            Residence("2021-04-01", None, "2021-04-05", "試験町Y"),
        ),
        # From abroad: the 転入前住所 is the country.
        (
            [
                _e("カナダ", None, "1994-07-21", "出生", "1994-07-21"),
                _e("見本市E", "139991", "2023-10-02", "転入", "2023-10-02"),
            ],
            Residence("2023-10-02", None, "2023-10-02", "カナダ"),
        ),
    ],
)
def test_one_rule_for_the_register_dates(history: list[dict[str, Any]], expected: Residence) -> None:
    assert residence({"municipality": "139991", "history": history}) == expected


@pytest.mark.parametrize(
    ("registered", "printed"),
    [
        ({"family": "ミホン", "given": "タロウ"}, "ミホン　タロウ"),
        ({"family": None, "given": None}, "＊＊＊＊＊＊"),
        (None, "＊＊＊＊＊＊"),
        ({"family": None, "given": "タロウ"}, "【氏空欄】　タロウ"),
        ({"family": "ミホン", "given": None}, "ミホン　【名空欄】"),
    ],
)
def test_furigana_placeholders(registered: dict[str, str | None] | None, printed: str) -> None:
    assert furigana_text(registered) == printed
