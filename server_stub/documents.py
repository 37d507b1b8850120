"""Certificate content (docs/document-content.md, the center→printer contract, which also states the
rules each field follows).  Pure: registry records in, content dicts out.

Every value is a display string: 和暦 dates (西暦 for a foreign resident's dates, docs/certificates.md §1),
amounts with separators, 「【空欄】」 for blank fields the paper must show; keys an option does not show
are absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from server_stub.municipalities import Municipality
from server_stub.taxcalc import tax_body
from server_stub.wareki import wareki

__all__ = [
    "BLANK",
    "CERTIFICATION",
    "FURIGANA_NONE",
    "IssueContext",
    "Residence",
    "address_on",
    "build_content",
    "furigana_text",
    "issue_number",
    "residence",
]

BLANK = "【空欄】"
# No reading registered at all / one part missing (docs/document-content.md "Furigana").
FURIGANA_NONE = "＊＊＊＊＊＊"  # full-width, as the rest of the certificate
FURIGANA_NO_FAMILY = "【氏空欄】"
FURIGANA_NO_GIVEN = "【名空欄】"
SCHEMA = "konbini-doc/1"
TITLES = {
    "juminhyo": "住　民　票",
    "kisaijiko": "住民票記載事項証明書",
    "inkan": "印鑑登録証明書",
    "fuhyo": "戸籍の附票の写し",
}
CERTIFICATION = {
    "juminhyo_household": "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
    "juminhyo": "この写しは、住民票の原本と相違ないことを証明する。",
    "kisaijiko": "上記の事項は、住民票の記載事項と相違ないことを証明する。",
    "inkan": "この写しは、登録された印影と相違ないことを証明します。",
    "kazei": "上記のとおり相違ないことを証明します。",
    "koseki_zenbu": "これは、戸籍に記録されている事項の全部を証明した書面である。",
    "koseki_kojin": "これは、戸籍中の一部の者について記録されている事項の全部を証明した書面である。",
    "fuhyo": "この写しは、戸籍の附票の原本と相違ないことを証明する。",
}
_REL_ORDER = {"世帯主": 0, "夫": 1, "妻": 1, "子": 2}


@dataclass(frozen=True)
class IssueContext:
    """Everything one document is built from; all of it read in the issuing transaction."""

    municipality: Municipality
    official_seal_png_b64: str
    certificate: str
    options: dict[str, Any]
    resident: dict[str, Any]
    household: list[dict[str, Any]]
    koseki: dict[str, Any] | None
    tax: dict[str, Any] | None
    seal_registration: dict[str, Any] | None
    issued: dt.date
    issue_number: str
    seal_id: str
    copy_index: int


def issue_number(issued: dt.date, muni: Municipality, kiosk_id: str, serial: int) -> str:
    """「発行年月日 市区町村名 端末 連番」 (docs/certificates.md §7); the printer appends the page part."""
    return f"{issued:%Y%m%d} {muni.name} {kiosk_id} {serial:06d}"


def _d(iso: str | None, *, western: bool = False) -> str:
    if not iso:
        return BLANK
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日" if western else wareki(d)


@dataclass(frozen=True)
class Residence:
    """The 住民票's register dates, read from the person's residence history (one rule for all)."""

    became_resident_on: str  # ISO; the first day of the current stay in this municipality
    address_set_on: str | None  # ISO; the last 転居 within the municipality, None if none since
    notified_on: str  # ISO; 届出日 of the latest entry
    previous_address: str | None  # 転入前住所; None for a person born here who never left


def residence(p: dict[str, Any]) -> Residence:
    """住民となった年月日 / 住所を定めた年月日 / 届出日 / 転入前住所 from ``p["history"]``.

    The stay is the run of latest entries in the person's current municipality.  Its first entry is a
    birth (no 転入前住所) or a 転入 (the address before it is the 転入前住所); 住所を定めた年月日 is the
    date of the last entry when that entry is a move within the municipality, and 【空欄】 when the
    person still lives where they became a resident.
    """
    hist = p["history"]
    here = p["municipality"]
    i = len(hist) - 1
    while i > 0 and hist[i - 1]["municipality"] == here:
        i -= 1
    return Residence(
        became_resident_on=hist[i]["since"],
        address_set_on=hist[-1]["since"] if i < len(hist) - 1 else None,
        notified_on=hist[-1]["notified"],
        previous_address=hist[i - 1]["address"] if i > 0 else None,
    )


def address_on(p: dict[str, Any], day: dt.date) -> str | None:
    """The address the history records for ``day`` in the person's current municipality, or None."""
    iso = day.isoformat()
    current = [e for e in p["history"] if e["since"] <= iso]
    if not current or current[-1]["municipality"] != p["municipality"]:
        return None
    return str(current[-1]["address"])


