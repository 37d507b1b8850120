"""What the synthetic registry is drawn from: name parts, foreign residents, statuses, and the small
random helpers for dates, addresses and (deliberately invalid) My Numbers.  server_stub.synth builds
households from these."""

from __future__ import annotations

import datetime as dt
import random

from server_stub.municipalities import Municipality, lookup

__all__ = [
    "CHILD_ORDER",
    "FEMALE",
    "FOREIGN",
    "KANJI_NUM",
    "MALE",
    "STATUSES",
    "SURNAMES",
    "add_years",
    "muni",
    "my_number",
    "random_address",
    "random_date",
]

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
# (name, nationality, sex code, 通称 or None): a 通称 is registered on request and printed on the
# 住民票 and the 印鑑登録証明書 (docs/certificates.md §1, §3).
FOREIGN = [
    ("NGUYEN VAN AN", "ベトナム", 1, None),
    ("SMITH EMILY ROSE", "アメリカ合衆国", 2, None),
    ("SANTOS MARIA CLARA", "フィリピン", 2, "佐藤　マリア"),
    ("WANG FANG", "中国", 2, "王　芳"),
    ("SILVA PEDRO", "ブラジル", 1, None),
]
STATUSES = [
    ("技術・人文知識・国際業務", "3年"),
    ("永住者", "無期限"),
    ("留学", "2年"),
    ("特定技能1号", "1年"),
]
KANJI_NUM = "一二三四五六七八九"
CHILD_ORDER = {"男": ["長男", "二男", "三男"], "女": ["長女", "二女", "三女"]}


def muni(code: str) -> Municipality:
    return lookup(code)


def random_date(r: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=r.randrange(max(1, (end - start).days)))


def my_number(r: random.Random) -> str:
    digits = [r.randrange(10) for _ in range(11)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(digits), start=1))
    rem = total % 11
    check = 0 if rem <= 1 else 11 - rem
    return "".join(map(str, digits)) + str((check + 1) % 10)  # deliberately wrong check digit


def random_address(r: random.Random, m: Municipality) -> str:
    town = r.choice(m.towns)
    if town.startswith("大字"):
        return f"{m.prefecture}{m.name}{town}{r.randrange(100, 3000)}番地"
    chome = KANJI_NUM[r.randrange(5)]
    return f"{m.prefecture}{m.name}{town}{chome}丁目{r.randrange(1, 30)}番{r.randrange(1, 20)}号"


def add_years(d: dt.date, n: int) -> dt.date:
    return d.replace(year=d.year + n) if (d.month, d.day) != (2, 29) else dt.date(d.year + n, 3, 1)
