"""Service rules: hours, maintenance, eligibility and options.  Pure functions of data and a time.

Sources: docs/domain.md §1 "Hours" (06:30–23:00, closed 12/29–1/3, maintenance days, weekday-only
戸籍), §1 "Stuck points" (転出, 支援措置, deceased, no tax return), §2 (options per certificate).
All times are Asia/Tokyo wall-clock times.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import holidays

from contracts.center import MAX_COPIES
from contracts.jst import JST
from server_stub.errors import NotAvailableError, RequestError
from server_stub.municipalities import CERTIFICATES, KEPT_BY, Municipality

__all__ = [
    "JST",
    "MAX_COPIES",
    "ResidentFacts",
    "check_service_hours",
    "choosable_members",
    "latest_fiscal_year",
    "municipalities_for",
    "municipality_entry",
    "national_holiday",
    "person_reading",
    "service_status",
    "validate_order",
]

OPEN, CLOSE = dt.time(6, 30), dt.time(23, 0)

REASONS: dict[str, tuple[str, str]] = {
    "closed_hours": ("サービス時間外です（6時30分〜23時）", "outside service hours (06:30-23:00)"),
    "year_end": ("年末年始（12月29日〜1月3日）は休止しています", "closed over the new year (12/29-1/3)"),
    "maintenance": (
        "この市区町村は本日保守のため休止しています",
        "this municipality is down for maintenance today",
    ),
    "weekday_only": (
        "この証明書は平日の受付時間内のみ交付できます",
        "this certificate is issued on weekdays within office hours only",
    ),
    "national_holiday": (
        "本日は国民の祝日（振替休日を含む）のため、この証明書は交付できません",
        "today is a national holiday (or a substitute holiday): this certificate is issued on weekdays only",
    ),
    "not_offered": (
        "この市区町村ではコンビニ交付していない証明書です",
        "this municipality does not offer it at kiosks",
    ),
    "moved_out": ("転出の届出があるため交付できません", "moved out: not issued here"),
    "support_measure": (
        "支援措置の対象のため、窓口でお手続きください",
        "support measure in place: please apply at the municipal office",
    ),
    "no_seal_registered": ("印鑑登録がありません", "no seal is registered"),
    "no_tax_return": ("申告がないため交付できません", "no tax return on file for that year"),
    "honseki_not_registered": ("本籍地の利用登録が必要です", "register for honseki use first"),
    "no_koseki": ("戸籍の記録がありません", "no family register here"),
    "municipal_unavailable": (
        "この市区町村の証明書発行サーバが応答しないため、ただいま交付できません",
        "this municipality's issuance server is not answering: not available now",
    ),
}


def reason_message(reason: str) -> str:
    ja, en = REASONS.get(reason, ("交付できません", "not available"))
    return f"{ja} / {en}"


def not_available(reason: str, *, code: str = "not_available", status: int = 422) -> NotAvailableError:
    return NotAvailableError(reason_message(reason), code=code, status=status, reason=reason)


@dataclass(frozen=True)
class ResidentFacts:
    """What the rules need to know about the authenticated resident (no names, no numbers)."""

    resident_id: str
    municipality: str
    status: str  # active | moved_out | deceased
    support_measure: bool = False
    foreign: bool = False
    has_seal: bool = False
    tax_years: frozenset[int] = frozenset()
    honseki: str | None = None  # municipality code keeping the 戸籍, None for foreign residents
    honseki_registered: bool = False
    household_size: int = 1
    # (resident_id, name) of the household's current members, the resident included: whom 世帯の一部
    # may name.  Names reach the kiosk only as the labels of its check boxes.
    household_members: tuple[tuple[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _jst(now: dt.datetime) -> dt.datetime:
    return now.astimezone(JST)


def check_service_hours(now: dt.datetime) -> None:
    """The nationwide kiosk hours (docs/domain.md §1 "Hours").

    :raises NotAvailableError: ``outside_hours`` with reason ``closed_hours`` or ``year_end``.
    """
    t = _jst(now)
    if (t.month == 12 and t.day >= 29) or (t.month == 1 and t.day <= 3):
        raise not_available("year_end", code="outside_hours", status=403)
    if not OPEN <= t.time() < CLOSE:
        raise not_available("closed_hours", code="outside_hours", status=403)


def is_maintenance_day(muni: Municipality, now: dt.datetime) -> bool:
    d = _jst(now).date()
    return any(d.weekday() == wd and (d.day - 1) // 7 + 1 == nth for nth, wd in muni.maintenance)


def latest_fiscal_year(now: dt.datetime) -> int:
    # The new 年度's tax certificates appear in June (docs/domain.md §1 "June tax-year switch").
    t = _jst(now)
    return t.year if t.month >= 6 else t.year - 1


def offered_tax_years(muni: Municipality, now: dt.datetime) -> list[int]:
    rule = muni.services.get("kazei")
    latest = latest_fiscal_year(now)
    return [latest - i for i in range(rule.tax_years)] if rule else []


@functools.lru_cache(maxsize=8)
def _jp_holidays(year: int) -> holidays.HolidayBase:
    # The maintained `holidays` library (pinned in constraints.txt) rather than a hand-kept list: it
    # follows the 国民の祝日に関する法律, including 振替休日 and 国民の休日, and new laws reach it by update.
    return holidays.country_holidays("JP", years=year, language="ja")


def national_holiday(day: dt.date) -> str | None:
    """The Japanese name of the national holiday on ``day`` (国民の祝日, 振替休日, 国民の休日), or None."""
    name = _jp_holidays(day.year).get(day)
    return None if name is None else str(name)


def _hours_reason(muni: Municipality, cert: str, now: dt.datetime) -> str | None:
    if is_maintenance_day(muni, now):
        return "maintenance"
    rule = muni.services[cert]
    if rule.weekday_hours:
        t = _jst(now)
        start, end = (dt.time.fromisoformat(x) for x in rule.weekday_hours)
        if t.weekday() >= 5 or not start <= t.time() < end:
            return "weekday_only"
        if national_holiday(t.date()) is not None:
            # A weekday, but the municipal offices that keep 戸籍 are closed (issue 11).
            return "national_holiday"
    return None


def _eligibility_reason(
    cert: str, relation: str, f: ResidentFacts, muni: Municipality, now: dt.datetime
) -> str | None:
    if relation == "residence" and KEPT_BY[cert] == "residence":
        if f.status == "moved_out":
            return "moved_out"
        if f.support_measure:
            return "support_measure"
    if cert == "inkan" and not f.has_seal:
        return "no_seal_registered"
    if cert == "kazei" and not set(offered_tax_years(muni, now)) & f.tax_years:
        return "no_tax_return"
    if KEPT_BY[cert] == "honseki":
        if f.honseki is None:
            return "no_koseki"
        if relation == "honseki" and not f.honseki_registered:
            return "honseki_not_registered"
        if f.support_measure:
            return "support_measure"
    return None


def service_status(
    muni: Municipality, cert: str, relation: str, f: ResidentFacts, now: dt.datetime
) -> str | None:
    """``None`` when the service can be ordered now, else the stable reason code."""
    if cert not in muni.services:
        return "not_offered"
    return _eligibility_reason(cert, relation, f, muni, now) or _hours_reason(muni, cert, now)


def _options_hint(muni: Municipality, cert: str, f: ResidentFacts, now: dt.datetime) -> dict[str, Any]:
    if cert in ("juminhyo", "kisaijiko"):
        return {
            "scope": ["self", "household"] if f.household_size > 1 else ["self"],
            "householder_relationship": True,
            "honseki": not f.foreign,
            "my_number": cert == "juminhyo" and muni.my_number_on_juminhyo,
        }
    if cert == "kazei":
        return {"years": [y for y in offered_tax_years(muni, now) if y in f.tax_years]}
    if cert == "koseki":
        return {"kind": ["zenbu", "kojin"]}
    if cert == "fuhyo":
        return {"scope": ["self", "all"], "honseki": True}
    return {}


def choosable_members(f: ResidentFacts) -> tuple[tuple[str, str], ...]:
    """Whom a 住民票 of 世帯の一部 may name: the municipal rule of this center.

    Only persons registered in the resident's own household today (転出 or deceased members are gone
    from it), and only when there is more than the resident.  The resident must be among the chosen
    (本人を含む世帯の一部; ``validate_order``).  Municipalities differ here; which rule a given one applies is
    UNCONFIRMED, and this one is the common, stricter reading.
    """
    return f.household_members if f.household_size > 1 and len(f.household_members) > 1 else ()


def _members_option(options: dict[str, Any], f: ResidentFacts) -> list[str]:
    ids = options.get("members")
    allowed = [rid for rid, _name in choosable_members(f)]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise RequestError("members は ID のリストです / members must be a list of member ids",
                           code="option_invalid", status=422)
    if len(set(ids)) != len(ids) or not set(ids) <= set(allowed):
        raise RequestError("選べない方が含まれています / a chosen member is not in the household",
                           code="option_invalid", status=422)
    if f.resident_id not in ids:
        raise RequestError("ご本人を含めてください / the resident must be among the chosen members",
                           code="option_not_allowed", status=422)
    return [rid for rid in allowed if rid in ids]  # household order, whatever the order asked


def _services(
    muni: Municipality, certs: list[str], relation: str, f: ResidentFacts, now: dt.datetime
) -> list[dict[str, Any]]:
    out = []
    for cert in certs:
        reason = service_status(muni, cert, relation, f, now)
        entry: dict[str, Any] = {
            "certificate": cert,
            "name": CERTIFICATES[cert],
            "available": reason is None,
            "fee": muni.services[cert].fee,
        }
        if reason:
            entry["reason"] = reason
            entry["message"] = reason_message(reason)
        else:
            entry["options"] = _options_hint(muni, cert, f, now)
            members = choosable_members(f) if cert in ("juminhyo", "kisaijiko") else ()
            if members:  # 世帯の一部 (kiosk: service-level "members" adds the MEMBERS screen)
                readings: dict[str, str] = f.extra.get("readings", {})
                entry["members"] = [
                    {"id": rid, "name": name, **({"reading": readings[rid]} if rid in readings else {})}
                    for rid, name in members
                ]
        out.append(entry)
    return out


def municipality_entry(
    muni: Municipality, relation: str, f: ResidentFacts, now: dt.datetime
) -> dict[str, Any]:
    """One municipality of the session's list, as its issuance server describes it (docs/center.md
    "Eligibility"): name, reading, relation and every service with its fee, options or reason."""
    if relation == "residence":
        certs = [
            c
            for c in CERTIFICATES
            if c in muni.services and (KEPT_BY[c] == "residence" or f.honseki == muni.code)
        ]
    else:
        certs = [c for c in CERTIFICATES if c in muni.services and KEPT_BY[c] == "honseki"]
    entry: dict[str, Any] = {
        "code": muni.code,
        "name": f"{muni.prefecture}{muni.name}",
        "relation": relation,
        "services": _services(muni, certs, relation, f, now),
    }
    if muni.reading:
        entry["reading"] = muni.reading
    return entry


def municipalities_for(
    f: ResidentFacts, catalogue: dict[str, Municipality], now: dt.datetime
) -> list[dict[str, Any]]:
    """The session's municipality list: 住民登録地 first, then a different 本籍地 (DESIGN "Center API v1")."""
    out: list[dict[str, Any]] = []
    home = catalogue.get(f.municipality)
    if home is not None:
        out.append(municipality_entry(home, "residence", f, now))
    if f.honseki and f.honseki != f.municipality and f.honseki in catalogue:
        out.append(municipality_entry(catalogue[f.honseki], "honseki", f, now))
    return out


