"""Screen sizes the kiosk is laid out and tested for, and touch targets in millimetres (no Kivy).

The layouts are fluid (box layouts sharing the window), so one set of screens serves every size; what
changes per panel is the smallest touch target in pixels, which follows from the panel's physical
size (``ui.screen_mm``): 15 mm at that density, never below the design's 96 px.
"""

from __future__ import annotations

import logging
import math

__all__ = ["MIN_TARGET_MM", "SIZES", "TYPICAL_MM", "known_size", "min_target_px", "px_per_mm"]

log = logging.getLogger(__name__)

MIN_TARGET_MM = 15.0
DESIGN_TARGET_PX = 96
# The sizes with a tested layout: name → (width, height) in pixels.
SIZES: dict[str, tuple[int, int]] = {
    "1024x768": (1024, 768), "1280x800": (1280, 800), "1280x1024": (1280, 1024),
    "1920x1080": (1920, 1080), "1080x1920": (1080, 1920),
}
# A common panel of each size (mm, width × height as mounted): 15", 15.4", 17", 21.5", 21.5" portrait.
TYPICAL_MM: dict[str, tuple[float, float]] = {
    "1024x768": (304.1, 228.1), "1280x800": (331.2, 207.0), "1280x1024": (337.9, 270.3),
    "1920x1080": (476.6, 268.1), "1080x1920": (268.1, 476.6),
}


def px_per_mm(resolution: tuple[int, int], screen_mm: tuple[float, float]) -> float:
    """Pixel density of a panel (the denser axis, so a target is at least its size both ways)."""
    return max(resolution[0] / screen_mm[0], resolution[1] / screen_mm[1])


def min_target_px(resolution: tuple[int, int], screen_mm: tuple[float, float] | None) -> int:
    """The smallest touch target in pixels: 15 mm on this panel, and never below the design's 96 px."""
    if not screen_mm:
        return DESIGN_TARGET_PX
    return max(DESIGN_TARGET_PX, math.ceil(MIN_TARGET_MM * px_per_mm(resolution, screen_mm)))


def known_size(resolution: tuple[int, int]) -> bool:
    """Whether the size has a tested layout; an untested one is used anyway, with a warning."""
    if tuple(resolution) in SIZES.values():
        return True
    log.warning("ui.resolution %dx%d has no tested layout (tested: %s); laying it out anyway",
                resolution[0], resolution[1], ", ".join(SIZES))
    return False
