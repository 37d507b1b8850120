"""Synthetic registries: households, residents, 戸籍, seal registrations and tax records.

Deterministic for a seed.  The first households are fixed scenarios so that even a small ``--residents``
covers every edge case the kiosk must refuse or handle (docs/domain.md §1 "Stuck points"); the rest
are random families and singles.  Names are common name parts recombined; addresses are in the
fictitious municipalities of municipalities.py; My Numbers carry a deliberately WRONG check digit so
that none can ever be a real person's number.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from server_stub.municipalities import CATALOGUE, Municipality

__all__ = ["Registry", "SyntheticResident", "generate"]

SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山本", "ヤマモト"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
]
MALE = [
    ("太郎", "タロウ"),
    ("健一", "ケンイチ"),
    ("大輔", "ダイスケ"),
    ("翔太", "ショウタ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("拓也", "タクヤ"),
    ("和夫", "カズオ"),
]
FEMALE = [
    ("花子", "ハナコ"),
    ("陽子", "ヨウコ"),
    ("美咲", "ミサキ"),
    ("由美", "ユミ"),
    ("恵", "メグミ"),
    ("彩", "アヤ"),
    ("真由美", "マユミ"),
    ("春子", "ハルコ"),
]
FOREIGN = [
    ("NGUYEN VAN AN", "ベトナム", 1),
    ("SMITH EMILY ROSE", "アメリカ合衆国", 2),
    ("SANTOS MARIA CLARA", "フィリピン", 2),
    ("WANG FANG", "中国", 2),
    ("SILVA PEDRO", "ブラジル", 1),
]
STATUSES = [
    ("技術・人文知識・国際業務", "3年"),
    ("永住者", "無期限"),
    ("留学", "2年"),
    ("特定技能1号", "1年"),
]
KANJI_NUM = "一二三四五六七八九"
CHILD_ORDER = {"男": ["長男", "二男", "三男"], "女": ["長女", "二女", "三女"]}


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


def _muni(code: str) -> Municipality:
    return next(m for m in CATALOGUE if m.code == code)


def _date(r: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=r.randrange(max(1, (end - start).days)))


def _my_number(r: random.Random) -> str:
    digits = [r.randrange(10) for _ in range(11)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(digits), start=1))
    rem = total % 11
    check = 0 if rem <= 1 else 11 - rem
    return "".join(map(str, digits)) + str((check + 1) % 10)  # deliberately wrong check digit


def _address(r: random.Random, m: Municipality) -> str:
    town = r.choice(m.towns)
    if town.startswith("大字"):
        return f"{m.prefecture}{m.name}{town}{r.randrange(100, 3000)}番地"
    chome = KANJI_NUM[r.randrange(5)]
    return f"{m.prefecture}{m.name}{town}{chome}丁目{r.randrange(1, 30)}番{r.randrange(1, 20)}号"


class _Builder:
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

    def person(  # noqa: PLR0917
        self,
        muni: Municipality,
        hh: str,
        address: str,
        rel: str,
        sex: str,
        age: int,
        surname: tuple[str, str],
        **kw: Any,
    ) -> dict[str, Any]:
        r = self.r
        given = r.choice(MALE if sex == "男" else FEMALE)
        birth = _date(
            r,
            self.today.replace(year=self.today.year - age - 1),
            self.today.replace(year=self.today.year - age),
        )
        became = _date(r, max(birth, dt.date(1990, 1, 1)), self.today - dt.timedelta(days=60))
        other = r.choice([m for m in CATALOGUE if m.code != muni.code])
        d: dict[str, Any] = {
            "resident_id": self._rid(),
            "municipality": muni.code,
            "household_id": hh,
            "status": "active",
            "support_measure": False,
            "family_name": surname[0],
            "given_name": given[0],
            "name": f"{surname[0]}　{given[0]}",
            "furigana": f"{surname[1]}　{given[1]}",
            "birth_date": birth.isoformat(),
            "sex": sex,
            "relationship": rel,
            "my_number": _my_number(r),
            "address": address,
            "became_resident_on": became.isoformat(),
            "address_set_on": None if r.random() < 0.5 else _date(r, became, self.today).isoformat(),
            "notified_on": became.isoformat(),
            "previous_address": _address(r, other),
            "honseki": None,
            "foreign": None,
        }
        d.update(kw)
        return d

    def koseki(self, code: str, hittosha: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
        self.n_kos += 1
        m = _muni(code)
        # 戸籍編製 (here: the marriage) when the younger spouse was ~24, before the first child.
        births = [dt.date.fromisoformat(x["birth_date"]) for x in members]
        adults = [b for b, x in zip(births, members, strict=True) if x["relationship"] in ("世帯主", "妻")]
        children = [b for b, x in zip(births, members, strict=True) if x["relationship"] == "子"]
        created = max(adults) + dt.timedelta(days=365 * 24)
        created = min(
            [created, self.today - dt.timedelta(days=400), *(c - dt.timedelta(days=300) for c in children)]
        )
        k: dict[str, Any] = {
            "koseki_id": f"K{self.n_kos:05d}",
            "municipality": code,
            "honseki": f"{m.prefecture}{m.name}{m.towns[0]}一丁目{self.r.randrange(1, 400)}番地",
            "hittosha": hittosha["name"],
            "created_on": created.isoformat(),
            "members": [],
        }
        counts = {"男": 0, "女": 0}
        married = any(x["relationship"] == "妻" for x in members)
        wife = next((x for x in members if x["relationship"] == "妻"), None)
        maiden = self.r.choice([s for s in SURNAMES if s[0] != hittosha["family_name"]])[0]
        for p in members:
            role = p["relationship"]
            entry: dict[str, Any] = {}
            if role in ("世帯主", "妻"):
                order = "長男" if p["sex"] == "男" else "長女"
                spouse = ("夫" if p["sex"] == "男" else "妻") if married else None
                # A wife's parents carry her birth surname (旧姓); each spouse came from a parent's 戸籍.
                family = maiden if role == "妻" else p["family_name"]
                father = f"{family}{self.r.choice(MALE)[0]}"
                mother = f"{family}{self.r.choice(FEMALE)[0]}"
                if married:
                    other = _muni(self.r.choice([x.code for x in CATALOGUE]))
                    partner = (
                        f"{maiden}{wife['given_name']}" if role == "世帯主" and wife else hittosha["name"]
                    )
                    entry["marriage"] = {
                        "date": created.isoformat(),
                        "spouse": partner.replace("　", ""),
                        "previous": f"{other.prefecture}{other.name}{other.towns[-1]}"
                        f"{self.r.randrange(1, 900)}番地　{father}",
                    }
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
            if p["status"] == "deceased":
                died = self.today - dt.timedelta(days=30)
                p["deceased_on"] = died.isoformat()
                entry["death"] = {"date": died.isoformat(), "place": f"{m.prefecture}{m.name}"}
            k["members"].append(
                {
                    "resident_id": p["resident_id"],
                    "given_name": p["given_name"],
                    "name": p["name"],
                    "birth_date": p["birth_date"],
                    "sex": p["sex"],
                    "spouse_role": spouse,
                    "father": father,
                    "mother": mother,
                    "relationship": order,
                    "removed": p["status"] == "deceased",
                    "birth_place": f"{m.prefecture}{m.name}",
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
        return k

    def tax(self, p: dict[str, Any], filed: bool) -> None:
        age = self.today.year - int(p["birth_date"][:4])
        if age < 18 or not filed:
            return
        salary = self.r.randrange(120, 900) * 10_000
        for y in self.tax_years:
            self.reg.tax[(p["resident_id"], y)] = {
                "salary": salary + (y - self.tax_years[-1]) * 50_000,
                "spouse": p["relationship"] == "世帯主" and self.r.random() < 0.5,
                "dependents_general": self.r.randrange(0, 2),
                "dependents_young": self.r.randrange(0, 2),
            }

    def seal(self, p: dict[str, Any]) -> None:
        n = len(self.reg.seals) + 1
        self.reg.seals[p["resident_id"]] = {
            "registration_number": n,
            "text": p["family_name"],
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
        m = _muni(code)
        self.n_hh += 1
        hh = f"H{self.n_hh:05d}"
        address = _address(self.r, m)
        surname = self.r.choice(SURNAMES)
        card_state = first.pop("card_state", "valid")
        filed = first.pop("filed", True)
        seal = first.pop("seal", True)
        head_age = self.r.randrange(38, 70) if size > 1 else self.r.randrange(22, 80)
        head = self.person(
            m,
            hh,
            address,
            "世帯主",
            "男" if size > 1 or self.r.random() < 0.5 else "女",
            head_age,
            surname,
            **first,
        )
        wife_age = max(30, head_age - self.r.randrange(0, 6))
        people = [self.add(head, card_state=card_state, filed=filed, seal=seal)]
        if size > 1:
            people.append(
                self.add(
                    self.person(m, hh, address, "妻", "女", wife_age, surname),
                    seal=self.r.random() < 0.6,
                )
            )
        for i in range(size - 2):
            # Children born after the parents' marriage (mother at least 25); the first is 16+ when possible
            # so that scenario households include a child with a card.
            oldest = min(24, wife_age - 25)
            age = min(oldest, self.r.choice([16, 19, 24])) if i == 0 else self.r.randrange(1, max(2, oldest))
            child = self.person(m, hh, address, "子", self.r.choice(["男", "女"]), age, surname)
            people.append(self.add(child, filed=age >= 18 and self.r.random() < 0.5, seal=age >= 18))
        if honseki is not None:
            self.koseki(honseki, head, people)
            if registered and honseki != code:
                self.reg.honseki_registrations += [(p["resident_id"], honseki) for p in people]
        return people

    def foreign(self, code: str) -> dict[str, Any]:
        m = _muni(code)
        self.n_hh += 1
        name, nationality, sex_code = self.r.choice(FOREIGN)
        status, period = self.r.choice(STATUSES)
        expires = self.today + dt.timedelta(days=self.r.randrange(200, 1000))
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        card = (
            self.r.choice(letters)
            + self.r.choice(letters)
            + f"{self.r.randrange(10**8):08d}"
            + self.r.choice(letters)
            + self.r.choice(letters)
        )
        p = self.person(
            m,
            f"H{self.n_hh:05d}",
            _address(self.r, m),
            "世帯主",
            "男" if sex_code == 1 else "女",
            self.r.randrange(20, 50),
            ("", ""),
        )
        p.update(
            {
                "name": name,
                "furigana": None,
                "family_name": name.split()[0],
                "given_name": name.split()[-1],
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
        return self.add(p, seal=False)


def _scenarios(b: _Builder) -> None:
    """The fixed households that cover every edge case, in this order (tests rely on the tags)."""
    b.household("139991", 4, honseki="139991")  # household, all services
    b.household("279992", 1, honseki="139991", registered=True)  # honseki-other, registered
    b.household("019993", 1, honseki="409994")  # honseki-other, not registered
    b.foreign("139991")  # foreign resident
    b.household("139991", 1, honseki="139991", card_state="revoked")  # revoked certificate
    b.household("279992", 1, honseki="279992", card_state="expired")  # expired certificate
    b.household("139991", 1, honseki="139991", status="moved_out")  # 転出 (koseki still issued)
    b.household("409994", 1, honseki="409994", support_measure=True)  # 支援措置
    b.household("279992", 1, honseki="279992", seal=False)  # no seal registered
    b.household("139991", 1, honseki="139991", filed=False)  # no tax return
    b.household("019993", 1, honseki="019993", status="deceased")  # deceased


def generate(seed: str | int, residents: int, today: dt.date) -> Registry:
    """Build a registry of at least ``residents`` people: the fixed scenarios (14 people) always, then
    random households until the count is reached."""
    r = random.Random(f"konbini-registry:{seed}")
    b = _Builder(r, today)
    _scenarios(b)
    codes = [m.code for m in CATALOGUE]
    while b.n_res < residents:
        code = r.choice(codes)
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
        }
        x.tags = sorted(k for k, v in tags.items() if v)
