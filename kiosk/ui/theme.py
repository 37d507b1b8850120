"""Colours, type sizes and the font of each language (pure data; no Kivy).

Fonts (issue 5): IPAex Gothic for Japanese; Noto Sans CJK for Chinese and Korean (IPAex has no Hangul
and lacks many simplified hanzi); DejaVu Sans for the Latin-script languages (a Latin design with every
Vietnamese letter; fontconfig does not list Noto Sans CJK for Vietnamese).  A unit test renders every
character of every catalog with the font chosen for it and fails on a missing glyph.  Japanese data shown
on a foreign-language screen (municipality, certificate and member names) is drawn with the Japanese
font in its own label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from assets.fonts import DEJAVU_SANS, IPAEX_GOTHIC, NOTO_SANS_CJK

__all__ = ["FONTS", "JA_FONT", "Theme", "font_for"]

log = logging.getLogger(__name__)

Rgba = tuple[float, float, float, float]

JA_FONT = str(IPAEX_GOTHIC)
_CJK = str(NOTO_SANS_CJK)
_LATIN = str(DEJAVU_SANS)
FONTS: dict[str, str] = {"ja": JA_FONT, "zh": _CJK, "ko": _CJK, "en": _LATIN, "pt": _LATIN, "vi": _LATIN}


def font_for(language: str) -> str:
    """The font file for ``language``; IPAex when the preferred font is not installed (logged once)."""
    path = FONTS.get(language, _LATIN)
    if Path(path).exists():
        return path
    if path not in _missing:
        _missing.add(path)
        log.warning("font %s missing (apt fonts-noto-cjk / fonts-dejavu-core); using IPAex", path)
    return JA_FONT


_missing: set[str] = set()


@dataclass(frozen=True)
class Theme:
    background: Rgba
    text: Rgba
    muted: Rgba
    header: Rgba
    header_text: Rgba
    primary: Rgba
    primary_text: Rgba
    secondary: Rgba
    secondary_text: Rgba
    selected: Rgba
    selected_text: Rgba
    disabled: Rgba
    disabled_text: Rgba
    alert: Rgba
    alert_text: Rgba
    border: Rgba
    title_px: int = 42
    body_px: int = 32
    button_px: int = 32
    small_px: int = 24
    min_px: int = 20  # no resident text is drawn smaller than this

    def scaled(self, factor: float) -> Theme:
        """Type sizes × ``factor`` (config ``ui.font_scale``); text still shrinks to fit its box."""
        if factor == 1.0:
            return self
        return replace(self, title_px=round(self.title_px * factor), body_px=round(self.body_px * factor),
                       button_px=round(self.button_px * factor), small_px=round(self.small_px * factor),
                       min_px=round(self.min_px * min(1.0, factor)))

    @classmethod
    def normal(cls) -> Theme:
        return cls(
            background=(0.97, 0.97, 0.95, 1), text=(0.10, 0.10, 0.10, 1), muted=(0.30, 0.30, 0.30, 1),
            header=(0.04, 0.24, 0.50, 1), header_text=(1, 1, 1, 1),
            primary=(0.02, 0.36, 0.75, 1), primary_text=(1, 1, 1, 1),
            secondary=(0.84, 0.88, 0.93, 1), secondary_text=(0.05, 0.10, 0.20, 1),
            selected=(0.00, 0.45, 0.25, 1), selected_text=(1, 1, 1, 1),
            disabled=(0.88, 0.88, 0.88, 1), disabled_text=(0.38, 0.38, 0.38, 1),
            alert=(0.78, 0.08, 0.08, 1), alert_text=(1, 1, 1, 1), border=(0.55, 0.60, 0.68, 1),
        )

    @classmethod
    def high_contrast(cls) -> Theme:
        return cls(
            background=(0, 0, 0, 1), text=(1, 1, 1, 1), muted=(0.9, 0.9, 0.9, 1),
            header=(0, 0, 0, 1), header_text=(1, 0.87, 0, 1),
            primary=(1, 0.87, 0, 1), primary_text=(0, 0, 0, 1),
            secondary=(1, 1, 1, 1), secondary_text=(0, 0, 0, 1),
            selected=(0, 0.85, 0.35, 1), selected_text=(0, 0, 0, 1),
            disabled=(0.25, 0.25, 0.25, 1), disabled_text=(0.85, 0.85, 0.85, 1),
            alert=(1, 0.87, 0, 1), alert_text=(0, 0, 0, 1), border=(1, 1, 1, 1),
            title_px=46, body_px=34, button_px=34, small_px=26, min_px=22,
        )
