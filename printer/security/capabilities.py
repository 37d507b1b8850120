"""What each printer profile can carry (docs/printing-layout.md, "Capabilities per profile").

The numbers follow from the dot size alone; whether the 地紋 really is copy-evident at a resolution
is measured by ``printer.copytest`` and reported next to this table in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from printer.profiles import PrinterProfile
from printer.security.microtext import GLYPH_H

__all__ = ["Capabilities", "capabilities"]


@dataclass(frozen=True)
class Capabilities:
    profile: str
    dpi: int
    dot_mm: float
    certificates: bool  # A4 certificates (False on a receipt roll)
    ground_pitch_dots: int
    ground_cluster_dots: int
    ground_coverage: float
    single_dot_um: float
    microtext: bool
    microtext_height_mm: float
    qr_module_dots: int
    qr_module_mm: float
    guilloche_line_mm: float
    output: str  # "raster" (ESC/POS) or "pdf+raster"
    limits: tuple[str, ...]


def capabilities(profile: PrinterProfile) -> Capabilities:
    """The security-printing capabilities of ``profile`` and what its resolution cannot carry."""
    dot = 25.4 / profile.dpi
    sec = profile.security
    g = sec.ground
    limits: list[str] = []
    if profile.paper != "a4":
        limits.append("receipt roll: no certificates (A4 only); the pattern can still be test-printed")
    if not sec.microtext:
        limits.append(
            f"no microtext: a legible 5x7-dot glyph is {GLYPH_H * dot:.2f} mm tall here, "
            "above the 0.3 mm microtext limit (needs >= 593 dpi)"
        )
    if dot > 0.1:
        limits.append(
            f"single dots are {dot * 1000:.0f} um, as large as a 600-dpi copier resolves: "
            "the 地紋 background survives copying, so 「複写」 shows weakly or not at all"
        )
    if profile.kind == "escpos":
        limits.append("thermal head: dot gain varies with head temperature and paper; tune on real sheets")
    return Capabilities(
        profile=profile.name,
        dpi=profile.dpi,
        dot_mm=dot,
        certificates=profile.paper == "a4",
        ground_pitch_dots=g.pitch,
        ground_cluster_dots=g.cluster,
        ground_coverage=g.coverage,
        single_dot_um=dot * 1000,
        microtext=sec.microtext,
        microtext_height_mm=GLYPH_H * dot,
        qr_module_dots=sec.qr_module_dots,
        qr_module_mm=sec.qr_module_dots * dot,
        guilloche_line_mm=sec.guilloche_line_dots * dot,
        output="pdf+raster" if profile.kind == "page" else "raster",
        limits=tuple(limits),
    )
