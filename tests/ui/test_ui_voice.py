"""Voice guidance and keypad operation in the real window: a 住民票 with keys only, every screen spoken,
no PIN digit ever spoken or logged, もう一度聞く / ``#`` repeating, a missing clip only logged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ui.conftest import REPO, SETTINGS
from ui.kit import make_kiosk, pump

from kiosk.config import VoiceConfig
from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.ui.i18n import Translator
from kiosk.voice.prompts import inventory
from kiosk.voice.render import render_clips

CLIPS = REPO / "var" / "voice"  # the same cache as ``make voice``: names hash the words, never stale
PIN = "1234"  # the simulated card's PIN
AMOUNTS = {"screen.confirm.fee", "screen.payment", "screen.payment.due", "screen.take_documents.change"}


@pytest.fixture(scope="module")
def clips() -> Path:
    report = render_clips(CLIPS, inventory(Translator(), ("ja",)), 1.0)
    assert report.failed == 0
    return CLIPS


def _kiosk(tmp_path: Path, run_app: Callable[..., Any], clip_dir: Path) -> tuple[Any, Any]:
    app, port, *_ = make_kiosk(tmp_path, SETTINGS)
    app.voice.enabled = True  # make_kiosk builds the app with voice off; these tests turn it on
    app.voice.directory = clip_dir
    run_app(lambda: app)
    return app, port


def _key(key: int, codepoint: str | None = None) -> None:
    from kivy.core.window import Window

    Window.dispatch("on_keyboard", key, 0, codepoint, [])
    pump(2)


ENTER, NEXT, STAR, HASH = 13, 275, 42, 35


def _choose(app: Any, wanted: Callable[[str], bool]) -> str:
    """Move the focus with the right arrow until a control matches, then Enter."""
    for _ in range(60):
        _key(NEXT)
        if app.focus.key is not None and wanted(app.focus.key):
            chosen = str(app.focus.key)
            _key(ENTER)
            return chosen
    raise AssertionError(f"no control to choose on {app.view.state}")


def test_voice_keypad_juminhyo_with_keys_only(clips: Path, run_app, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app, port = _kiosk(tmp_path, run_app, clips)
    assert port.view.state is State.ATTRACT
    _key(ENTER)
    assert port.view.state is State.LANGUAGE
    _choose(app, lambda k: k == "language.ja")
    assert port.view.state is State.NOTICE
    _choose(app, lambda k: k == "button.next")
    assert port.view.state is State.PLACE_CARD
    port.submit(evt.CardInserted())  # the resident places the card: a device event, not a tap
    pump(2)
    assert port.view.state is State.PIN
    for _ in range(5):  # wander over the pad: the focused digit is announced as "a number key"
        _key(NEXT)
    for d in PIN:
        _key(48 + int(d), d)
    assert port.view.pin_digits == 4
    _choose(app, lambda k: k == "button.confirm")
    assert port.view.state is State.MUNICIPALITY
    _choose(app, lambda k: k.startswith("choice."))
    assert port.view.state is State.CERTIFICATE
    _choose(app, lambda k: k == "choice.juminhyo")
    assert port.view.state is State.WHOSE
    _key(HASH)  # "say it again"
    _choose(app, lambda k: k.startswith("choice."))
    while port.view.state in (State.ITEMS, State.COPIES, State.MEMBERS):
        _choose(app, lambda k: k == "button.next")
    assert port.view.state is State.CONFIRM
    _choose(app, lambda k: k == "button.pay")
    # Cash and printing are the simulated devices' (they answer by themselves, or we feed them).
    for _ in range(10):
        v = port.view
        if v.state is State.PAYMENT:
            port.submit(evt.MoneyInserted(v.fee or 0))
            port.submit(evt.PaymentComplete(v.fee or 0, 0))
        elif v.state is State.PRINTING:
            port.submit(evt.Printed(v.pages_total or 1))
        elif v.state is State.TAKE_CARD:
            break
        pump(2)
    assert port.view.state is State.TAKE_CARD
    app.voice.tick(app.voice._spoken_at + app.voice.repeat_seconds)  # no reaction: said again
    port.submit(evt.CardRemoved())
    pump(2)
    assert port.view.state is State.TAKE_DOCUMENTS
    _choose(app, lambda k: k == "button.done")
    assert port.view.state is State.THANK_YOU

    record = app.voice.played
    by_screen: dict[str, list[str]] = {}
    for screen, key, outcome in record:
        # Every clip was there, except sentences with amounts (rendered the first time they are needed).
        if key not in AMOUNTS:
            assert outcome in ("played", "no_audio"), (screen, key, outcome)
        by_screen.setdefault(screen, []).append(key)
    for screen in ("language", "notice", "place_card", "pin", "municipality", "certificate", "whose",
                   "confirm"):
        assert f"screen.{screen}" in by_screen[screen], screen
    assert by_screen["whose"].count("screen.whose") == 2  # shown, then '#'
    assert by_screen["take_card"].count("screen.take_card") == 2  # repeated until the resident acts
    assert "screen.thank_you" in by_screen["thank_you"]
    # The PIN: focused digits are "a number key"; typed digits are neither spoken nor logged.
    assert "voice.pin_key" in by_screen["pin"]
    assert not [k for k in by_screen["pin"] if k.startswith("pin.") and k[4:].isdigit()]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert PIN not in logged and not any(f"pin.{d}" in logged for d in "0123456789")


def test_listen_again_button_and_a_missing_clip(run_app, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                caplog: pytest.LogCaptureFixture) -> None:
    empty = tmp_path / "no-clips"
    app, port = _kiosk(tmp_path, run_app, empty)
    port.submit(evt.Touch())
    pump(2)
    port.submit(evt.ChooseLanguage("en"))
    pump(2)
    assert port.view.state is State.NOTICE
    assert any(k == "screen.notice" and o == "missing" for _, k, o in app.voice.played)
    assert "voice clip missing for screen.notice" in caplog.text
    from kivy.uix.behaviors import ButtonBehavior

    listen = [w for w in app.root_layout.walk() if isinstance(w, ButtonBehavior) and w.key == "button.listen"]
    assert listen, "no もう一度聞く control"
    before = len(app.voice.played)
    listen[0].dispatch("on_release")
    assert len(app.voice.played) > before and port.view.state is State.NOTICE  # never blocks the flow


def test_unknown_keys_do_nothing(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, port = _kiosk(tmp_path, run_app, tmp_path)
    port.submit(evt.Touch())
    pump(2)
    for key in (1073741882, 9, 300, 97):  # F1, Tab, a modifier, 'a'
        _key(key)
    assert port.view.state is State.LANGUAGE and app.focus.key is None


_AUDIO_CHILD = """
import os, sys
from pathlib import Path
from kiosk.ui.boot import prepare
from kiosk.ui.settings import UISettings
prepare(UISettings(width=800, height=600))
from kiosk.config import VoiceConfig
from kiosk.flow import State, View
from kiosk.ui.i18n import Translator
from kiosk.ui.voice import VoiceGuide
guide = VoiceGuide(VoiceConfig(clips=Path(sys.argv[1])), Translator())
guide.show(View(state=State.TAKE_CARD))
print(sorted({o for _, _, o in guide.played}))
"""

_CORRUPT_CHILD = _AUDIO_CHILD.replace("guide = VoiceGuide", """
import logging
class Seen(logging.Handler):  # Kivy owns the root logger: report the kiosk's records on stdout
    def emit(self, record): print("LOG", record.levelname, record.name, record.getMessage())
