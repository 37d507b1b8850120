"""The printing screen (issue 14): the page coming out and the time left from the printer's measured
rate, pages only without one; in Japanese and Vietnamese, with screenshots."""

from __future__ import annotations

import pytest
from ui.kit import Driver
from ui.test_ui_money import _to_payment

from kiosk.flow import State
from kiosk.flow import events as evt


def _to_printing(kiosk, lang: str) -> Driver:  # type: ignore[no-untyped-def]
    d: Driver = kiosk(lang, auto_pay=True, hold={"Print"})
    _to_payment(d, lang)
    assert d.state is State.PRINTING
    return d


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_printing_shows_the_page_and_the_time_left(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = _to_printing(kiosk, lang)
    assert d.t("screen.printing.start") in d.screen_text()  # nothing counted yet: no 「0/-枚」
    d.send(evt.PrintProgress(1, 3, seconds_per_page=18.0))
    text = d.screen_text()
    assert d.t("printing.page", page=2, pages=3) in text
    assert d.t("printing.left_seconds", left=40) in text  # 2 pages × 18 s, rounded up to 10 s
    if lang == "ja":
        assert "2/3枚目を印刷しています" in text and "残り約40秒" in text
    d.shot("50-printing-time-left")
    # The printer is slower than measured: once the estimate runs out, pages only.
    d.app.clock.now += 40
    d.send(evt.Tick(d.app.clock.now))
    text = d.screen_text()
    assert d.t("printing.page", page=2, pages=3) in text
    assert d.t("printing.left_seconds", left=10) not in text and "40" not in text


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_printing_without_a_rate_shows_pages_only(kiosk, lang: str) -> None:  # type: ignore[no-untyped-def]
    d = _to_printing(kiosk, lang)
    d.send(evt.PrintProgress(1, 2))
    text = d.screen_text()
    assert d.t("printing.page", page=2, pages=2) in text
    for n in range(10, 70, 10):
        assert d.t("printing.left_seconds", left=n) not in text
    d.shot("51-printing-pages-only")
