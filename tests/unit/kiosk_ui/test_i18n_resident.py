"""Catalog words and plural forms of issue 18 (no Kivy): what each language says, from the compiled .mo."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from kiosk.flow.messages import PLURAL_SUFFIX, PLURALS
from kiosk.ui.i18n import LOCALES, Translator
from scripts.i18n import po_path

TR = Translator()


@pytest.mark.parametrize("tries, want", [(1, "1 more wrong try will lock the PIN"),
                                         (2, "2 more wrong tries will lock the PIN")])
def test_english_says_one_try_and_two_tries(tries: int, want: str) -> None:
    assert TR.text("screen.pin.tries", "en", tries=tries) == want


def test_portuguese_plural_forms() -> None:
    assert TR.text("screen.pin.tries", "pt", tries=1) == "Mais 1 erro e a senha será bloqueada"
    assert TR.text("screen.pin.tries", "pt", tries=2) == "Mais 2 erros e a senha será bloqueada"


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_every_catalog_has_the_plural_forms_its_language_needs(locale: str) -> None:
    with po_path(locale).open("rb") as f:
        cat = read_po(f, locale=locale)
    want = Locale.parse(locale).plural_form.tags  # CLDR categories of the language
    for key in PLURALS:
        msg = cat.get(key)
        assert msg is not None and msg.id == (key, key + PLURAL_SUFFIX), key
        assert isinstance(msg.string, tuple) and len(msg.string) == cat.num_plurals, (locale, msg.string)
        assert all(msg.string) and cat.num_plurals >= min(len(want), 1)


@pytest.mark.parametrize("lang, key, want", [
    ("en", "button.erase", "Delete"),
    ("zh", "whose.juminhyo.household", "同一世带的全体成员"),
    ("pt", "whose.juminhyo.household", "Todos os moradores do mesmo domicílio (setai)"),
    ("ko", "button.cancel", "취소"),
    ("vi", "screen.payment", "Vui lòng bỏ {fee} yên lệ phí vào máy"),
    ("ja", "button.done", "受け取りました"),
    ("ja", "idle.warning", "操作を続けますか？　操作がない場合は中止します"),
    ("ja", "oos.payment", "入金機の不具合のため、ただいまご利用いただけません。"),
    ("ja", "screen.thank_you.body", "証明書・カード・おつりをお確かめください"),
])
def test_the_words_the_issue_asks_for(lang: str, key: str, want: str) -> None:
    assert TR.text(key, lang) == want


def test_no_family_for_household_and_no_stray_colon() -> None:
    assert "家庭" not in TR.text("whose.juminhyo.household", "zh")
    assert "família" not in TR.text("whose.juminhyo.household", "pt")
    assert ":" not in TR.text("error.refund_failed", "vi")
    assert "枚" not in TR.text("screen.copies", "ja", max=5)
    assert "お金の受け取り" not in TR.text("error.payment_fault", "ja")
