"""Before the last PIN try the screen says how many tries are left and where a locked PIN is reset."""

from __future__ import annotations

import pytest
from ui.kit import Driver
from ui.test_ui_paths import _to_pin

from kiosk.flow import State


def _enter_pin(d: Driver, pin: str) -> None:
    for digit in pin:
        d.press(digit)
    d.key("button.confirm")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reset_hint_before_the_last_try(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = kiosk(lang)
    _to_pin(d, lang)
    _enter_pin(d, "9999")
    assert d.port.view.tries_left == 2
    assert d.t("screen.pin.reset") not in d.screen_text()  # two tries left: not yet
    _enter_pin(d, "9999")
    assert d.state is State.PIN and d.port.view.tries_left == 1
    text = d.screen_text()
    assert d.t("screen.pin.tries", tries=1) in text and d.t("screen.pin.reset") in text
    assert ("窓口" in text) if lang == "ja" else ("municipal office" in text)
    d.shot(f"22-pin-last-try-{lang}")
