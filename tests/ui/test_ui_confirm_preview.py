"""The confirm screen (issue 14): the summary of what will be printed and a small preview of the
document's layout, personal fields masked, from the cache made ahead; in Japanese and Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ui.conftest import SETTINGS, SHOT_DIR
from ui.kit import Driver, make_kiosk
from ui.test_ui_money import LANG_BUTTON

from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.preview import ensure_previews, preview_path, preview_size


def _to_confirm(run_app: Callable[..., Any], tmp_path: Path, lang: str, previews: Path) -> Driver:
    app, port, *_ = make_kiosk(tmp_path, replace(SETTINGS, previews=previews))
    run_app(lambda: app)
    d = Driver(app, port, SHOT_DIR / lang)
    d.touch_start()
    d.press(LANG_BUTTON[lang])
    d.key("button.next")
    d.send(evt.CardInserted())
    for digit in "1234":
        d.press(digit)
    d.key("button.confirm")
    d.press("東京都見本市")
    d.press(d.t("certificate.juminhyo"))
    d.key("whose.juminhyo.self")
    assert d.state is State.ITEMS
    d.press(d.t("item.honseki"))
    d.key("button.next")
    assert d.state is State.COPIES
    d.key("button.more")
    d.key("button.next")
    assert d.state is State.CONFIRM
    return d


def _images(d: Driver) -> list[Any]:
    from kivy.uix.image import Image

    return [w for w in d.app.root_layout.walk() if isinstance(w, Image)]


@pytest.mark.parametrize("lang", ["ja", "vi"])
def test_confirm_summarises_and_shows_the_masked_layout(run_app, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    previews = tmp_path / "previews"
    size = preview_size((SETTINGS.width, SETTINGS.height))
    ensure_previews(previews, size)
    d = _to_confirm(run_app, tmp_path, lang, previews)
    text = d.screen_text()
    for expected in ("東京都見本市", "住民票の写し", d.t("whose.juminhyo.self"), d.t("item.honseki"),
                     d.t("label.copies", copies=2), d.t("label.preview")):
        assert expected in text, expected
    images = _images(d)
    assert [Path(i.source) for i in images] == [preview_path(previews, "juminhyo", ("honseki",), size)]
    shown_w, shown_h = images[0].norm_image_size
    assert shown_h > 200 and shown_w <= images[0].width + 1
    d.shot("52-confirm-preview")


def test_confirm_without_a_cached_preview_shows_the_summary_alone(run_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = _to_confirm(run_app, tmp_path, "ja", tmp_path / "empty")
    assert _images(d) == []  # never rendered while the resident waits
    assert d.t("label.preview") not in d.screen_text()
    assert "住民票の写し" in d.screen_text()
