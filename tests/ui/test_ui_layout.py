"""Every screen in every language: touch targets of at least 15 mm and no text outside its box."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from ui.conftest import SETTINGS, SHOT_DIR
from ui.kit import collect_views, make_kiosk, pump, screenshot

from kiosk.flow import State
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.theme import Theme

MIN_TARGET = 90  # px: 15 mm at the 1280×800 panel's ~150 dpi (the config's min_target_px is 96)
VIEWS = collect_views()


def test_every_screen_is_covered() -> None:
    covered = {v.state for v in VIEWS.values()}
    assert covered == set(State), f"missing: {set(State) - covered}"


def _problems(app, name: str, lang: str) -> list[str]:  # type: ignore[no-untyped-def]
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    out = []
    min_font = Theme.normal().min_px - 4
    for w in app.root_layout.walk():
        where = f"{name}/{lang}"
        if isinstance(w, ButtonBehavior) and min(w.size) < MIN_TARGET:
            out.append(f"{where}: touch target {w.size} < {MIN_TARGET}px")
        if isinstance(w, Label) and w.text and w.opacity > 0:
            tw, th = w.texture_size
            if hasattr(w, "breaks_a_word") and w.breaks_a_word():
                out.append(f"{where}: {w.text[:30]!r} has a word cut in two")
            if tw > w.width + 1 or th > w.height + 1:
                out.append(f"{where}: {w.text[:30]!r} needs {w.texture_size}, has {w.size}")
            if w.font_size < min_font and not name.startswith("service"):
                out.append(f"{where}: {w.text[:30]!r} drawn at {w.font_size}px")
            x, y = w.to_window(w.x, w.y)
            if x < -1 or y < -1 or x + w.width > SETTINGS.width + 1 or y + w.height > SETTINGS.height + 1:
                out.append(f"{where}: {w.text[:30]!r} is off screen")
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_targets_and_text_fit_on_every_screen(run_app, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    app, *_ = make_kiosk(tmp_path, SETTINGS)
    run_app(lambda: app)
    problems: list[str] = []
    for name, view in VIEWS.items():
        app.render(replace(view, language=lang), force=True)
        pump(2)
        problems += _problems(app, name, lang)
        screenshot(SHOT_DIR / "all" / lang / f"{name}.png")  # every screen in every language
    assert problems == []


def test_high_contrast_mode(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kivy.core.window import Window

    app, *_ = make_kiosk(tmp_path, replace(SETTINGS, high_contrast=True))
    run_app(lambda: app)
    problems: list[str] = []
    for name in ("certificate", "pin", "take_card"):
        app.render(replace(VIEWS[name], language="en"), force=True)
        pump(2)
        problems += _problems(app, name, "en")
        screenshot(SHOT_DIR / "high-contrast" / f"{name}.png")
    assert problems == []
    assert tuple(Window.clearcolor) == (0, 0, 0, 1)
