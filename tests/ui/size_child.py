"""One screen size in its own process (``python tests/ui/size_child.py W H OUT``): every screen in every
language laid out at W×H; prints one JSON line with the problems found and the screenshots written.

A Kivy window's size is fixed once it exists, so each size needs a fresh process (tests/ui/test_ui_sizes.py).
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
for k, v in {"KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1", "KIVY_NO_FILELOG": "1", "KIVY_NO_CONSOLELOG": "1",
             "KIVY_HOME": str(HERE.parent / ".kivy_home")}.items():
    os.environ.setdefault(k, v)
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
sys.path.insert(0, str(HERE.parent))

from kiosk.ui.boot import prepare  # noqa: E402
from kiosk.ui.layouts import MIN_TARGET_MM, TYPICAL_MM, px_per_mm  # noqa: E402
from kiosk.ui.settings import UISettings  # noqa: E402

# Screenshots kept per size and language (every screen is still laid out and checked).
SHOTS = ("language", "notice", "place_card", "pin", "certificate", "confirm", "printing", "take_documents",
         "error")


def main(width: int, height: int, out: Path) -> int:
    name = f"{width}x{height}"
    from kiosk.preview import ensure_previews, preview_size

    previews = Path(tempfile.mkdtemp()) / "previews"
    ensure_previews(previews, preview_size((width, height)))  # as a kiosk's first start does
    settings = UISettings(width=width, height=height, fullscreen=True, tick_seconds=0, sound=False,
                          previews=previews)
    prepare(settings)
    from kivy.base import runTouchApp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from ui.kit import collect_views, make_kiosk, pump, screenshot

    from kiosk.ui.i18n import LANGUAGES
    from kiosk.ui.theme import Theme

    target = math.ceil(MIN_TARGET_MM * px_per_mm((width, height), TYPICAL_MM[name]))
    views = collect_views()
    app, *_ = make_kiosk(Path(tempfile.mkdtemp()), settings)
    app._run_prepare()
    runTouchApp(embedded=True)
    pump(3)
    problems: list[str] = []
    shots = 0
    min_font = Theme.normal().min_px - 4
    for lang in LANGUAGES:
        for screen, view in views.items():
            app.render(replace(view, language=lang), force=True)
            pump(2)
            where = f"{name}/{lang}/{screen}"
            for w in app.root_layout.walk():
                x, y = w.to_window(w.x, w.y)
                off = x < -1 or y < -1 or x + w.width > width + 1 or y + w.height > height + 1
                if isinstance(w, ButtonBehavior):
                    if min(w.size) < target:
                        problems.append(f"{where}: touch target {w.size} < {target}px (15 mm)")
                    if off:
                        problems.append(f"{where}: control {getattr(w, 'key', '')!r} off screen")
                    if str(getattr(w, "key", "")).startswith("pin.") and w.height > w.width * 1.25:
                        problems.append(f"{where}: PIN key {w.size} is a bar, not a key")
                if isinstance(w, Label) and w.text and w.opacity > 0:
                    tw, th = w.texture_size
                    if hasattr(w, "breaks_a_word") and w.breaks_a_word():
                        problems.append(f"{where}: {w.text[:30]!r} has a word cut in two")
                    if tw > w.width + 1 or th > w.height + 1:
                        problems.append(f"{where}: {w.text[:30]!r} needs {w.texture_size}, has {w.size}")
                    if w.font_size < min_font and not screen.startswith("service"):
                        problems.append(f"{where}: {w.text[:30]!r} drawn at {w.font_size}px")
                    if off:
                        problems.append(f"{where}: {w.text[:30]!r} is off screen")
            if screen == "confirm":
                problems += _preview_problems(app, where, width, height)
            if screen in SHOTS:
                screenshot(out / name / lang / f"{screen}.png")
                shots += 1
    app.stop()
    result = {"size": name, "target_px": target, "problems": problems, "shots": shots}
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


def _preview_problems(app: object, where: str, width: int, height: int) -> list[str]:
    """The confirm screen shows the layout preview, whole and on screen."""
    from kivy.uix.image import Image

    images = [w for w in app.root_layout.walk() if isinstance(w, Image)]  # type: ignore[attr-defined]
    if len(images) != 1 or "previews" not in images[0].source:
        return [f"{where}: no layout preview ({len(images)} images)"]
    im = images[0]
    x, y = im.to_window(im.x, im.y)
    shown_w, shown_h = im.norm_image_size
    out = []
    if x < -1 or y < -1 or x + im.width > width + 1 or y + im.height > height + 1:
        out.append(f"{where}: layout preview off screen")
    if shown_w > im.width + 1 or shown_h > im.height + 1 or min(shown_w, shown_h) < 100:
        out.append(f"{where}: layout preview drawn {shown_w:.0f}x{shown_h:.0f} in {im.size}")
    return out


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