logging.getLogger("kiosk").addHandler(Seen())
from kiosk.voice.clips import clip_name
from kiosk.voice.prompts import spoken
for key, text in spoken(View(state=State.TAKE_CARD), Translator()):
    (Path(sys.argv[1]) / clip_name(text, "ja", 1.0)).write_bytes(b"RIFF\\0\\0\\0\\0WAVEjunk")
guide = VoiceGuide""", 1)


def test_a_corrupt_clip_is_logged_and_skipped(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "KIVY_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _CORRUPT_CHILD, str(clips)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]  # no crash
    assert done.stdout.strip().splitlines()[-1] == "['no_audio']"  # nothing played, text stays
    assert "LOG WARNING kiosk.ui.voice" in done.stdout  # and a warning said so


@pytest.mark.parametrize(("driver", "outcome"), [("dummy", "played"), ("alsa", "no_audio")])
def test_real_sdl_audio_plays_or_stays_silent_without_a_device(clips: Path, driver: str, outcome: str,
                                                                tmp_path: Path) -> None:
    # Its own process: SDL opens (or fails to open) the audio device once per process.
    env = {**os.environ, "SDL_AUDIODRIVER": driver, "KIVY_HOME": str(tmp_path), "AUDIODEV": "none",
           "ALSA_CONFIG_PATH": str(tmp_path / "none.conf")}
    (tmp_path / "none.conf").write_text("")
    done = subprocess.run([sys.executable, "-c", _AUDIO_CHILD, str(clips)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == f"['{outcome}']"


def test_voice_config_reaches_the_guide() -> None:
    from kiosk.ui.voice import VoiceGuide

    guide = VoiceGuide(VoiceConfig(enabled=False, volume=0.3, rate=0.8), Translator())
    assert (guide.enabled, guide.volume, guide.rate) == (False, 0.3, 0.8)


def test_payment_says_what_is_still_due(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, port = _kiosk(tmp_path, run_app, tmp_path / "no-clips")
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(), evt.PinSubmitted(PIN),
              evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("inkan"),
              evt.CopiesChosen(2), evt.Confirm()):
        port.submit(e)
    pump(2)
    assert port.view.state is State.PAYMENT and port.view.fee == 400
    said = len(app.voice.played)
    port.submit(evt.MoneyInserted(100))
    pump(2)
    # Only 「あと300円」: the screen's prompt is not repeated for a coin.
    assert [k for _, k, _ in app.voice.played[said:]] == ["screen.payment.due"]
    port.submit(evt.MoneyInserted(300))
    pump(2)
    assert port.view.state is not State.PAYMENT or port.view.due == 0
    assert [k for _, k, _ in app.voice.played[said:]].count("screen.payment.due") == 1  # nothing due: silent
