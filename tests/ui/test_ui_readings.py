"""Readings of names (issue 18 "Names"): the municipality and member choices show the reading the
center sends, in kana on a Japanese screen and romanised (Hepburn) in other languages.  Screenshots:
var/screenshots/<lang>/readings-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.flow import State, parse_municipalities
from kiosk.flow import events as evt

# The center's shape (server_stub/openapi.py): readings are optional, so one member has none.
RAW: list[dict[str, Any]] = [
    {
        "code": "139991", "name": "東京都見本市", "reading": "とうきょうと　みほんし",
        "relation": "residence",
        "services": [
            {"certificate": "juminhyo", "available": True, "fee": 200,
             "options": {"scope": ["self", "household"], "householder_relationship": True, "honseki": True,
                         "my_number": False},
             "members": [{"id": "m1", "name": "見本　太郎", "reading": "ミホン　タロウ"},
                         {"id": "m2", "name": "見本　優子", "reading": "ミホン　ユウコ"},
                         {"id": "m3", "name": "見本　一"}]},
        ],
    },
    {
        "code": "409994", "name": "福岡県模擬村", "reading": "ふくおかけん　もぎむら", "relation": "honseki",
        "services": [{"certificate": "koseki", "available": True, "fee": 300,
                      "options": {"kind": ["zenbu", "kojin"]}}],
    },
]  # fmt: skip

EXPECTED = {
    "ja": ("とうきょうと　みほんし", "ふくおかけん　もぎむら", "ミホン　タロウ", "ミホン　ユウコ"),
    "vi": ("Tōkyōto Mihonshi", "Fukuokaken Mogimura", "Mihon Tarō", "Mihon Yūko"),
}


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_names_show_their_readings(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang, hold={"ReadCard", "Authenticate"})
    d.send(evt.Touch(), evt.ChooseLanguage(lang), evt.Next(), evt.CardInserted(), evt.CardRead(b"x", 3))
    d.send(*(evt.PinDigit(x) for x in "1234"), evt.PinSubmitted(), evt.PinResult(True, 3))
    d.send(evt.Authenticated("s", parse_municipalities(RAW)))
    assert d.state is State.MUNICIPALITY
    town, village, taro, yuko = EXPECTED[lang]
    tiles = {d.texts(t)[-1]: d.texts(t) for t in d.tiles() if d.texts(t)}
    # Each tile: the name (always in kanji), and under it the reading with the relation.
    home = next(v for v in tiles.values() if "東京都見本市" in v)
    assert any(x.startswith(town) for x in home), home
    hon = next(v for v in tiles.values() if "福岡県模擬村" in v)
    assert any(x.startswith(village) for x in hon), hon
    d.shot("readings-municipality")
    d.send(evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("juminhyo"),
           evt.WhoseChosen("members"))
    assert d.state is State.MEMBERS
    shown = [d.texts(t) for t in d.tiles()]
    assert any(any(n.endswith("見本　太郎") for n in v) and taro in v for v in shown), shown
    assert any(any(n.endswith("見本　優子") for n in v) and yuko in v for v in shown), shown
    # No reading registered: the name alone, nothing invented.
    alone = next(v for v in shown if any(n.endswith("見本　一") for n in v))
    assert len(alone) == 1, alone
    d.shot("readings-members")