def person_reading(person: dict[str, Any]) -> str | None:
    """A registry person's reading (氏　名 in katakana), or None unless both parts are registered."""
    kana = person.get("furigana") or {}
    family, given = kana.get("family"), kana.get("given")
    if not isinstance(family, str) or not isinstance(given, str) or not family or not given:
        return None
    return f"{family}　{given}"


def _bool_opt(options: dict[str, Any], key: str) -> bool:
    v = options.get(key, False)
    if not isinstance(v, bool):
        raise RequestError(
            f"オプション {key} が不正です / option {key} must be true or false",
            code="option_invalid",
            status=422,
        )
    return v


def _choice(options: dict[str, Any], key: str, allowed: list[str], default: str) -> str:
    v = options.get(key, default)
    if v not in allowed:
        raise RequestError(
            f"オプション {key} が不正です / option {key} must be one of {allowed}",
            code="option_invalid",
            status=422,
        )
    return str(v)


def validate_order(
    muni: Municipality,
    cert: str,
    relation: str,
    f: ResidentFacts,
    *,
    options: Any,
    copies: Any,
    now: dt.datetime,
) -> dict[str, Any]:
    """Check an order against the rules; return the normalized options.

    :raises NotAvailableError: ``not_available`` (with ``reason``) or ``outside_hours``.
    :raises RequestError: ``option_invalid`` / ``copies_invalid`` for values the rules do not allow.
    """
    if cert not in CERTIFICATES:
        raise RequestError(
            "証明書の種類が不正です / unknown certificate", code="certificate_type_unknown", status=422
        )
    reason = service_status(muni, cert, relation, f, now)
    if reason in ("maintenance", "weekday_only"):
        raise not_available(reason, code="outside_hours", status=403)
    if reason:
        raise not_available(reason)
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
        raise RequestError(
            f"部数は1〜{MAX_COPIES}です / copies must be 1..{MAX_COPIES}", code="copies_invalid", status=422
        )
    if not isinstance(options, dict):
        raise RequestError(
            "options はオブジェクトです / options must be an object", code="option_invalid", status=422
        )
    hint = _options_hint(muni, cert, f, now)
    known = (
        set(hint) - {"years", "kind"}
        | ({"year"} if cert == "kazei" else set())
        | ({"kind"} if cert == "koseki" else set())
    )
    if cert in ("juminhyo", "kisaijiko") and choosable_members(f):
        known.add("members")
    unknown = set(options) - known
    if unknown:
        raise RequestError(
            f"不明なオプションです / unknown option(s) {sorted(unknown)}", code="option_invalid", status=422
        )
    out: dict[str, Any] = {}
    if cert in ("juminhyo", "kisaijiko", "fuhyo"):
        some = ["members"] if cert != "fuhyo" and choosable_members(f) else []
        out["scope"] = _choice(options, "scope", [*hint["scope"], *some], "self")
        if out["scope"] == "members":
            out["members"] = _members_option(options, f)
        elif "members" in options:
            raise RequestError("members は scope=members のときだけです / members needs scope=members",
                               code="option_invalid", status=422)
    if cert in ("juminhyo", "kisaijiko"):
        out["householder_relationship"] = _bool_opt(options, "householder_relationship")
        for key in ("honseki", "my_number"):
            out[key] = _bool_opt(options, key)
            if out[key] and not hint[key]:
                raise RequestError(
                    f"オプション {key} は選べません / option {key} is not allowed here",
                    code="option_not_allowed",
                    status=422,
                )
    if cert == "fuhyo":
        out["honseki"] = _bool_opt(options, "honseki")
    if cert == "koseki":
        out["kind"] = _choice(options, "kind", ["zenbu", "kojin"], "zenbu")
    if cert == "kazei":
        year = options.get("year", hint["years"][0] if hint["years"] else None)
        if not isinstance(year, int) or isinstance(year, bool):
            raise RequestError("年度が不正です / year must be an integer", code="option_invalid", status=422)
        if year not in offered_tax_years(muni, now):
            raise RequestError(
                "この年度は交付できません / year not offered", code="year_not_offered", status=422
            )
        if year not in f.tax_years:
            raise not_available("no_tax_return")
        out["year"] = year
    return out