def furigana_text(f: dict[str, str | None] | None) -> str:
    """「ミホン　タロウ」, or the placeholder for what is not registered: 「＊＊＊＊＊＊」 when nothing is,
    「【氏空欄】　タロウ」 / 「ミホン　【名空欄】」 when one part is."""
    family, given = (f or {}).get("family"), (f or {}).get("given")
    if not family and not given:
        return FURIGANA_NONE
    return f"{family or FURIGANA_NO_FAMILY}　{given or FURIGANA_NO_GIVEN}"


def _person_block(p: dict[str, Any], ctx: IssueContext, kisaijiko: bool) -> dict[str, Any]:
    foreign = p.get("foreign")
    opts = ctx.options
    res = residence(p)
    out: dict[str, Any] = {}
    if not foreign:
        # Since 2025-05-26 every 住民票 of a Japanese resident has the row, with a placeholder if blank.
        out["furigana"] = furigana_text(p.get("furigana"))
    out["name"] = p["name"]
    if p.get("old_name"):
        out["old_name_furigana"] = p.get("old_name_furigana") or FURIGANA_NONE
        out["old_name"] = p["old_name"]
    out["birth_date"] = _d(p["birth_date"], western=bool(foreign))
    out["sex"] = p["sex"]
    if opts.get("householder_relationship"):
        out["relationship"] = p["relationship"]
    if opts.get("my_number") and not kisaijiko:
        out["my_number"] = p["my_number"]
    out["became_resident_on"] = _d(res.became_resident_on)
    if not kisaijiko:
        out["address_set_on"] = _d(res.address_set_on)
        out["notified_on"] = _d(res.notified_on)
    if opts.get("honseki") and not foreign and p.get("honseki"):
        out["honseki"] = p["honseki"]["address"]
        out["hittosha"] = p["honseki"]["hittosha"]
    if not kisaijiko and res.previous_address:
        out["previous_address"] = res.previous_address
    if foreign:
        out["foreign"] = {
            "nationality": foreign["nationality"],
            "section": foreign["section"],
            "status": foreign["status"],
            "period": foreign["period"],
            "period_expires": _d(foreign["period_expires"], western=True),
            "card_number": foreign["card_number"],
        }
    return out


def _juminhyo(ctx: IssueContext) -> tuple[str, dict[str, Any], str]:
    kisaijiko = ctx.certificate == "kisaijiko"
    household = ctx.options.get("scope") == "household"
    people = ctx.household if household else [ctx.resident]
    if ctx.options.get("scope") == "members":  # 世帯の一部: the members validate_order let through
        people = [p for p in ctx.household if p["resident_id"] in ctx.options["members"]]
    people = sorted(people, key=lambda p: (_REL_ORDER.get(p["relationship"], 3), p["birth_date"]))
    head = next((p for p in ctx.household if p["relationship"] == "世帯主"), ctx.resident)
    body: dict[str, Any] = {"address": ctx.resident["address"]}
    if ctx.options.get("householder_relationship") or household:
        body["householder"] = head["name"]
    body["persons"] = [_person_block(p, ctx, kisaijiko) for p in people]
    if kisaijiko:
        return TITLES["kisaijiko"], body, CERTIFICATION["kisaijiko"]
    return TITLES["juminhyo"], body, CERTIFICATION["juminhyo_household" if household else "juminhyo"]


def _inkan(ctx: IssueContext) -> tuple[str, dict[str, Any], str]:
    r, reg = ctx.resident, ctx.seal_registration
    assert reg is not None  # eligibility (rules.py) refused residents without a registration
    body: dict[str, Any] = {"name": r["name"]}
    if r.get("alias"):
        body["alias"] = r["alias"]  # 通称 (foreign residents who registered one)
    body["birth_date"] = _d(r["birth_date"], western=bool(r.get("foreign")))
    body["address"] = r["address"]
    body["impression"] = {"text": reg["text"], "shape": reg["shape"], "size_mm": reg["size_mm"]}
    prefix = ctx.municipality.seal_prefix
    body["certificate_number"] = f"{prefix}　第{reg['registration_number']:06d}-{ctx.copy_index:02d}号"
    return TITLES["inkan"], body, CERTIFICATION["inkan"]


def _kazei(ctx: IssueContext) -> tuple[str, dict[str, Any], str]:
    assert ctx.tax is not None
    year = int(ctx.options["year"])
    muni_tax, pref_tax = ctx.municipality.tax_names
    body = tax_body(ctx.tax, year, ctx.resident, muni_tax, pref_tax)
    # The 住所 of a 課税証明書 is the one on the 賦課期日, 1 January of the 年度 (docs/certificates.md §4).
    body["address"] = address_on(ctx.resident, dt.date(year, 1, 1)) or ctx.resident["address"]
    body["birth_date"] = _d(ctx.resident["birth_date"], western=bool(ctx.resident.get("foreign")))
    title = f"{body['fiscal_year']}　{muni_tax}・{pref_tax}　課税証明書"
    return title, body, CERTIFICATION["kazei"]


