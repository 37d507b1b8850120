"""The municipality's synthetic 公印 as a PNG: a black square seal (docs/certificates.md §7: black, ≤25 mm).

Characters are set in columns read top-to-bottom, right-to-left, as on a real 職印; the font is IPAex
明朝.  Deterministic: the same text gives the same PNG bytes.
"""

from __future__ import annotations

import base64
import io
import math

from PIL import Image, ImageDraw, ImageFont

from assets.fonts import IPAEX_MINCHO
from server_stub.errors import ConfigError

__all__ = ["FONT", "official_seal_png", "official_seal_png_b64"]

FONT = IPAEX_MINCHO


def official_seal_png(text: str, size: int = 240) -> bytes:
    """Render ``text`` (e.g. 「見本市長之印」) as a square black seal of ``size`` pixels.

    :raises ConfigError: when the IPAex font is not installed.
    """
    rows = 3 if len(text) > 4 else 2
    cols = math.ceil(len(text) / rows)
    border = size // 16
    inner = size - 4 * border
    cell_w, cell_h = inner / cols, inner / rows
    try:
        font = ImageFont.truetype(str(FONT), int(min(cell_w, cell_h) * 0.92))
    except OSError as exc:
        raise ConfigError("IPAex フォントがありません / IPAex font missing (apt fonts-ipaexfont)") from exc
    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle([border, border, size - border - 1, size - border - 1], outline=0, width=border)
    for i, ch in enumerate(text):
        col, row = divmod(i, rows)
        cx = 2 * border + inner - (col + 0.5) * cell_w
        cy = 2 * border + (row + 0.5) * cell_h
        draw.text((cx, cy), ch, fill=0, font=font, anchor="mm")
    buf = io.BytesIO()
    img.convert("1", dither=Image.Dither.NONE).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def official_seal_png_b64(text: str) -> str:
    return base64.b64encode(official_seal_png(text)).decode("ascii")
