"""Offline speech on our own sentences: Open JTalk (Japanese) and espeak-ng, rendered, cached, checked."""

from __future__ import annotations

import tomllib
import wave
from pathlib import Path

import pytest

from kiosk.config import ConfigError, parse_config
from kiosk.flow.messages import MESSAGES
from kiosk.ui.i18n import LANGUAGES, Translator
from kiosk.voice import VoiceError, clip_name, clip_stats, reading, synthesize
from kiosk.voice.prompts import inventory
from kiosk.voice.render import render_clips


def _ja(key: str) -> str:
    return MESSAGES[key][0]


@pytest.mark.parametrize(("key", "expected"), [
    # Readings written down by hand (accent marks dropped): what a resident must hear.
    # または is read マタワ
    ("screen.place_card", "マイナンバーカードマタワスマートフォンヲヨミトリブニオイテクダサイ"),
    ("screen.take_card", "マイナンバーカードヲオトリクダサイ"),
    ("screen.take_documents", "ショーメーショトリヨーメーサイショヲオトリクダサイ"),
    ("step.pin", "アンショーバンゴー"),
    ("pin.wrong", "アンショーバンゴーガチガイマス、モーイチドニューリョクシテクダサイ"),
])
def test_open_jtalk_reads_our_japanese_correctly(key: str, expected: str) -> None:
    assert reading(_ja(key)).replace("’", "") == expected


def test_the_pin_title_reads_four_digits_as_yonketa() -> None:
    said = reading(_ja("screen.pin")).replace("’", "")
    assert "アンショーバンゴー" in said and "スージヨンケタ" in said


@pytest.mark.parametrize("lang", ["ja", "en", "vi"])
def test_a_rendered_prompt_is_speech_not_silence(tmp_path: Path, lang: str) -> None:
    text = Translator().text("screen.place_card", lang)
    out = tmp_path / "clip.wav"
    synthesize(text, lang, 1.0, out)
    stats = clip_stats(out)
    assert 1.0 < stats.seconds < 12.0
    assert stats.rms > 0.02  # speech; a silent clip is 0


def test_a_slower_rate_makes_a_longer_clip(tmp_path: Path) -> None:
    synthesize(_ja("screen.take_card"), "ja", 1.0, tmp_path / "a.wav")
    synthesize(_ja("screen.take_card"), "ja", 0.7, tmp_path / "b.wav")
    assert clip_stats(tmp_path / "b.wav").seconds > clip_stats(tmp_path / "a.wav").seconds * 1.2


def test_silence_and_corrupt_files_are_told_apart(tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000)
    assert clip_stats(silent).rms == 0.0 and clip_stats(silent).seconds == 1.0
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    with pytest.raises(VoiceError):
        clip_stats(bad)


def test_no_engine_for_an_unknown_language_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError):
        synthesize("hello", "xx", 1.0, tmp_path / "x.wav")
    with pytest.raises(VoiceError):
        synthesize("  ", "ja", 1.0, tmp_path / "x.wav")


def test_clip_names_follow_text_language_and_rate() -> None:
    names = {clip_name("a", "ja", 1.0), clip_name("b", "ja", 1.0), clip_name("a", "en", 1.0),
             clip_name("a", "ja", 0.9)}
    assert len(names) == 4
    assert clip_name("a", "ja", 1.0) == clip_name("a", "ja", 1.0)


def test_render_once_then_everything_is_cached(tmp_path: Path) -> None:
    texts = {("ja", _ja("screen.take_card")), ("en", "Please take your card")}
    first = render_clips(tmp_path, texts, 1.0)
    assert (first.rendered, first.cached, first.failed) == (2, 0, 0)
    second = render_clips(tmp_path, texts, 1.0)
    assert (second.rendered, second.cached) == (0, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(clip_name(t, lang, 1.0) for lang, t in texts)


def test_the_inventory_covers_every_language_and_no_staff_or_amount_text() -> None:
    inv = inventory(Translator(), LANGUAGES)
    assert {lang for lang, _ in inv} == set(LANGUAGES)
    assert ("ja", _ja("screen.take_card")) in inv
    assert ("ja", "あと2回間違えるとロックされます") in inv  # finite placeholder: rendered per value
    assert ("ja", _ja("button.listen")) in inv
    assert ("ja", "用紙残量わずか") not in inv  # staff screens are not spoken
    assert not any("{" in t for _, t in inv)


EXAMPLE = Path(__file__).resolve().parents[3] / "kiosk" / "examples" / "kiosk.toml"


def test_voice_config_is_validated() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    cfg = parse_config({**raw, "voice": {"enabled": False, "volume": 0.5, "rate": 0.8}}, EXAMPLE.parent)
    assert (cfg.voice.enabled, cfg.voice.volume, cfg.voice.rate) == (False, 0.5, 0.8)
    for bad in ({"volume": 1.5}, {"rate": 3.0}, {"repeat_seconds": 1}, {"rate": "fast"}):
        with pytest.raises(ConfigError):
            parse_config({**raw, "voice": bad}, EXAMPLE.parent)
