"""Display settings of the UI (pure data, no Kivy), built from the validated ``[ui]`` config section.

``kiosk.config.UiConfig`` (the flow engineer's, one validated config file for the whole kiosk) holds what
a site configures; the rest are UI constants with defaults that tests and the benchmark override.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.config import UiConfig
from kiosk.ui.layouts import known_size, min_target_px

__all__ = ["UISettings"]


@dataclass(frozen=True)
class UISettings:
    """The window size is fixed: a kiosk's panel never changes at run time."""

    width: int = 1280
    height: int = 1024
    fullscreen: bool = True  # borderless window of exactly width × height at (0, 0), no cursor
    high_contrast: bool = False  # black background, white text, yellow buttons
    shuffle_pin: bool = False  # shuffle the PIN keypad's digits each time the PIN screen opens
    font_scale: float = 1.0
    sound: bool = True
    min_target_px: int = 96  # 15 mm at 163 dpi; the tests check every button against 90 px
    attract_slide_seconds: float = 5.0
    tick_seconds: float = 0.0  # feed ``Tick`` from the UI (0: the runner's own ticker does it)
    corner_px: int = 120  # size of the corner squares of the staff gesture
    gesture_seconds: float = 5.0  # the four corners must be tapped within this time
    # Cached layout previews for the confirm screen (``kiosk.preview``); None: the summary only.
    previews: Path | None = None

    def __post_init__(self) -> None:
        if self.width < 640 or self.height < 480:
            raise ValueError("ui: the UI needs at least 640×480")
        if not 0.5 <= self.font_scale <= 2.0 or self.min_target_px < 48:
            raise ValueError("ui: font_scale 0.5..2.0, min_target_px >= 48")

    @classmethod
    def from_config(cls, ui: UiConfig, **overrides: object) -> UISettings:
        """The settings of a validated ``[ui]`` section (``overrides`` for tests and tools).

        :raises ValueError: a resolution below 640×480 or a font scale outside 0.5..2.0.
        """
        width, height = ui.resolution
        known_size((width, height))
        mm = (ui.screen_mm[0], ui.screen_mm[1]) if ui.screen_mm else None
        values: dict[str, object] = {"width": width, "height": height, "fullscreen": ui.fullscreen,
                                     "high_contrast": ui.high_contrast, "shuffle_pin": ui.shuffle_keypad,
                                     "font_scale": ui.font_scale,
                                     "min_target_px": min_target_px((width, height), mm)}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
