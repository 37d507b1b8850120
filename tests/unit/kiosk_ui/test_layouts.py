"""Screen sizes and touch targets in millimetres (kiosk.ui.layouts), and the config's screen_mm."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, UiConfig, parse_config
from kiosk.ui.layouts import SIZES, known_size, min_target_px, px_per_mm
from kiosk.ui.settings import UISettings

EXAMPLE = Path(__file__).resolve().parents[3] / "kiosk" / "examples" / "kiosk.toml"


def test_the_five_sizes_of_the_issue() -> None:
    assert set(SIZES.values()) == {(1024, 768), (1280, 800), (1280, 1024), (1920, 1080), (1080, 1920)}


def test_fifteen_millimetres_in_pixels() -> None:
    # A 17" 1280×1024 panel, 337.9 × 270.3 mm: 3.79 px/mm, so 15 mm = 57 px; the design's 96 px stays.
    assert px_per_mm((1280, 1024), (337.9, 270.3)) == pytest.approx(3.788, abs=0.01)
    assert min_target_px((1280, 1024), (337.9, 270.3)) == 96
    # A dense 10" 1920×1080 panel (221 × 125 mm): 8.7 px/mm, so 15 mm needs 131 px.
    assert min_target_px((1920, 1080), (221.0, 125.0)) == 131
    assert min_target_px((1280, 800), None) == 96


def test_settings_follow_the_configured_panel_and_warn_on_an_untested_size(
        caplog: pytest.LogCaptureFixture) -> None:
    ui = UiConfig(resolution=(1920, 1080), screen_mm=(221.0, 125.0))
    assert UISettings.from_config(ui).min_target_px == 131
    with caplog.at_level(logging.WARNING):
        assert not known_size((1366, 768))
        settings = UISettings.from_config(UiConfig(resolution=(1366, 768)))
    assert settings.width == 1366  # laid out anyway
    assert "1366x768 has no tested layout" in caplog.text
    assert known_size((1080, 1920))


def test_screen_mm_is_validated() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["ui"]["screen_mm"] = [337.9, 270.3]
    assert parse_config(raw, EXAMPLE.parent).ui.screen_mm == (337.9, 270.3)
    for bad in ([300], [10, 10], ["wide", 200]):
        raw["ui"]["screen_mm"] = bad
        with pytest.raises(ConfigError):
            parse_config(raw, EXAMPLE.parent)


def test_the_illustrations_are_our_own_vector_files() -> None:
    import xml.etree.ElementTree as ET

    from kiosk.ui.illustrations import ILLUSTRATION_DIR, ILLUSTRATIONS

    for name in ILLUSTRATIONS:
        root = ET.parse(ILLUSTRATION_DIR / f"{name}.svg").getroot()
        assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 400 300"
        shapes = [e for e in root.iter() if e.tag.split("}")[-1] in ("rect", "circle", "polygon", "path")]
        assert len(shapes) >= 10, name
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("image", "text")]  # pure vectors
