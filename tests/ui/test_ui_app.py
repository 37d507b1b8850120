"""The window's kiosk properties, sound without an audio device, and ``python -m kiosk`` end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from ui.conftest import SETTINGS
from ui.kit import make_kiosk, pump

from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.ui.sound import Sounds

REPO = Path(__file__).resolve().parents[2]


def test_kiosk_window_borderless_no_cursor_escape_ignored(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kivy.config import Config
    from kivy.core.window import Window

    app, *_ = make_kiosk(tmp_path, SETTINGS)
    run_app(lambda: app)
    assert tuple(Window.size) == (1280, 800)
    assert Window.borderless and Config.get("graphics", "show_cursor") == "0"
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert Window.dispatch("on_keyboard", 27, 0, "", []) is True  # swallowed
    pump(1)
    assert app.root_layout.get_root_window() is Window


def test_sounds_follow_the_view_and_never_crash(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    app, port, *_ = make_kiosk(tmp_path, replace(SETTINGS, sound=True))
    run_app(lambda: app)
    sounds = app.sounds
    app.render(replace(port.view, state=State.TAKE_CARD, sound="take_card"))
    assert sounds.current == "take_card"  # playing, or silently unavailable (no audio device)
    app.render(replace(port.view, state=State.THANK_YOU, sound=None))
    assert sounds.current is None
    sounds.play_once("warning")
    missing = Sounds(True, tmp_path)  # no WAV files at all
    missing.update("take_card")
    assert missing.current == "take_card" and missing.failed


def test_inactivity_warning_overlay_answers_still_here(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.kit import Driver

    app, port, *_ = make_kiosk(tmp_path, SETTINGS)
    run_app(lambda: app)
    d = Driver(app, port, tmp_path)
    d.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next())
    app.clock.now += 61
    d.send(evt.Tick(app.clock.now))
    assert port.view.warning
    assert d.t("idle.seconds", seconds=20) in d.screen_text()
    app.clock.now += 5
    d.send(evt.Tick(app.clock.now))
    assert d.t("idle.seconds", seconds=15) in d.screen_text()  # counts down
    d.shot("warning")
    d.key("button.continue")
    assert not port.view.warning and port.flow.state is State.PLACE_CARD


def test_python_m_kiosk_starts_the_ui(tmp_path: Path) -> None:
    text = (REPO / "kiosk" / "examples" / "kiosk.toml").read_text(encoding="utf-8")
    text = text.replace("../../var/kiosk/logs", str(tmp_path / "logs")).replace(
        "../../var/kiosk/journal.db", str(tmp_path / "journal.db")).replace(
        "../../var/voice", str(tmp_path / "voice"))
    text = re.sub(r"resolution = \[\d+, \d+\]", "resolution = [1024, 768]", text)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(text, encoding="utf-8")
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "PYTHONPATH": str(REPO), "KIVY_NO_ARGS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg), "--simulate"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Start application main loop" in line:
                break
        assert any("Start application main loop" in x for x in lines), "".join(lines[-20:])
        assert any("simulated" in x and "--simulate" in x for x in lines)  # the log line of --simulate
        assert proc.poll() is None  # still running: the UI is up
    finally:
        proc.terminate()
        proc.wait(10)


def test_python_m_kiosk_rejects_a_bad_config(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[ui]\nresolution = [10, 10]\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg)], cwd=REPO, check=False,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2 and "invalid config" in out.stderr and "Traceback" not in out.stderr


def test_shuffled_keypad_still_sends_the_digit_shown(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ui.kit import Driver

    app, port, *_ = make_kiosk(tmp_path, replace(SETTINGS, shuffle_pin=True))
    run_app(lambda: app)
    d = Driver(app, port, tmp_path)
    d.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted())
    assert port.flow.state is State.PIN
    keys = [t for w in d.tiles() for t in d.texts(w) if len(t) == 1 and t.isdigit()]
    assert sorted(keys) == list("0123456789")
    for digit in "2580":
        d.press(digit)
    assert port.flow.context.pin == "2580" and port.view.pin_digits == 4
    assert "2580" not in d.screen_text()
