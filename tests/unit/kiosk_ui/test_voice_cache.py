"""The clip cache's size and contents (issue 14): clips at 16 kHz with the voice kept, money and page
sentences of the configured fees rendered ahead, a disk budget, stale clips pruned."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.config import VoiceConfig
from kiosk.flow import State, View
from kiosk.flow.guidance import prompt, update
from kiosk.ui.i18n import Translator
from kiosk.voice.clips import SAMPLE_RATE, clip_name, clip_stats
from kiosk.voice.prompts import amount_inventory, amounts, inventory
from kiosk.voice.render import cache_bytes, prepare_cache
from kiosk.voice.tts import _jtalk, synthesize

TR = Translator()
ACCEPTS = (10, 50, 100, 500, 1000)


def _centroid(path: Path) -> float:
    """Spectral centroid below 8 kHz (Hz): where the voice's energy sits."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    spectrum, freqs = np.abs(np.fft.rfft(x)), np.fft.rfftfreq(x.size, 1 / rate)
    band = freqs < 8000
    return float((freqs[band] * spectrum[band]).sum() / spectrum[band].sum())


def test_clips_are_kept_at_16_khz_with_the_same_voice(tmp_path: Path) -> None:
    text = "マイナンバーカードをお取りください"
    raw, kept = tmp_path / "raw.wav", tmp_path / "kept.wav"
    _jtalk(text, 1.0, raw)  # Open JTalk's own output: 48 kHz
    synthesize(text, "ja", 1.0, kept)
    before, after = clip_stats(raw), clip_stats(kept)
    assert (before.rate, after.rate) == (48000, SAMPLE_RATE) and SAMPLE_RATE == 16000
    assert kept.stat().st_size < raw.stat().st_size * 0.36  # a third of the rate, silence trimmed
    assert before.seconds - 0.8 < after.seconds <= before.seconds  # only the silent ends went
    assert after.rms > 0.02  # still speech
    assert abs(_centroid(kept) - _centroid(raw)) < 0.05 * _centroid(raw)  # same spectrum, not shifted


def test_the_clip_name_changes_with_the_sample_rate() -> None:
    import hashlib

    digest = hashlib.sha256(f"ja\0{1.0:.2f}\0{SAMPLE_RATE}\0あ".encode()).hexdigest()[:24]
    assert clip_name("あ", "ja", 1.0) == f"ja-{digest}.wav"


def test_amounts_of_the_configured_fees() -> None:
    got = amounts((200, 450), 3, ACCEPTS)
    assert got["total"] == (200, 400, 450, 600, 900, 1350)
    assert got["due"] == tuple(range(50, 1350, 50)) and got["due"][:3] == (50, 100, 150)
    assert got["change"] == tuple(range(50, 1000, 50)) and got["change"][-1] == 950
    assert amounts((), 5, ACCEPTS) == {"total": (), "due": (), "change": ()}


def test_money_sentences_for_the_fees_are_in_the_inventory_most_needed_first() -> None:
    money = amount_inventory(TR, ("ja", "vi"), (200, 450), 3, ACCEPTS)
    assert money[0] == ("ja", "手数料 200円")  # the confirm screen's fee line comes first
    ja = [t for lang, t in money if lang == "ja"]
    for sentence in ("手数料1,350円を投入してください", "あと50円", "あと1,300円",
                     "おつり950円をお取りください", "お支払いの900円をお返ししています",
                     "お支払いの1,350円はお返ししました"):
        assert sentence in ja, sentence
    assert "あと75円" not in ja and "手数料1,400円を投入してください" not in ja
    assert ja.index("あと50円") < ja.index("お支払いの1,350円はお返ししました")  # refunds last
    assert ("vi", TR.text("screen.payment.due", "vi", due="1,300")) in money
    assert not [t for _, t in money if "{" in t]


def test_page_counts_and_the_time_left_are_rendered_ahead() -> None:
    ja = {t for lang, t in inventory(TR, ("ja",)) if lang == "ja"}
    assert {"1/1枚目を印刷しています", "2/3枚目を印刷しています", "6/6枚目を印刷しています"} <= ja
    assert "7/7枚目を印刷しています" not in ja  # longer jobs: rendered when first needed
    assert {"残り約10秒", "残り約60秒", "残り約2分", "残り約10分"} <= ja


def test_budget_and_pruning(tmp_path: Path) -> None:
    stale = tmp_path / "en-000000000000000000000000.wav"  # a clip of a text no longer in the catalog
    stale.write_bytes(b"RIFF" + b"\0" * 2000)
    base = [("en", "Please take your card")]
    first = prepare_cache(tmp_path, base, [], 1.0, budget_bytes=10**9, jobs=1)
    assert first.pruned == 1 and not stale.exists() and first.bytes_before == 2004
    assert first.base.rendered == 1 and first.bytes_after == cache_bytes(tmp_path) > 0
    money = [("en", "Fee: 200 yen"), ("en", "Fee: 300 yen"), ("en", "Fee: 450 yen")]
    # The budget is already reached by the prompts plus one clip: the first money sentence only.
    second = prepare_cache(tmp_path, base, money, 1.0, budget_bytes=cache_bytes(tmp_path) + 1, jobs=1)
    assert (second.base.cached, second.amounts.rendered, second.amounts.skipped) == (1, 1, 2)
    names = sorted(p.name for p in tmp_path.glob("*.wav"))
    kept = [clip_name("Please take your card", "en", 1.0), clip_name("Fee: 200 yen", "en", 1.0)]
    assert names == sorted(kept)
    # A language dropped from the config: its clips go.
    third = prepare_cache(tmp_path, [], money[:1], 1.0, budget_bytes=10**9, jobs=1)
    assert third.pruned == 1 and third.bytes_after < second.bytes_after


def test_voice_config_fees_and_budget() -> None:
    assert VoiceConfig().fees == (200, 300, 450) and VoiceConfig().cache_mb > 0
    with pytest.raises(ValueError):
        VoiceConfig(fees=(0,))
    with pytest.raises(ValueError):
        VoiceConfig(cache_mb=0)


def test_payment_says_what_is_still_due_after_each_coin_and_nothing_else() -> None:
    before = View(state=State.PAYMENT, fee=400, due=400)
    after_coin = View(state=State.PAYMENT, fee=400, inserted=100, due=300)
    assert update(before, after_coin) == ("screen.payment.due",)
    assert update(after_coin, View(state=State.PAYMENT, fee=400, inserted=400, due=0)) == ()  # paid
    printing = View(state=State.PRINTING, pages_done=1, pages_total=3, page_now=2)
    assert update(printing, View(state=State.PRINTING, pages_done=2, pages_total=3, page_now=3)) == ()


def test_take_documents_says_what_is_in_the_tray() -> None:
    refund = View(state=State.TAKE_DOCUMENTS, message_key="take.refund", refund=200)
    assert prompt(refund)[0] == "take.refund"
    done = View(state=State.TAKE_DOCUMENTS, message_key="screen.take_documents", change=100)
    assert prompt(done)[:2] == ("screen.take_documents", "screen.take_documents.change")
