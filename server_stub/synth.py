"""Synthetic registries: households, residents, 戸籍, seal registrations and tax records.

Deterministic for a seed.  The first households are fixed scenarios so that even a small ``--residents``
covers every edge case the kiosk must refuse or handle (docs/domain.md §1 "Stuck points"); the rest
are random families and singles.  Each household is built from one history (births, moves, the
marriage that makes the 戸籍, the 本籍) and every certificate is derived from it by documents.py.
Names are common name parts recombined; addresses are in the
fictitious municipalities of municipalities.py; My Numbers carry a deliberately WRONG check digit so
that none can ever be a real person's number.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from server_stub.municipalities import CATALOGUE, Municipality
from server_stub.synthpool import (
    CHILD_ORDER,
    FEMALE,
    FOREIGN,
    MALE,
    STATUSES,
    SURNAMES,
    add_years,
    muni,
    my_number,
    random_address,
    random_date,
)

__all__ = ["Registry", "SyntheticResident", "generate"]


@dataclass
class SyntheticResident:
    data: dict[str, Any]
    card: bool = True
    card_state: str = "valid"  # valid | revoked | expired
    pin: str = "1234"
    tags: list[str] = field(default_factory=list)


@dataclass
class Registry:
    residents: list[SyntheticResident] = field(default_factory=list)
    koseki: list[dict[str, Any]] = field(default_factory=list)
    tax: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    seals: dict[str, dict[str, Any]] = field(default_factory=dict)
    honseki_registrations: list[tuple[str, str]] = field(default_factory=list)


class _Builder:
    """Builds each household from one history; every certificate is derived from what it records.

    A person's history is a list of residence entries ``{"address", "municipality", "since", "how",
    "notified"}`` (``how``: 出生 / 転入 / 転居): where they were born, where they lived, when they came to
    this municipality and moved within it.  Births, the marriage (= 戸籍編製 of a couple) and the
    本籍 are chosen first; the 住民票's dates, the 附票's address rows and the 戸籍's 出生 entries are all
    read from the same entries by server_stub.documents.
    """

    def __init__(self, r: random.Random, today: dt.date) -> None:
        self.r = r
        self.today = today
        self.reg = Registry()
        self.n_res = 0
        self.n_hh = 0
        self.n_kos = 0
        latest = today.year if today.month >= 6 else today.year - 1
        self.tax_years = [latest - i for i in range(4)]

    def _rid(self) -> str:
        self.n_res += 1
        return f"R{self.n_res:05d}"

    def _furigana(self, surname: tuple[str, str], given: tuple[str, str], mode: str | None) -> dict[str, Any]:
        """The registered readings; ``mode`` forces none/partial registration for the scenarios."""
        if mode is None:
            x = self.r.random()
            mode = "full" if x < 0.86 else "none" if x < 0.92 else "family" if x < 0.96 else "given"
        return {
            "family": surname[1] if mode in ("full", "family") else None,
            "given": given[1] if mode in ("full", "given") else None,
        }

    def person(  # noqa: PLR0917
        self,
        muni: Municipality,
        hh: str,
        rel: str,
        sex: str,
        age: int,
        surname: tuple[str, str],
        *,
        furigana: str | None = None,
        avoid: frozenset[str] = frozenset(),
        **kw: Any,
    ) -> dict[str, Any]:
        r = self.r
        # No two members of a family share a given name (a son is not named after his father here).
        given = r.choice([g for g in (MALE if sex == "男" else FEMALE) if g[0] not in avoid])
        birth = random_date(
            r,
            self.today.replace(year=self.today.year - age - 1),
            self.today.replace(year=self.today.year - age),
        )
        d: dict[str, Any] = {
            "resident_id": self._rid(),
            "municipality": muni.code,
            "household_id": hh,
            "status": "active",
            "support_measure": False,
            "family_name": surname[0],
            "given_name": given[0],
            "name": f"{surname[0]}　{given[0]}",
            "furigana": self._furigana(surname, given, furigana),
            "old_name": None,
            "old_name_furigana": None,
            "alias": None,
            "birth_date": birth.isoformat(),
            "sex": sex,
            "relationship": rel,
            "my_number": my_number(r),
            "address": None,
            "history": [],
            "honseki": None,
            "foreign": None,
        }
        d.update(kw)
        return d

    def _entry(self, address: str, code: str | None, since: dt.date, how: str) -> dict[str, Any]:
        # 届出 within 14 days (出生届 and 転入届 alike); never after today.
        notified = min(since + dt.timedelta(days=self.r.randrange(0, 15)), self.today)
        return {
            "address": address,
            "municipality": code,
            "since": since.isoformat(),
            "how": how,
            "notified": notified.isoformat(),
        }

    def _before(self, p: dict[str, Any], arrive: dt.date, here: Municipality) -> list[dict[str, Any]]:
        """Where an adult lived before ``arrive``: born somewhere, perhaps one move in between."""
        birth = dt.date.fromisoformat(p["birth_date"])
        born_in = self.r.choice(CATALOGUE)
        out = [self._entry(random_address(self.r, born_in), born_in.code, birth, "出生")]
        # Left home at 18-22, and at the latest two months before coming here.
        mid = min(add_years(birth, 18 + self.r.randrange(0, 5)), arrive - dt.timedelta(days=60))
        if self.r.random() < 0.6:
            # A move away from the birthplace (study, work); never into this municipality yet.
            other = self.r.choice([m for m in CATALOGUE if m.code != here.code])
            out.append(self._entry(random_address(self.r, other), other.code, mid, "転入"))
        if out[-1]["municipality"] == here.code:
            # Born here and never left until ``arrive``: make the earlier home another municipality,
            # so that ``arrive`` is a real 転入 from elsewhere.
            other = self.r.choice([m for m in CATALOGUE if m.code != here.code])
            out.append(self._entry(random_address(self.r, other), other.code, mid, "転入"))
        return out

    def koseki(
        self, code: str, hittosha: dict[str, Any], members: list[dict[str, Any]], created: dt.date
    ) -> None:
        self.n_kos += 1
        m = muni(code)
        k: dict[str, Any] = {
            "koseki_id": f"K{self.n_kos:05d}",
            "municipality": code,
            "honseki": f"{m.prefecture}{m.name}{m.towns[0]}一丁目{self.r.randrange(1, 400)}番地",
            "hittosha": hittosha["name"],
            "created_on": created.isoformat(),
            "members": [],
        }
        counts = {"男": 0, "女": 0}
        wife = next((x for x in members if x["relationship"] == "妻"), None)
        for p in members:
            role = p["relationship"]
            entry: dict[str, Any] = {}
            born = p["history"][0]
            if role in ("世帯主", "妻"):
                order = "長男" if p["sex"] == "男" else "長女"
                spouse = ("夫" if p["sex"] == "男" else "妻") if wife else None
                # A wife's parents carry her birth surname (旧姓); each spouse came from a parent's 戸籍.
                family = p["maiden_name"] if role == "妻" else p["family_name"]
                father = f"{family}{self.r.choice(MALE)[0]}"
                mother = f"{family}{self.r.choice(FEMALE)[0]}"
                if wife:
                    other = muni(self.r.choice([x.code for x in CATALOGUE]))
                    partner = (
                        f"{wife['maiden_name']}{wife['given_name']}" if role == "世帯主" else hittosha["name"]
                    )
                    entry["marriage"] = {
                        "date": created.isoformat(),
                        "spouse": partner.replace("　", ""),
                        "previous": f"{other.prefecture}{other.name}{other.towns[-1]}"
                        f"{self.r.randrange(1, 900)}番地　{father}",
                    }
                notifier = "父"
            else:
                order = CHILD_ORDER[p["sex"]][counts[p["sex"]] % 3]
                counts[p["sex"]] += 1
                spouse = None
                father = hittosha["name"].replace("　", "")
                mother = (
                    wife["name"].replace("　", "")
                    if wife
                    else f"{p['family_name']}{self.r.choice(FEMALE)[0]}"
                )
                notifier = self.r.choice(["父", "母"])
            if p["status"] == "deceased":
                died = self.today - dt.timedelta(days=30)
                p["deceased_on"] = died.isoformat()
                entry["death"] = {"date": died.isoformat(), "place": f"{m.prefecture}{m.name}"}
            bm = muni(born["municipality"])
            k["members"].append(
                {
                    "resident_id": p["resident_id"],
                    "given_name": p["given_name"],
                    "name": p["name"],
                    "furigana": p["furigana"],
                    "birth_date": p["birth_date"],
                    "sex": p["sex"],
                    "spouse_role": spouse,
                    "father": father,
                    "mother": mother,
                    "relationship": order,
                    "removed": p["status"] == "deceased",
                    "birth_place": f"{bm.prefecture}{bm.name}",
                    "birth_notified_on": born["notified"],
                    "birth_notifier": notifier,
                    # The day this person entered this 戸籍: its 編製 for the couple, birth for a child.
                    "entered_on": max(created.isoformat(), p["birth_date"]),
                    **entry,
                }
            )
            p["honseki"] = {
                "municipality": code,
                "address": k["honseki"],
                "koseki_id": k["koseki_id"],
                "hittosha": hittosha["name"],
            }
        self.reg.koseki.append(k)

    def tax(self, p: dict[str, Any], filed: bool) -> None:
        age = self.today.year - int(p["birth_date"][:4])
        if age < 18 or not filed:
            return
        r = self.r
        salary = r.randrange(120, 900) * 10_000
        head = p["relationship"] == "世帯主"
        spouse = "general" if head and r.random() < 0.5 else None
        base: dict[str, Any] = {
            "spouse": spouse,
            "dependents_general": r.randrange(0, 2) if head else 0,
            "dependents_specific": 1 if head and r.random() < 0.2 else 0,
            "dependents_elderly": 1 if head and r.random() < 0.1 else 0,
            "dependents_young": r.randrange(0, 3) if head else 0,
            "disabled_ordinary": 1 if r.random() < 0.08 else 0,
            "disabled_special": 1 if r.random() < 0.04 else 0,
            "widow": p["sex"] == "女" and not spouse and r.random() < 0.05,
            "single_parent": None,
            "life_insurance": r.choice([0, 0, 28_000]),
            "earthquake_insurance": r.choice([0, 5_000]),
        }
        if head and not spouse and base["dependents_young"] and r.random() < 0.5:
            base["single_parent"] = "mother" if p["sex"] == "女" else "father"
            base["widow"] = False
        for y in self.tax_years:
            # A municipality taxes (and certifies) only those who lived in it on 1 January of the 年度.
            jan1 = dt.date(y, 1, 1).isoformat()
            then = [e for e in p["history"] if e["since"] <= jan1]
            if not then or then[-1]["municipality"] != p["municipality"]:
                continue
            s = salary + (y - self.tax_years[-1]) * 50_000
            self.reg.tax[(p["resident_id"], y)] = {"salary": s, "social_insurance": s * 15 // 100, **base}

    def seal(self, p: dict[str, Any]) -> None:
        n = len(self.reg.seals) + 1
        alias = p.get("alias")
        self.reg.seals[p["resident_id"]] = {
            "registration_number": n,
            # A foreign resident registers the 通称 (or the name) as the impression.
            "text": alias.split("　")[0] if alias else p["family_name"],
            "shape": "round",
            "size_mm": 15,
        }

    def add(
        self,
        p: dict[str, Any],
        *,
        card_state: str = "valid",
        filed: bool = True,
        seal: bool = True,
        tags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        age = self.today.year - int(p["birth_date"][:4])
        self.tax(p, filed)
        if seal and age >= 15:
            self.seal(p)
        res = SyntheticResident(
            p, card=age >= 15, card_state=card_state, pin=f"{self.r.randrange(10_000):04d}", tags=list(tags)
        )
        self.reg.residents.append(res)
        return p

    def household(
        self, code: str, size: int, *, honseki: str | None = None, registered: bool = False, **first: Any
    ) -> list[dict[str, Any]]:
        m = muni(code)
        r = self.r
        self.n_hh += 1
        hh = f"H{self.n_hh:05d}"
        address = random_address(r, m)
        surname = r.choice(SURNAMES)
        card_state = first.pop("card_state", "valid")
        filed = first.pop("filed", True)
        seal = first.pop("seal", True)
        head_age = r.randrange(38, 70) if size > 1 else r.randrange(22, 80)
        sex = "男" if size > 1 or r.random() < 0.5 else "女"
        head = self.person(m, hh, "世帯主", sex, head_age, surname, **first)
        adults = [head]
        wife_age = max(30, head_age - r.randrange(0, 6))
        if size > 1:
            maiden = r.choice([x for x in SURNAMES if x[0] != surname[0]])
            wife = self.person(m, hh, "妻", "女", wife_age, surname, maiden_name=maiden[0])
            if r.random() < 0.4:  # 旧氏の併記 requested
                wife["old_name"], wife["old_name_furigana"] = maiden[0], maiden[1]
            adults.append(wife)
        children: list[dict[str, Any]] = []
        for i in range(size - 2):
            # Children born after the parents' marriage (mother at least 25); the first is 16+ when possible
            # so that scenario households include a child with a card.
            oldest = min(24, wife_age - 25)
            age = min(oldest, r.choice([16, 19, 24])) if i == 0 else r.randrange(1, max(2, oldest))
            taken = frozenset(x["given_name"] for x in adults + children)
            children.append(self.person(m, hh, "子", r.choice(["男", "女"]), age, surname, avoid=taken))
        births = sorted(dt.date.fromisoformat(c["birth_date"]) for c in children)
        # 戸籍編製: the marriage, or for a single person an own 戸籍 (分籍) in their twenties.
        oldest_adult = max(dt.date.fromisoformat(a["birth_date"]) for a in adults)
        created = min(
            [add_years(oldest_adult, 24 + r.randrange(0, 4)), self.today - dt.timedelta(days=400)]
            + [b - dt.timedelta(days=300) for b in births]
        )
        # The move into this municipality: on or after the marriage, before the first child is born.
        latest_in = (births[0] if births else self.today) - dt.timedelta(days=60)
        arrive = created + dt.timedelta(days=r.randrange(0, max(1, (latest_in - created).days)))
        born_here = size == 1 and r.random() < 0.2
        moved = r.random() < 0.5 and (self.today - arrive).days > 200
        move_on = (
            random_date(r, arrive + dt.timedelta(days=60), self.today - dt.timedelta(days=60))
            if moved
            else None
        )
        first_home = random_address(r, m) if moved else address
        while moved and first_home == address:
            first_home = random_address(r, m)
        for a in adults:
            if born_here:
                birth = dt.date.fromisoformat(a["birth_date"])
                a["history"] = [self._entry(first_home, code, birth, "出生")]
            else:
                a["history"] = [*self._before(a, arrive, m), self._entry(first_home, code, arrive, "転入")]
        for c in children:
            birth = dt.date.fromisoformat(c["birth_date"])
            home = address if move_on and birth >= move_on else first_home
            c["history"] = [self._entry(home, code, birth, "出生")]
        if move_on:
            # The family moves together: one 転居届 for everyone living here then.
            shared = self._entry(address, code, move_on, "転居")
            for p in adults + children:
                if dt.date.fromisoformat(p["history"][-1]["since"]) < move_on:
                    p["history"].append(dict(shared))
        people = adults + children
        for p in people:
            p["address"] = p["history"][-1]["address"]
            # 氏の振り仮名 is one per 戸籍: registered (or not) for the whole family at once.
            p["furigana"]["family"] = head["furigana"]["family"]
        if honseki is not None:
            self.koseki(honseki, head, people, created)
            if registered and honseki != code:
                self.reg.honseki_registrations += [(p["resident_id"], honseki) for p in people]
        out = [self.add(head, card_state=card_state, filed=filed, seal=seal)]
        if size > 1:
            out.append(self.add(adults[1], seal=r.random() < 0.6))
        for c in children:
            age = self.today.year - int(c["birth_date"][:4])
            out.append(self.add(c, filed=age >= 18 and r.random() < 0.5, seal=age >= 18))
        return out

    def foreign(self, code: str, *, alias: bool | None = None) -> dict[str, Any]:
        m = muni(code)
        r = self.r
        self.n_hh += 1
        pool = [f for f in FOREIGN if alias is None or (f[3] is not None) == alias]
        name, nationality, sex_code, alias_name = r.choice(pool)
        status, period = r.choice(STATUSES)
        expires = self.today + dt.timedelta(days=r.randrange(200, 1000))
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        card = (
            r.choice(letters)
            + r.choice(letters)
            + f"{r.randrange(10**8):08d}"
            + r.choice(letters)
            + r.choice(letters)
        )
        p = self.person(
            m, f"H{self.n_hh:05d}", "世帯主", "男" if sex_code == 1 else "女", r.randrange(20, 50), ("", "")
        )
        arrive = random_date(r, self.today - dt.timedelta(days=365 * 6), self.today - dt.timedelta(days=90))
        birth = dt.date.fromisoformat(p["birth_date"])
        p.update(
            {
                "name": name,
                "furigana": None,
                "alias": alias_name,
                "family_name": name.split()[0],
                "given_name": name.split()[-1],
                # Born abroad: the 転入前住所 of someone arriving from abroad is the country.
                "history": [
                    {
                        "address": nationality,
                        "municipality": None,
                        "since": birth.isoformat(),
                        "how": "出生",
                        "notified": birth.isoformat(),
                    },
                    self._entry(random_address(r, m), code, arrive, "転入"),
                ],
                "foreign": {
                    "nationality": nationality,
                    "section": "中長期在留者" if status != "永住者" else "中長期在留者（永住者）",
                    "status": status,
                    "period": period,
                    "period_expires": expires.isoformat(),
                    "card_number": card,
                },
            }
        )
        p["address"] = p["history"][-1]["address"]
        return self.add(p, seal=alias_name is not None)


def _scenarios(b: _Builder) -> None:
    """The fixed households that cover every edge case, in this order (tests rely on the tags)."""
    b.household("139991", 4, honseki="139991")  # household, all services
    b.household("279992", 1, honseki="139991", registered=True)  # honseki-other, registered
    b.household("019993", 1, honseki="409994")  # honseki-other, not registered
    b.foreign("139991", alias=True)  # foreign resident with a 通称 and a seal
    b.household("139991", 1, honseki="139991", card_state="revoked")  # revoked certificate
    b.household("279992", 1, honseki="279992", card_state="expired")  # expired certificate
    b.household("139991", 1, honseki="139991", status="moved_out")  # 転出 (koseki still issued)
    b.household("409994", 1, honseki="409994", support_measure=True)  # 支援措置
    b.household("279992", 1, honseki="279992", seal=False)  # no seal registered
    b.household("139991", 1, honseki="139991", filed=False)  # no tax return
    b.household("019993", 1, honseki="019993", status="deceased")  # deceased
    b.household("139991", 1, honseki="139991", furigana="none")  # no furigana registered (＊＊＊＊＊＊)
    b.household("139991", 1, honseki="139991", furigana="given")  # only 名 registered (【氏空欄】)
    b.household("139991", 3, honseki="139991")  # a second family (koseki/fuhyo consistency)


def generate(
    seed: str | int, residents: int, today: dt.date, catalogue: tuple[Municipality, ...] = CATALOGUE
) -> Registry:
    """Build a registry of at least ``residents`` people: the fixed scenarios (19 people) always, then
    random households until the count is reached.  With more municipalities than the four hand-made
    ones (``init --municipalities``), every other household goes to the next of them in turn, so all
    of them get residents once there are about twice as many households as municipalities."""
    r = random.Random(f"konbini-registry:{seed}")
    b = _Builder(r, today)
    _scenarios(b)
    codes = [m.code for m in CATALOGUE]
    extra = [m.code for m in catalogue if m.code not in codes]
    turn = 0
    while b.n_res < residents:
        # Every other household goes to the next synthetic municipality (when there are any).
        code = extra[(turn // 2) % len(extra)] if extra and turn % 2 else r.choice(codes)
        turn += 1
        if r.random() < 0.12:
            b.foreign(code)
            continue
        honseki = code if r.random() < 0.7 else r.choice(codes)
        b.household(code, r.choice([1, 1, 2, 3, 4]), honseki=honseki, registered=r.random() < 0.5)
    _tag(b.reg, b.tax_years[0])
    return b.reg


def _tag(reg: Registry, latest: int) -> None:
    sizes: dict[str, int] = {}
    for x in reg.residents:
        sizes[x.data["household_id"]] = sizes.get(x.data["household_id"], 0) + 1
    registered = {rid for rid, _ in reg.honseki_registrations}
    for x in reg.residents:
        d = x.data
        tags = {
            "revoked": x.card_state == "revoked",
            "expired": x.card_state == "expired",
            "moved-out": d["status"] == "moved_out",
            "deceased": d["status"] == "deceased",
            "support-measure": d["support_measure"],
            "foreign": d["foreign"] is not None,
            "household": sizes[d["household_id"]] > 1,
            "no-seal": d["resident_id"] not in reg.seals,
            "no-tax-return": (d["resident_id"], latest) not in reg.tax,
            "honseki-other": bool(d["honseki"]) and d["honseki"]["municipality"] != d["municipality"],
            "honseki-registered": d["resident_id"] in registered,
            # 氏名の振り仮名 not (fully) registered: the 住民票 prints a placeholder.
            "no-furigana": d["foreign"] is None and d["furigana"] == {"family": None, "given": None},
            "furigana-partial": d["foreign"] is None and sum(v is None for v in d["furigana"].values()) == 1,
            "alias": bool(d.get("alias")),
        }
        x.tags = sorted(k for k, v in tags.items() if v)
