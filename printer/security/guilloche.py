"""Guilloche: hypotrochoid rosettes and a trochoidal border band (docs/printing.md §4).

Hypotrochoid (SPIRO): x = (R−r)cos t + d·cos((R−r)t/r), y = (R−r)sin t − d·sin((R−r)t/r); for integer
R, r it closes at t = 2πr/gcd(R, r).  A rosette is several copies rotated in small phase steps.  The
border is a band of phase-shifted sine families (an unrolled epitrochoid) along each page edge, with
a rosette on each corner where the sides meet.  Lines are drawn on the device grid, the profile's
``guilloche_line_dots`` wide (≥0.08 mm), and the band repeats every ``guilloche_period_mm``.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import ImageDraw

from printer.profiles import PrinterProfile

__all__ = ["border", "hypotrochoid", "rosette"]

Point = tuple[float, float]


def hypotrochoid(big_r: int, small_r: int, d: float, samples_per_turn: int = 180) -> list[Point]:
    """Points of a closed hypotrochoid in curve units (centre at the origin)."""
    end = 2 * math.pi * small_r / math.gcd(big_r, small_r)
    n = max(16, int(samples_per_turn * end / (2 * math.pi)))
    t = np.linspace(0.0, end, n + 1)
    k = (big_r - small_r) / small_r
    x = (big_r - small_r) * np.cos(t) + d * np.cos(k * t)
    y = (big_r - small_r) * np.sin(t) - d * np.sin(k * t)
    return list(zip(x.tolist(), y.tolist(), strict=True))


def rosette(
    draw: ImageDraw.ImageDraw,
    cx: float,
    cy: float,
    radius: float,
    width: int,
    *,
    copies: int = 5,
    big_r: int = 13,
    small_r: int = 5,
    d: float = 4.0,
) -> None:
    """Draw a rosette of ``copies`` rotated hypotrochoids, centre, radius and line width in device dots."""
    pts = hypotrochoid(big_r, small_r, d)
    scale = radius / (big_r - small_r + d)
    for i in range(copies):
        a = i * 2 * math.pi / (big_r * copies)
        ca, sa = math.cos(a), math.sin(a)
        poly = [(cx + scale * (x * ca - y * sa), cy + scale * (x * sa + y * ca)) for x, y in pts]
        draw.line(poly, fill=0, width=width)


def _side(length: float, amp: float, wavelength: float, families: int) -> list[list[Point]]:
    """Curves (in band coordinates: u along the side, v across it) for one side of the band."""
    periods = max(1, round(length / wavelength))
    u = np.linspace(0.0, length, periods * 48 + 1)
    curves = []
    for f in range(families):
        phase = f * math.pi / families
        v1 = amp * np.sin(2 * math.pi * periods * u / length + phase)
        v2 = 0.45 * amp * np.sin(2 * math.pi * 2 * periods * u / length - phase)
        for v in (v1 + v2, -(v1 + v2)):
            curves.append(list(zip(u.tolist(), v.tolist(), strict=True)))
    return curves


def border(
    draw: ImageDraw.ImageDraw, rect: tuple[float, float, float, float], band: float, profile: PrinterProfile
) -> None:
    """A guilloche band of width ``band`` centred on the rectangle ``rect`` = (x0, y0, x1, y1), in dots."""
    x0, y0, x1, y1 = rect
    sec = profile.security
    amp, wave, width = band * 0.3, profile.mm_to_dots(sec.guilloche_period_mm), sec.guilloche_line_dots
    sides = (
        ((x0, y0), (1.0, 0.0), x1 - x0),
        ((x1, y0), (0.0, 1.0), y1 - y0),
        ((x1, y1), (-1.0, 0.0), x1 - x0),
        ((x0, y1), (0.0, -1.0), y1 - y0),
    )
    for (ox, oy), (dx, dy), length in sides:
        for curve in _side(length, amp, wave, 3):
            # (u, v) → page: u along the side's direction, v along its left normal (−dy, dx).
            draw.line([(ox + u * dx - v * dy, oy + u * dy + v * dx) for u, v in curve], fill=0, width=width)
    for cx, cy in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        draw.ellipse((cx - band * 0.9, cy - band * 0.9, cx + band * 0.9, cy + band * 0.9), fill=1)
        rosette(draw, cx, cy, band * 0.85, width, copies=3, big_r=8, small_r=3, d=2.0)
