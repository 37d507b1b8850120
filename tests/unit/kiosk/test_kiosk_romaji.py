"""Kana → modified Hepburn (kiosk/flow/romaji.py), against romanisations fixed by usage: place names
as on road and station signs, words as in dictionaries' Hepburn entries, and passport-style names."""

from __future__ import annotations

import pytest

from kiosk.flow.romaji import hepburn


@pytest.mark.parametrize(
    ("kana", "latin"),
    [
        # Places (long vowels with macrons, as on signs)
        ("とうきょう", "Tōkyō"),
        ("きょうと", "Kyōto"),
        ("おおさか", "Ōsaka"),
        ("ほっかいどう", "Hokkaidō"),
        ("しんじゅく", "Shinjuku"),
        ("ぐんま", "Gunma"),
        ("ふくおか", "Fukuoka"),
        ("ちば", "Chiba"),
        ("つくば", "Tsukuba"),
        # Words
        ("まっちゃ", "Matcha"),
        ("きっぷ", "Kippu"),
        ("はんい", "Han'i"),
        ("きんようび", "Kin'yōbi"),
        ("じゅうどう", "Jūdō"),
        ("ちぢみ", "Chijimi"),
        ("つづき", "Tsuzuki"),
        ("ふじさん", "Fujisan"),
        ("おかあさん", "Okāsan"),
        ("おにいさん", "Oniisan"),
        ("おねえさん", "Onēsan"),
        ("せんせい", "Sensei"),
        ("しゃしん", "Shashin"),
        ("りょかん", "Ryokan"),
        ("ぎゅうにゅう", "Gyūnyū"),
        ("ちゃわん", "Chawan"),
        ("くうこう", "Kūkō"),
        # Katakana and the long mark
        ("コーヒー", "Kōhī"),
        ("ティーシャツ", "Tīshatsu"),
        ("ファイル", "Fairu"),
        ("ジェット", "Jetto"),
        ("チェック", "Chekku"),
        ("ヴァイオリン", "Vaiorin"),
        # Names: the registry's katakana furigana, 氏 and 名 separated by a full-width space
        ("サトウ　マコト", "Satō Makoto"),
        ("スズキ　ユウコ", "Suzuki Yūko"),
        ("オオノ　ケイコ", "Ōno Keiko"),
        ("イイダ　ジュンイチ", "Iida Jun'ichi"),
        ("ホンダ　シンペイ", "Honda Shinpei"),
        # The synthetic municipalities' readings (server_stub/municipalities.py)
        ("とうきょうと　みほんし", "Tōkyōto Mihonshi"),
        ("おおさかふ　かくうし", "Ōsakafu Kakūshi"),
        ("ほっかいどう　しけんちょう", "Hokkaidō Shikenchō"),
        ("ふくおかけん　もぎむら", "Fukuokaken Mogimura"),
    ],
)
def test_known_romanisations(kana: str, latin: str) -> None:
    assert hepburn(kana) == latin


def test_spacing_and_non_kana() -> None:
    assert hepburn("  やまだ 　 たろう ") == "Yamada Tarō"
    assert hepburn("") == ""
    assert hepburn("ABC") == "ABC"  # not kana: kept as written
    assert hepburn("っ") == ""  # a stray small tsu doubles nothing
