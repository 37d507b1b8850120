"""The synthetic municipalities: data, not code (docs/domain.md §1 "Hours", §2, §6 "Fees").

Four municipalities differ the way real ones do: which certificates their kiosks offer, whether the
個人番号 may be printed on a 住民票, how many tax years, fees, weekday-only hours for 戸籍/附票, and
their maintenance days.  All names are synthetic (見本, 架空, 試験, 模擬 = "sample/fictitious/test/mock").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "CATALOGUE",
    "CERTIFICATES",
    "Municipality",
    "ServiceRule",
    "lookup",
    "national",
    "synthetic_municipality",
]

# Certificate ids (= document ``type`` of docs/document-content.md) and their names as the kiosk shows them.
CERTIFICATES: dict[str, str] = {
    "juminhyo": "住民票の写し",
    "kisaijiko": "住民票記載事項証明書",
    "inkan": "印鑑登録証明書",
    "kazei": "課税・所得証明書",
    "koseki": "戸籍全部／個人事項証明書",
    "fuhyo": "戸籍の附票の写し",
}
# Which registry keeps each certificate: 住民登録地 (residence) or 本籍地 (honseki).
KEPT_BY: dict[str, str] = {
    "juminhyo": "residence",
    "kisaijiko": "residence",
    "inkan": "residence",
    "kazei": "residence",
    "koseki": "honseki",
    "fuhyo": "honseki",
}


@dataclass(frozen=True)
class ServiceRule:
    """One certificate a municipality offers at kiosks."""

    fee: int
    # "HH:MM"-"HH:MM" on weekdays only (e.g. 戸籍 where the 本籍地 system runs office hours only).
    weekday_hours: tuple[str, str] | None = None
    tax_years: int = 0  # kazei: how many fiscal years back are offered (1 = the latest only)


@dataclass(frozen=True)
class Municipality:
    code: str
    prefecture: str
    name: str
    mayor_name: str
    address_stem: str  # e.g. 「さくら町」 town names are appended to this
    towns: tuple[str, ...]
    services: dict[str, ServiceRule]
    my_number_on_juminhyo: bool
    # (nth, weekday) pairs: the nth <weekday> (0 = Monday) of each month is a maintenance day.
    maintenance: tuple[tuple[int, int], ...] = ()
    seal_prefix: str = ""  # 印鑑登録証明書 number prefix, e.g. 見本印証
    # The reading of 「都道府県名＋市区町村名」 in hiragana, a full-width space between the two (issue 18).
    reading: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mayor_line(self) -> str:
        # 「都道府県名＋市区町村長　氏名」 (docs/certificates.md §7): 見本市 → 東京都見本市長　雛形　正雄.
        return f"{self.prefecture}{self.name}長　{self.mayor_name}"

    @property
    def seal_text(self) -> str:
        return f"{self.name}長之印"

    @property
    def tax_names(self) -> tuple[str, str]:
        """Municipal and prefectural inhabitant-tax names: 市民税・都民税 etc."""
        muni = self.name[-1] + "民税"
        pref = self.prefecture[-1] + "民税"
        return muni, pref

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Municipality:
        services = {
            k: ServiceRule(
                fee=int(v["fee"]),
                weekday_hours=_hours(v.get("weekday_hours")),
                tax_years=int(v.get("tax_years", 0)),
            )
            for k, v in d["services"].items()
        }
        return cls(
            code=d["code"],
            prefecture=d["prefecture"],
            name=d["name"],
            mayor_name=d["mayor_name"],
            address_stem=d["address_stem"],
            towns=tuple(d["towns"]),
            services=services,
            my_number_on_juminhyo=bool(d["my_number_on_juminhyo"]),
            maintenance=tuple((int(a), int(b)) for a, b in d["maintenance"]),
            seal_prefix=d["seal_prefix"],
            reading=str(d.get("reading", "")),
            extra=dict(d.get("extra", {})),
        )


def _hours(v: Any) -> tuple[str, str] | None:
    return (str(v[0]), str(v[1])) if v else None


CATALOGUE: tuple[Municipality, ...] = (
    Municipality(
        code="139991",
        prefecture="東京都",
        name="見本市",
        mayor_name="雛形　正雄",
        address_stem="",
        towns=("さくら町", "もみじ台", "かえで通"),
        services={
            "juminhyo": ServiceRule(200),
            "kisaijiko": ServiceRule(200),
            "inkan": ServiceRule(200),
            "kazei": ServiceRule(200, tax_years=4),
            "koseki": ServiceRule(350),
            "fuhyo": ServiceRule(200),
        },
        my_number_on_juminhyo=True,
        maintenance=((3, 6),),
        seal_prefix="見本印証",
        reading="とうきょうと　みほんし",
    ),
    Municipality(
        code="279992",
        prefecture="大阪府",
        name="架空市",
        mayor_name="架空　花子",
        address_stem="",
        towns=("ひばり町", "あおい丘"),
        services={
            "juminhyo": ServiceRule(300),
            "inkan": ServiceRule(300),
            "kazei": ServiceRule(300, tax_years=1),
            "koseki": ServiceRule(450, weekday_hours=("09:00", "17:00")),
            "fuhyo": ServiceRule(300, weekday_hours=("09:00", "17:00")),
        },
        my_number_on_juminhyo=False,
        maintenance=((2, 1),),
        seal_prefix="架空印証",
        reading="おおさかふ　かくうし",
    ),
    Municipality(
        code="019993",
        prefecture="北海道",
        name="試験町",
        mayor_name="試験　次郎",
        address_stem="",
        towns=("本町", "緑ヶ丘"),
        services={"juminhyo": ServiceRule(250), "kisaijiko": ServiceRule(250), "inkan": ServiceRule(250)},
        my_number_on_juminhyo=False,
        maintenance=((1, 0),),
        seal_prefix="試験印証",
        reading="ほっかいどう　しけんちょう",
    ),
    Municipality(
        code="409994",
        prefecture="福岡県",
        name="模擬村",
        mayor_name="模擬　三郎",
        address_stem="",
        towns=("大字東", "大字西"),
        services={
            "juminhyo": ServiceRule(150),
            "kazei": ServiceRule(150, tax_years=2),
            "koseki": ServiceRule(300, weekday_hours=("08:30", "17:15")),
            "fuhyo": ServiceRule(150),
        },
        my_number_on_juminhyo=True,
        maintenance=((4, 3),),
        seal_prefix="模擬印証",
        reading="ふくおかけん　もぎむら",
    ),
)


# ``init --municipalities N`` (docs/center.md "Tiers"): beyond the four hand-made municipalities, N - 4
# synthetic ones, each following the rules of one of the four (cycled), with its own code, name and seal.
_SYNTH_BASE = 500000
_KANJI = "〇一二三四五六七八九"


def _kanji_number(n: int) -> str:
    """1 → 一, 10 → 十, 123 → 百二十三, 1741 → 千七百四十一."""
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else _KANJI[q]) + unit
    return out + (_KANJI[n] if n else "")


_KANA_DIGITS = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
# Readings of digit × unit that change sound (さんびゃく, ろっぴゃく, はっぴゃく, さんぜん, はっせん).
_KANA_UNITS: dict[int, tuple[str, dict[int, str]]] = {
    1000: ("せん", {1: "せん", 3: "さんぜん", 8: "はっせん"}),
    100: ("ひゃく", {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}),
    10: ("じゅう", {1: "じゅう"}),
}
_SUFFIX_READING = {"市": "し", "町": "ちょう", "村": "むら"}


def _kana_number(n: int) -> str:
    """1 → いち, 10 → じゅう, 300 → さんびゃく, 1741 → せんななひゃくよんじゅういち (as _kanji_number)."""
    out = ""
    for value, (unit, special) in _KANA_UNITS.items():
        q, n = divmod(n, value)
        if q:
            out += special.get(q, _KANA_DIGITS[q] + unit)
    return out + _KANA_DIGITS[n]


def synthetic_municipality(code: str) -> Municipality | None:
    """The synthetic municipality of ``code`` (5xxxxx), or None for any other code."""
    if not (len(code) == 6 and code.isdigit() and int(code) > _SYNTH_BASE):
        return None
    i = int(code) - _SYNTH_BASE
    t = CATALOGUE[i % len(CATALOGUE)]
    name = f"架空{_kanji_number(i)}{t.name[-1]}"
    prefecture_reading = t.reading.split("　")[0]
    reading = f"{prefecture_reading}　かくう{_kana_number(i)}{_SUFFIX_READING[t.name[-1]]}"
    return Municipality(
        code=code,
        prefecture=t.prefecture,
        name=name,
        mayor_name=t.mayor_name,
        address_stem=t.address_stem,
        towns=t.towns,
        services=t.services,
        my_number_on_juminhyo=t.my_number_on_juminhyo,
        maintenance=t.maintenance,
        seal_prefix=t.seal_prefix,
        reading=reading,
        extra=dict(t.extra),
    )


def national(n: int) -> tuple[Municipality, ...]:
    """``n`` municipalities: the four of :data:`CATALOGUE` (always), then synthetic ones."""
    extra = [
        synthetic_municipality(f"{_SYNTH_BASE + i:06d}") for i in range(1, max(0, n - len(CATALOGUE)) + 1)
    ]
    return CATALOGUE + tuple(m for m in extra if m is not None)


def lookup(code: str) -> Municipality:
    """A municipality of :data:`CATALOGUE` or a synthetic one.  :raises KeyError: unknown code."""
    for m in CATALOGUE:
        if m.code == code:
            return m
    synthetic = synthetic_municipality(code)
    if synthetic is None:
        raise KeyError(code)
    return synthetic