def _koseki_person(m: dict[str, Any], birth_place: str) -> dict[str, Any]:
    p: dict[str, Any] = {"name": m["given_name"]}
    given_reading = (m.get("furigana") or {}).get("given")
    if given_reading:
        p["furigana"] = given_reading  # 名の振り仮名, recorded in the 戸籍 since 2025-05-26
    p["birth_date"] = _d(m["birth_date"])
    if m.get("spouse_role"):
        p["spouse_role"] = m["spouse_role"]
    p["father"], p["mother"], p["relationship"] = m["father"], m["mother"], m["relationship"]
    if m.get("removed"):
        p["removed"] = True
    events: list[dict[str, Any]] = [
        {
            "event": "出生",
            "items": [
                ["出生日", _d(m["birth_date"])],
                ["出生地", birth_place],
                ["届出日", _d(m["birth_notified_on"])],
                ["届出人", m["birth_notifier"]],
            ],
        }
    ]
    if m.get("marriage"):
        mar = m["marriage"]
        events.append(
            {
                "event": "婚姻",
                "items": [
                    ["婚姻日", _d(mar["date"])],
                    ["配偶者氏名", mar["spouse"]],
                    ["従前戸籍", mar["previous"]],
                ],
            }
        )
    if m.get("death"):
        events.append(
            {"event": "死亡", "items": [["死亡日", _d(m["death"]["date"])], ["死亡地", m["death"]["place"]]]}
        )
    p["events"] = events
    return p


def _koseki(ctx: IssueContext) -> tuple[str, dict[str, Any], str]:
    k = ctx.koseki
    assert k is not None
    kind = ctx.options.get("kind", "zenbu")
    members = (
        k["members"]
        if kind == "zenbu"
        else [m for m in k["members"] if m["resident_id"] == ctx.resident["resident_id"]]
    )
    body: dict[str, Any] = {"kind": kind, "honseki": k["honseki"], "hittosha": k["hittosha"]}
    head = next((m for m in k["members"] if m["name"] == k["hittosha"]), None)
    family_reading = ((head or {}).get("furigana") or {}).get("family")
    if family_reading:
        body["surname_furigana"] = family_reading  # 氏の振り仮名: one per 戸籍
    body["koseki_events"] = [{"event": "戸籍編製", "items": [["編製日", _d(k["created_on"])]]}]
    body["persons"] = [_koseki_person(m, m["birth_place"]) for m in members]
    title = "全部事項証明" if kind == "zenbu" else "個人事項証明"
    return title, body, CERTIFICATION[f"koseki_{kind}"]


def _fuhyo(ctx: IssueContext) -> tuple[str, dict[str, Any], str]:
    k = ctx.koseki
    assert k is not None
    by_id = {p["resident_id"]: p for p in ctx.household}
    by_id[ctx.resident["resident_id"]] = ctx.resident
    ids = (
        [m["resident_id"] for m in k["members"] if not m.get("removed")]
        if ctx.options.get("scope") == "all"
        else [ctx.resident["resident_id"]]
    )
    body: dict[str, Any] = {}
    if ctx.options.get("honseki"):
        body["honseki"], body["hittosha"] = k["honseki"], k["hittosha"]
    persons = []
    for m in k["members"]:
        if m["resident_id"] not in ids:
            continue
        p = by_id.get(m["resident_id"])
        addresses = (
            [{"address": e["address"], "since": _d(e["since"])} for e in _fuhyo_rows(p, m)] if p else []
        )
        persons.append(
            {"name": m["name"], "birth_date": _d(m["birth_date"]), "sex": m["sex"], "addresses": addresses}
        )
    body["persons"] = persons
    return TITLES["fuhyo"], body, CERTIFICATION["fuhyo"]


def _fuhyo_rows(p: dict[str, Any], member: dict[str, Any]) -> list[dict[str, Any]]:
    """The addresses the person had while in this 戸籍: the one in effect on entering it (its 編製 or
    the birth) and every later one, each with the date it was set."""
    entered = member["entered_on"]
    hist: list[dict[str, Any]] = p["history"]
    first = max((i for i, e in enumerate(hist) if e["since"] <= entered), default=0)
    return hist[first:]


_BUILDERS = {
    "juminhyo": _juminhyo,
    "kisaijiko": _juminhyo,
    "inkan": _inkan,
    "kazei": _kazei,
    "koseki": _koseki,
    "fuhyo": _fuhyo,
}


def build_content(ctx: IssueContext) -> dict[str, Any]:
    """The ``content`` object of one document (one copy)."""
    title, body, certification = _BUILDERS[ctx.certificate](ctx)
    m = ctx.municipality
    return {
        "schema": SCHEMA,
        "type": ctx.certificate,
        "title": title,
        "municipality": {"code": m.code, "prefecture": m.prefecture, "name": m.name, "mayor": m.mayor_line},
        "official_seal": {"text": m.seal_text, "png_b64": ctx.official_seal_png_b64},
        "issued_on": wareki(ctx.issued),
        "issued_date": ctx.issued.isoformat(),
        "issue_number": ctx.issue_number,
        "certification": certification,
        "notes": ["この印は黒色です"],
        "seal_id": ctx.seal_id,
        "body": body,
    }
