"""Kana → Latin script (modified Hepburn), for residents who do not read kana (issue 18 "Names").

The center sends readings of municipality and household member names in kana (the registry's
furigana).  A Japanese screen shows the kana; the other languages show this romanisation.  It follows
modified Hepburn as used on passports' and stations' signs minus their exceptions: し shi, ち chi,
つ tsu, ふ fu, じ/ぢ ji, づ zu, ん n (n' before a vowel or y), っ doubles the next consonant (t before
ch), long o and u with a macron (おう/おお ō, うう ū, ああ ā, ええ ē; い after i stays ii), the
katakana long mark ー as a macron, and each word (separated by spaces) capitalised.  Kana cannot show
where words join inside a name, so a vowel pair across a morpheme boundary gets a macron too.
"""

from __future__ import annotations

__all__ = ["hepburn"]

_BASE = {
    "あ": "a", "い": "i", "う": "u", "え": "e", "お": "o",
    "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko",
    "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go",
    "さ": "sa", "し": "shi", "す": "su", "せ": "se", "そ": "so",
    "ざ": "za", "じ": "ji", "ず": "zu", "ぜ": "ze", "ぞ": "zo",
    "た": "ta", "ち": "chi", "つ": "tsu", "て": "te", "と": "to",
    "だ": "da", "ぢ": "ji", "づ": "zu", "で": "de", "ど": "do",
    "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne", "の": "no",
    "は": "ha", "ひ": "hi", "ふ": "fu", "へ": "he", "ほ": "ho",
    "ば": "ba", "び": "bi", "ぶ": "bu", "べ": "be", "ぼ": "bo",
    "ぱ": "pa", "ぴ": "pi", "ぷ": "pu", "ぺ": "pe", "ぽ": "po",
    "ま": "ma", "み": "mi", "む": "mu", "め": "me", "も": "mo",
    "や": "ya", "ゆ": "yu", "よ": "yo",
    "ら": "ra", "り": "ri", "る": "ru", "れ": "re", "ろ": "ro",
    "わ": "wa", "ゐ": "i", "ゑ": "e", "を": "o", "ゔ": "vu",
    "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゃ": "ya", "ゅ": "yu", "ょ": "yo", "ゎ": "wa",
}  # fmt: skip
# Two kana read as one syllable: よう音 (きゃ …) and the katakana sounds of loanwords and foreign names.
_PAIRS = {
    **{k + s: v[:-1] + t for k, v in {
        "き": "ki", "ぎ": "gi", "に": "ni", "ひ": "hi", "び": "bi", "ぴ": "pi", "み": "mi", "り": "ri",
    }.items() for s, t in (("ゃ", "ya"), ("ゅ", "yu"), ("ょ", "yo"))},
    **{k + s: v + t for k, v in {"し": "sh", "ち": "ch", "じ": "j", "ぢ": "j"}.items()
       for s, t in (("ゃ", "a"), ("ゅ", "u"), ("ょ", "o"), ("ぇ", "e"))},
    "ふぁ": "fa", "ふぃ": "fi", "ふぇ": "fe", "ふぉ": "fo", "ふゅ": "fyu",
    "てぃ": "ti", "でぃ": "di", "とぅ": "tu", "どぅ": "du", "でゅ": "dyu",
    "うぃ": "wi", "うぇ": "we", "うぉ": "wo", "いぇ": "ye", "つぁ": "tsa", "つぇ": "tse", "つぉ": "tso",
    "ゔぁ": "va", "ゔぃ": "vi", "ゔぇ": "ve", "ゔぉ": "vo",
}  # fmt: skip
_MACRON = {"a": "ā", "i": "ī", "u": "ū", "e": "ē", "o": "ō"}
# A bare vowel kana after a syllable ending in these vowels lengthens it (おう → ō; いい stays ii).
_LENGTHENS = {"う": ("o", "u"), "お": ("o",), "あ": ("a",), "え": ("e",)}
_SPACES = " 　"


def _hiragana(text: str) -> str:
    # Katakana ァ (U+30A1) … ヶ sit 0x60 above their hiragana; ー and the rest stay as they are.
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _word(kana: str) -> str:
    out: list[str] = []  # one romanised syllable per entry (so a macron replaces the right vowel)
    double = False
    i = 0
    while i < len(kana):
        c = kana[i]
        if c == "っ":
            double, i = True, i + 1
            continue
        if kana[i : i + 2] in _PAIRS:
            syl, i = _PAIRS[kana[i : i + 2]], i + 2
        elif c in _BASE:
            syl, i = _BASE[c], i + 1
            if c in _LENGTHENS and out and out[-1] and out[-1][-1] in _LENGTHENS[c] and not double:
                out[-1] = out[-1][:-1] + _MACRON[out[-1][-1]]
                continue
        elif c == "ー":
            if out and out[-1] and out[-1][-1] in _MACRON:
                out[-1] = out[-1][:-1] + _MACRON[out[-1][-1]]
            i += 1
            continue
        elif c == "ん":
            nxt = kana[i + 1 : i + 2]
            syl, i = ("n'" if nxt and (nxt in "あいうえおやゆよ") else "n"), i + 1
        else:
            syl, i = c, i + 1  # not kana (a digit, a Latin letter): kept as written
        if double:
            syl = ("t" + syl) if syl.startswith("ch") else (syl[0] + syl if syl[:1].isalpha() else syl)
            double = False
        out.append(syl)
    return "".join(out)


def hepburn(reading: str) -> str:
    """``"サトウ　マコト"`` → ``"Satō Makoto"``; ``"とうきょうと　みほんし"`` → ``"Tōkyōto Mihonshi"``."""
    words = "".join(" " if c in _SPACES else c for c in _hiragana(reading)).split()
    return " ".join(w[:1].upper() + w[1:] for w in (_word(x) for x in words) if w)
