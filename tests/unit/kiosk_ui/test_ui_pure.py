"""The UI's Kivy-free parts: catalogs, translator, settings, the local port, chimes, simulated devices."""

from __future__ import annotations

import re
import sys
import wave
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st_

from kiosk.config import UiConfig
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import events as evt
from kiosk.simulated_devices import SimulatedDevices
from kiosk.ui.chime import CHIMES, write_all
from kiosk.ui.i18n import LANGUAGES, Translator, format_yen, source_messages
from kiosk.ui.port import LocalPort
from kiosk.ui.settings import UISettings

REPO = Path(__file__).resolve().parents[3]


def test_catalogs_are_compiled_complete_and_keep_placeholders() -> None:
    sys.path.insert(0, str(REPO))
    from scripts.i18n import problems

    assert problems() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_resident_text_is_translated_in_every_language(lang: str) -> None:
    tr = Translator()
    staff = ("service.", "screen.service_")
    missing = [k for k in source_messages() if not k.startswith(staff) and not tr.has(k, lang)]
    assert missing == []


def test_translations_differ_from_english_where_they_should() -> None:
    tr = Translator()
    for lang in ("zh", "ko", "pt", "vi"):
        assert tr.text("button.next", lang) != tr.text("button.next", "en")
        assert tr.text("error.pin_blocked", lang) != tr.text("error.pin_blocked", "en")


def test_text_fills_placeholders_and_falls_back() -> None:
    tr = Translator()
    assert tr.text("screen.payment", "ja", fee="1,050") == "手数料1,050円を投入してください"
    assert tr.text("screen.payment", "ko", fee="200") == "수수료 200엔을 넣어 주십시오"
    assert tr.text("screen.payment", "xx", fee="5") == "Please insert 5 yen"  # no catalog: English
    kept = "Đang in trang 1/{pages}"  # unknown placeholders stay
    assert tr.text("printing.page", "vi", page=1) == kept
    assert tr.text("service.exit", "zh") == "Exit"  # staff texts: Japanese or English only
    with pytest.raises(KeyError):
        tr.text("no.such.key", "ja")


@given(st_.integers(min_value=0, max_value=10**7))
def test_format_yen_round_trips(amount: int) -> None:
    text = format_yen(amount)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", text) and int(text.replace(",", "")) == amount


def test_settings_from_the_validated_ui_section() -> None:
    s = UISettings.from_config(UiConfig(resolution=(1920, 1080), high_contrast=True, shuffle_keypad=True,
                                        font_scale=1.2), sound=False)
    assert (s.width, s.height, s.high_contrast, s.shuffle_pin, s.font_scale, s.sound) == (
        1920, 1080, True, True, 1.2, False)
    with pytest.raises(ValueError):
        UISettings.from_config(UiConfig(resolution=(320, 240)))
    with pytest.raises(ValueError):
        UISettings(font_scale=3.0)


def _port(**devices: object) -> LocalPort:
    return LocalPort(Flow(FlowSettings(languages=LANGUAGES)), SimulatedDevices(**devices))  # type: ignore[arg-type]


def test_local_port_runs_the_flow_with_the_simulated_devices() -> None:
    port = _port(auto_pay=True, auto_print=True)
    seen: list[State] = []
    port.subscribe(lambda v: seen.append(v.state))
    for e in (evt.Touch(), evt.ChooseLanguage("en"), evt.Next(), evt.CardInserted(), evt.PinSubmitted("1234"),
              evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("inkan"),
                                     evt.CopiesChosen(1),
              evt.Confirm()):
        port.submit(e)
    assert seen[:4] == [State.LANGUAGE, State.NOTICE, State.PLACE_CARD, State.PIN]
    assert port.flow.state is State.TAKE_CARD
    assert [type(e).__name__ for e in port.effects].count("Print") == 1


def test_language_can_change_on_any_screen_until_the_transaction_ends() -> None:
    port = _port()
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next()):
        port.submit(e)
    assert port.flow.state is State.PLACE_CARD and port.view.language == "ja"
    port.submit(evt.ChooseLanguage("vi"))
    assert port.flow.state is State.PLACE_CARD and port.view.language == "vi"
    port.submit(evt.Cancel())
    assert port.flow.state is State.ATTRACT and port.view.language == "ja"


def test_a_stray_event_is_dropped_not_raised() -> None:
    port = _port()
    port.submit(evt.Printed(1))  # illegal in ATTRACT: logged, state unchanged
    assert port.flow.state is State.ATTRACT


def test_wrong_pins_count_down_on_the_simulated_card() -> None:
    port = _port()
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted()):
        port.submit(e)
    for tries in (2, 1):
        port.submit(evt.PinSubmitted("0000"))
        assert port.view.state is State.PIN and port.view.tries_left == tries
    port.submit(evt.PinSubmitted("0000"))
    assert port.flow.state is State.PIN_LOCKED


def test_chimes_are_short_mono_wavs(tmp_path: Path) -> None:
    paths = write_all(tmp_path)
    assert sorted(p.stem for p in paths) == sorted(CHIMES)
    for p in paths:
        with wave.open(str(p)) as w:
            seconds = w.getnframes() / w.getframerate()
            assert (w.getnchannels(), w.getsampwidth()) == (1, 2) and 0.2 < seconds < 1.5
    shipped = REPO / "assets" / "sounds" / "take_card.wav"
    assert shipped.read_bytes() == (tmp_path / "take_card.wav").read_bytes()  # committed = generated


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_font_of_each_language_has_every_letter_of_its_texts(lang: str) -> None:
    """No tofu: every character of every resident text has a glyph in the font drawn for it
    (a missing glyph renders as the font's .notdef box, the same bitmap for every missing character)."""
    from PIL import ImageFont

    from kiosk.ui.theme import FONTS

    path = FONTS[lang]
    assert Path(path).exists(), f"{path} missing: run scripts/bootstrap.sh (apt fonts)"
    font = ImageFont.truetype(path, 32, index=0)
    def bitmap(ch: str) -> bytes:
        mask = font.getmask(ch)
        return bytes(mask.size) + bytes(mask)

    notdef = bitmap("\U0010fffd")
    tr = Translator()
    # Language names are drawn each in its own language's font (the language bar), so they are
    # checked against that font only.
    keys = [k for k in source_messages() if not k.startswith(("service.", "screen.service_", "language."))]
    text = "".join(tr.text(k, lang) for k in keys) + tr.text(f"language.{lang}", lang)
    missing = sorted({ch for ch in text if not ch.isspace() and bitmap(ch) == notdef})
    assert missing == []
