"""The ``ui`` section of the kiosk config (pure data, no Kivy)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.errors import KioskError

__all__ = ["UIConfigError", "UISettings"]


class UIConfigError(KioskError):
    """The ``ui`` section of the config is invalid."""

    code = "ui_config"


@dataclass(frozen=True)
class UISettings:
    """Display settings.  The window size is fixed: the kiosk's panel never changes at run time."""

    width: int = 1280
    height: int = 800
    fullscreen: bool = True  # borderless window of exactly width × height at (0, 0)
    high_contrast: bool = False  # black background, white text, yellow buttons
    shuffle_pin: bool = False  # shuffle the PIN keypad's digits each time the PIN screen opens
    sound: bool = True
    min_target_px: int = 96  # 15 mm at 163 dpi; the tests check every button against it
    attract_slide_seconds: float = 5.0
    tick_seconds: float = 0.5  # how often the UI feeds ``Tick`` to the flow (0 = never: tests)
    corner_px: int = 120  # size of the corner squares of the staff gesture

    def __post_init__(self) -> None:
        if not (640 <= self.width <= 7680 and 480 <= self.height <= 4320):
            raise UIConfigError("ui: width/height out of range (640×480 .. 7680×4320)")
        if self.min_target_px < 48 or self.attract_slide_seconds <= 0 or self.tick_seconds < 0:
            raise UIConfigError("ui: min_target_px >= 48, attract_slide_seconds > 0, tick_seconds >= 0")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> UISettings:
        """Build from the config file's ``[ui]`` table.

        :raises UIConfigError: an unknown key or a value of the wrong type.
        """
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise UIConfigError(f"ui: unknown key {sorted(unknown)[0]!r}")
        defaults = cls()
        for key, value in raw.items():
            want = type(getattr(defaults, key))
            ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                ok = True
            if not ok:
                raise UIConfigError(f"ui.{key}: expected {want.__name__}")
        return cls(**raw)  # type: ignore[arg-type]
