"""Regenerate the shipped sample documents: ``python -m printer.samples._build``.

All people, addresses and numbers are synthetic (見本市 is not a real municipality; code 139991 is
outside the real 13xxxx range of assigned codes).  The seal is a fixed demo string of realistic
length in the real format's alphabet (``KJ1:`` + Base45); it does not verify against any key.
"""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from printer.layout.fonts import MINCHO_PATH

HERE = Path(__file__).resolve().parent
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45(data: bytes) -> str:
    """RFC 9285 Base45."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, n = divmod(n, 45 * 45)
        d, c = divmod(n, 45)
        out += [B45[c], B45[d], B45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [B45[c], B45[d]]
    return "".join(out)


def demo_seal(tag: str) -> str:
    rng = random.Random(f"konbini-demo-seal-{tag}")
    return "KJ1:" + base45(bytes(rng.randrange(256) for _ in range(168)))


def official_seal_png(text: str = "見本市長之印") -> str:
    """A square black 公印: 6 characters in 3 columns read right to left, top to bottom."""
    size = 240
    im = Image.new("L", (size, size), 255)
    d = ImageDraw.Draw(im)
    d.rectangle([4, 4, size - 5, size - 5], outline=0, width=9)
    cell_w, cell_h = (size - 44) / 3, (size - 44) / 2
    font = ImageFont.truetype(str(MINCHO_PATH), 120)
    for i, ch in enumerate(text):
        col, row = divmod(i, 2)
        x0 = size - 22 - (col + 1) * cell_w
        y0 = 22 + row * cell_h
        glyph = Image.new("L", (130, 130), 255)
        ImageDraw.Draw(glyph).text(
            (65, 65), ch, font=font, fill=0, anchor="mm", stroke_width=1, stroke_fill=0
        )
        bbox = Image.eval(glyph, lambda v: 255 - v).getbbox() or (0, 0, 130, 130)
        glyph = glyph.crop(bbox).resize((int(cell_w) - 4, int(cell_h) - 4), Image.Resampling.LANCZOS)
        im.paste(glyph, (int(x0) + 2, int(y0) + 2), Image.eval(glyph, lambda v: 255 - v))
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def common(doc_type: str, title: str, certification: str, serial: int) -> dict[str, Any]:
    return {
        "schema": "konbini-doc/1",
        "type": doc_type,
        "title": title,
        "municipality": {
            "code": "139991",
            "prefecture": "東京都",
            "name": "見本市",
            "mayor": "東京都見本市長　雛形　正雄",
        },
        "official_seal": {"text": "見本市長之印", "png_b64": official_seal_png()},
        "issued_on": "令和8年11月26日",
        "issued_date": "2026-11-26",
        "issue_number": f"20261126 見本市 K0001 {serial:06d}",
        "certification": certification,
        "notes": ["この印は黒色です"],
        "seal_id": f"S-20261126-{serial:06d}",
    }


ADDRESS = "東京都見本市さくら町一丁目2番3号"
HONSEKI = "東京都見本市さくら町一丁目100番地"
FIRST_HOME = "東京都見本市もみじ台二丁目5番8号"  # the couple's first home in the city (平成22年-24年)


# One household, one history (tests/unit/center/test_center_consistency.py checks the six samples
# against each other): 太郎 (born in 見本市, later in 神奈川) and 花子 (from 埼玉) married and moved
# into 見本市 on 平成22年6月1日, then moved within the city to ADDRESS on 平成24年4月1日; 一郎 and
# さくら were born at ADDRESS; 太郎's mother ウメ (own 戸籍 in 千葉, no furigana registered yet) and
# the lodger エマ (from Canada) moved straight to ADDRESS.
COUPLE = {
    "became_resident_on": "平成22年6月1日",
    "address_set_on": "平成24年4月1日",
    "notified_on": "平成24年4月3日",
    "honseki": HONSEKI,
    "hittosha": "見本　太郎",
}


def _child(furigana: str, name: str, born: str, sex: str, notified: str) -> dict[str, Any]:
    # Born here: 住民となった年月日 is the birth, no 住所を定めた年月日 since, no 転入前住所.
    return {
        "furigana": furigana,
        "name": name,
        "birth_date": born,
        "sex": sex,
        "relationship": "子",
        "became_resident_on": born,
        "address_set_on": "【空欄】",
        "notified_on": notified,
        "honseki": HONSEKI,
        "hittosha": "見本　太郎",
        "remarks": [f"{born}出生"],
    }


def juminhyo() -> dict[str, Any]:
    c = common("juminhyo", "住　民　票", "この写しは、世帯全員の住民票の原本と相違ないことを証明する。", 123)
    persons = [
        {
            "furigana": "ミホン　タロウ",
            "name": "見本　太郎",
            "birth_date": "昭和60年5月5日",
            "sex": "男",
            "relationship": "世帯主",
            **COUPLE,
            "previous_address": "神奈川県架空市みどり町5番地",
        },
        {
            "furigana": "ミホン　ハナコ",
            "name": "見本　花子",
            "old_name_furigana": "カクウ",
            "old_name": "架空",
            "birth_date": "昭和62年3月14日",
            "sex": "女",
            "relationship": "妻",
            **COUPLE,
            "previous_address": "埼玉県仮想市ひかり町三丁目4番5号",
        },
        _child("ミホン　イチロウ", "見本　一郎", "平成24年8月20日", "男", "平成24年8月27日"),
        _child("ミホン　サクラ", "見本　さくら", "平成27年4月2日", "女", "平成27年4月9日"),
        {
            "furigana": "＊＊＊＊＊＊",
            "name": "見本　ウメ",
            "birth_date": "昭和30年1月15日",
            "sex": "女",
            "relationship": "母",
            "became_resident_on": "令和3年4月1日",
            "address_set_on": "【空欄】",
            "notified_on": "令和3年4月5日",
            "honseki": "千葉県例示市うみ町七丁目8番地",
            "hittosha": "見本　次郎",
            "previous_address": "千葉県例示市うみ町七丁目8番9号",
        },
        {
            "name": "MILLER EMMA",
            "birth_date": "1994年7月21日",
            "sex": "女",
            "relationship": "同居人",
            "became_resident_on": "令和5年10月2日",
            "address_set_on": "【空欄】",
            "notified_on": "令和5年10月2日",
            "previous_address": "カナダ",
            "foreign": {
                "nationality": "カナダ",
                "section": "中長期在留者",
                "status": "技術・人文知識・国際業務",
                "period": "3年",
                "period_expires": "2029年9月30日",
                "card_number": "AB12345678CD",
            },
        },
    ]
    c["body"] = {"address": ADDRESS, "householder": "見本　太郎", "persons": persons}
    return c


def kisaijiko() -> dict[str, Any]:
    c = common(
        "kisaijiko", "住民票記載事項証明書", "上記の事項は、住民票の記載事項と相違ないことを証明する。", 124
    )
    c["body"] = {
        "address": ADDRESS,
        "persons": [
            {
                "furigana": "ミホン　タロウ",
                "name": "見本　太郎",
                "birth_date": "昭和60年5月5日",
                "sex": "男",
                "became_resident_on": "平成22年6月1日",
            }
        ],
    }
    return c


def inkan() -> dict[str, Any]:
    c = common("inkan", "印鑑登録証明書", "この写しは、登録された印影と相違ないことを証明します。", 125)
    c["body"] = {
        "name": "見本　太郎",
        "birth_date": "昭和60年5月5日",
        "address": ADDRESS,
        "impression": {"text": "見本", "shape": "round", "size_mm": 15},
        "certificate_number": "見本印証　第000125-01号",
    }
    return c


def kazei() -> dict[str, Any]:
    c = common(
        "kazei", "令和8年度　市民税・都民税　課税証明書", "上記のとおり相違ないことを証明します。", 126
    )
    c["body"] = {
        "fiscal_year": "令和8年度",
        "income_year": "令和7年分",
        "address": ADDRESS,
        "name": "見本　太郎",
        "birth_date": "昭和60年5月5日",
        "sex": "男",
        "income": [
            ["給与収入", "4,800,000"],
            ["給与所得", "3,400,000"],
            ["公的年金等収入", "0"],
            ["雑所得", "0"],
            ["営業所得", "0"],
            ["不動産所得", "0"],
        ],
        "total_income": "3,400,000",
        "aggregate_income": "3,400,000",
        "deductions": [
            ["社会保険料控除", "700,000"],
            ["生命保険料控除", "28,000"],
            ["地震保険料控除", "5,000"],
            ["医療費控除", "0"],
            ["配偶者控除", "330,000"],
            ["扶養控除", "0"],
            ["障害者控除", "0"],
            ["寡婦・ひとり親控除", "0"],
            ["勤労学生控除", "0"],
            ["基礎控除", "430,000"],
        ],
        "deductions_total": "1,493,000",
        "dependents": [
            ["控除対象配偶者", "有"],
            ["一般", "0人"],
            ["特定", "0人"],
            ["老人", "0人"],
            ["同居老親", "0人"],
            ["16歳未満", "2人"],
            ["特別障害者", "0人"],
            ["普通障害者", "0人"],
            ["寡婦・ひとり親", "－"],
            ["勤労学生", "－"],
        ],
        "taxable": [["総合課税標準額", "1,907,000"], ["分離課税標準額", "0"]],
        "tax": [
            ["市民税所得割額", "111,400"],
            ["市民税均等割額", "3,000"],
            ["都民税所得割額", "74,200"],
            ["都民税均等割額", "1,000"],
            ["森林環境税", "1,000"],
        ],
        "annual_tax": "190,600",
    }
    return c


def koseki() -> dict[str, Any]:
    c = common("koseki", "全部事項証明", "これは、戸籍に記録されている事項の全部を証明した書面である。", 127)
    c["body"] = {
        "kind": "zenbu",
        "honseki": HONSEKI,
        "hittosha": "見本　太郎",
        "surname_furigana": "ミホン",
        "koseki_events": [{"event": "戸籍編製", "items": [["編製日", "平成22年6月1日"]]}],
        "persons": [
            {
                "name": "太郎",
                "furigana": "タロウ",
                "birth_date": "昭和60年5月5日",
                "spouse_role": "夫",
                "father": "見本次郎",
                "mother": "見本ウメ",
                "relationship": "長男",
                "events": [
                    {
                        "event": "出生",
                        "items": [
                            ["出生日", "昭和60年5月5日"],
                            ["出生地", "東京都見本市"],
                            ["届出日", "昭和60年5月10日"],
                            ["届出人", "父"],
                        ],
                    },
                    {
                        "event": "婚姻",
                        "items": [
                            ["婚姻日", "平成22年6月1日"],
                            ["配偶者氏名", "架空花子"],
                            ["従前戸籍", "千葉県例示市うみ町七丁目8番地　見本次郎"],
                        ],
                    },
                ],
            },
            {
                "name": "花子",
                "furigana": "ハナコ",
                "birth_date": "昭和62年3月14日",
                "spouse_role": "妻",
                "father": "架空三郎",
                "mother": "架空松子",
                "relationship": "長女",
                "events": [
                    {
                        "event": "出生",
                        "items": [
                            ["出生日", "昭和62年3月14日"],
                            ["出生地", "埼玉県仮想市"],
                            ["届出日", "昭和62年3月20日"],
                            ["届出人", "父"],
                        ],
                    },
                    {
                        "event": "婚姻",
                        "items": [
                            ["婚姻日", "平成22年6月1日"],
                            ["配偶者氏名", "見本太郎"],
                            ["従前戸籍", "埼玉県仮想市ひかり町三丁目4番地　架空三郎"],
                        ],
                    },
                ],
            },
            {
                "name": "一郎",
                "furigana": "イチロウ",
                "birth_date": "平成24年8月20日",
                "father": "見本太郎",
                "mother": "見本花子",
                "relationship": "長男",
                "events": [
                    {
                        "event": "出生",
                        "items": [
                            ["出生日", "平成24年8月20日"],
                            ["出生地", "東京都見本市"],
                            ["届出日", "平成24年8月27日"],
                            ["届出人", "父"],
                        ],
                    }
                ],
            },
            {
                "name": "さくら",
                "furigana": "サクラ",
                "birth_date": "平成27年4月2日",
                "father": "見本太郎",
                "mother": "見本花子",
                "relationship": "長女",
                "events": [
                    {
                        "event": "出生",
                        "items": [
                            ["出生日", "平成27年4月2日"],
                            ["出生地", "東京都見本市"],
                            ["届出日", "平成27年4月9日"],
                            ["届出人", "母"],
                        ],
                    }
                ],
            },
        ],
    }
    return c


def fuhyo() -> dict[str, Any]:
    c = common("fuhyo", "戸籍の附票の写し", "この写しは、戸籍の附票の原本と相違ないことを証明する。", 128)
    # The 戸籍 was made on 平成22年6月1日 (the marriage): from that day both lived at FIRST_HOME,
    # then at ADDRESS; the children have lived at ADDRESS since birth.
    couple = [
        {"address": FIRST_HOME, "since": "平成22年6月1日"},
        {"address": ADDRESS, "since": "平成24年4月1日"},
    ]
    c["body"] = {
        "persons": [
            {"name": "見本　太郎", "birth_date": "昭和60年5月5日", "sex": "男", "addresses": couple},
            {"name": "見本　花子", "birth_date": "昭和62年3月14日", "sex": "女", "addresses": couple},
            {
                "name": "見本　一郎",
                "birth_date": "平成24年8月20日",
                "sex": "男",
                "addresses": [{"address": ADDRESS, "since": "平成24年8月20日"}],
            },
            {
                "name": "見本　さくら",
                "birth_date": "平成27年4月2日",
                "sex": "女",
                "addresses": [{"address": ADDRESS, "since": "平成27年4月2日"}],
            },
        ]
    }
    return c


BUILDERS = {
    "juminhyo": juminhyo,
    "kisaijiko": kisaijiko,
    "inkan": inkan,
    "kazei": kazei,
    "koseki": koseki,
    "fuhyo": fuhyo,
}


def main() -> None:
    for name, build in BUILDERS.items():
        doc = {"content": build(), "seal": demo_seal(name)}
        (HERE / f"{name}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
