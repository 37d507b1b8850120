"""Print modes, graphics functions, 2D codes and barcodes on the emulated print head (sans-IO).

:class:`Interpreter` executes the commands that change how things print (ESC ! / E / - / M, GS B,
GS h / w / H / f), the GS ( L and GS 8 L graphics functions, GS ( k QR codes and GS k barcodes, and
records every command it does not emulate as *skipped*, with its bytes in hex and the reason, so
that the page's JSON accounts for every byte the host sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from printer.emulator.render import Bits, PageRenderer, TextState, render_run
from printer.emulator.symbols import BarcodeSettings, QrSettings, SymbolError, barcode_bits, qr_bits
from printer.escpos import commands as c

__all__ = ["SKIP_HEX_MAX", "Interpreter", "skip_entry"]

log = logging.getLogger(__name__)
#: bytes of a skipped command kept in hex in the page JSON (the full length is kept too)
SKIP_HEX_MAX = 64
#: Epson's GS ( L fn 48 / 51 / 52 capacity replies: NV and download graphics memory (bytes).
NV_CAPACITY = 262144


def skip_entry(data: bytes, cmd: str, reason: str) -> dict[str, Any]:
    """A skipped command for the page JSON."""
    out: dict[str, Any] = {"cmd": cmd, "reason": reason, "len": len(data), "hex": data[:SKIP_HEX_MAX].hex()}
    if len(data) > SKIP_HEX_MAX:
        out["hex_truncated"] = True
    return out


@dataclass
class Interpreter:
    renderer: PageRenderer
    reply: Callable[[bytes], None]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    qr: QrSettings = field(default_factory=QrSettings)
    barcode: BarcodeSettings = field(default_factory=BarcodeSettings)
    graphics: tuple[int, int, bytes] | None = None  # (width dots, height, scaled bits packed) of fn 112
    #: every skip, also those merged into a run (the emulator's ``skipped`` counter)
    skip_count: int = 0
    #: the previous command was a skipped unknown byte: a following one extends the same entry
    last_unknown: bool = False

    def reset(self) -> None:
        """ESC @: modes back to their defaults (the stored graphics and QR data are kept, as Epson)."""
        self.barcode = BarcodeSettings()
        qr_data = self.qr.data
        self.qr = QrSettings()
        self.qr.data = qr_data

    def skip(self, cmd: c.Command, reason: str) -> None:
        self.skip_count += 1
        data = cmd.encode()
        last = self.skipped[-1] if self.skipped else None
        if isinstance(cmd, c.Unknown) and self.last_unknown and last is not None and last["cmd"] == "Unknown":
            # A run of garbage is one entry (its length and first bytes), not one entry per byte.
            last["len"] += len(data)
            if len(last["hex"]) < 2 * SKIP_HEX_MAX:
                last["hex"] += data.hex()
            else:
                last["hex_truncated"] = True
            return
        entry = skip_entry(data, type(cmd).__name__, reason)
        self.skipped.append(entry)
        log.info("skipped %s: %s (%s)", entry["cmd"], entry["hex"], reason)

    # --- dispatch ---------------------------------------------------------------------------

    def execute(self, cmd: c.Command) -> bool:
        """Run ``cmd`` if it is one of ours; return False when the caller should handle it."""
        unknown, self.last_unknown = self.last_unknown, False
        if isinstance(cmd, c.Unknown):
            self.last_unknown = unknown
            self.skip(cmd, "byte starts no known command")
            self.last_unknown = True
        elif isinstance(cmd, c.FixedCommand):
            self._fixed(cmd)
        elif isinstance(cmd, c.Graphics):
            self._graphics(cmd)
        elif isinstance(cmd, c.LengthPrefixed):
            if cmd.letter == 0x6B:
                self._two_d(cmd)
            else:
                self.skip(cmd, f"GS ( {chr(cmd.letter)} is not emulated")
        elif isinstance(cmd, c.Barcode):
            self._barcode(cmd)
        elif isinstance(cmd, c.Invalid):
            self.skip(cmd, cmd.reason)
        else:
            return False
        return True

    def _fixed(self, cmd: c.FixedCommand) -> None:
        st, key = self.renderer.state, cmd.prefix
        n = cmd.params[0] if cmd.params else 0
        if key == b"\x1b!":
            # ESC ! n: bit 0 font B, 3 emphasis, 4 double height, 5 double width, 7 underline.
            st.font, st.bold = n & 1, bool(n & 0x08)
            st.size_h, st.size_w = (2 if n & 0x10 else 1), (2 if n & 0x20 else 1)
            st.underline = 1 if n & 0x80 else 0
        elif key in (b"\x1bE", b"\x1bG"):
            st.bold = bool(n & 1)  # a thermal head prints double-strike as emphasis
        elif key == b"\x1b-":
            st.underline = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(n, st.underline)
        elif key == b"\x1bM":
            st.font = {0: 0, 1: 1, 48: 0, 49: 1}.get(n, st.font)
        elif key == b"\x1dB":
            st.reverse = bool(n & 1)
        elif key == b"\x1dh":
            self.barcode.height = max(1, n)
        elif key == b"\x1dw":
            if 1 <= n <= 6:
                self.barcode.module = n
            else:
                self.skip(cmd, f"GS w {n} outside 1..6")
        elif key == b"\x1dH":
            self.barcode.hri = n % 48 if n % 48 <= 3 else 0
        elif key == b"\x1df":
            self.barcode.hri_font = n % 48 if n % 48 <= 1 else 0
        elif key in (b"\x1b{", b"\x1db") and not n & 1:
            pass  # upside-down off / smoothing off: the emulated head prints exactly that
        elif key == b"\x0d":
            pass  # CR: ignored, as with auto line feed disabled (Epson's default)
        elif key == b"\x09":
            self._tab(st)
        elif key in (b"\x1dL", b"\x1dW"):
            dots = int.from_bytes(cmd.params, "little")  # in horizontal motion units: one dot here
            if key == b"\x1dL":
                self.renderer.set_print_area(left=dots)
            else:
                self.renderer.set_print_area(width=dots)
        else:
            self.skip(cmd, "not emulated")

    def _tab(self, st: TextState) -> None:
        """HT: blank up to the next default tab stop (every 8 one-byte characters of font A)."""
        self.renderer.tab(8 * 12 * st.size_w)

    # --- graphics ---------------------------------------------------------------------------

    def _graphics(self, cmd: c.Graphics) -> None:
        if cmd.fn in (48, 51, 52):
            # Transmit NV / remaining NV / remaining download capacity: header 37h, id, digits, NUL.
            ident = {48: 0x30, 51: 0x31, 52: 0x32}[cmd.fn]
            self.reply(bytes([0x37, ident]) + str(NV_CAPACITY).encode() + b"\x00")
        elif cmd.fn == 49:
            if len(cmd.body) != 2 or any(v not in (50, 51) for v in cmd.body):
                self.skip(cmd, "GS ( L fn 49 needs x, y in 50..51")
            # The reference density only scales later NV graphics, which are not emulated.
        elif cmd.fn == 112:
            self._store(cmd)
        elif cmd.fn == 50:
            if self.graphics is None:
                self.skip(cmd, "GS ( L fn 50 with no graphics stored")
                return
            width, height, data = self.graphics
            bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(height, -1), axis=1)
            self.renderer.image(bits[:, :width].astype(bool))
            self.graphics = None
        else:
            self.skip(cmd, f"GS ( L function {cmd.fn} is not emulated")

    def _store(self, cmd: c.Graphics) -> None:
        """fn 112: ``a bx by c xL xH yL yH d…``, monochrome (a=48), colour 1 (c=49)."""
        body = cmd.body
        if len(body) < 8:
            self.skip(cmd, "GS ( L fn 112 shorter than its header")
            return
        a, bx, by, colour = body[0], body[1], body[2], body[3]
        width, height = int.from_bytes(body[4:6], "little"), int.from_bytes(body[6:8], "little")
        width_bytes = (width + 7) // 8
        data = body[8:]
        if a != 48 or bx not in (1, 2) or by not in (1, 2) or colour not in (49, 50, 51, 52):
            self.skip(cmd, f"GS ( L fn 112 a={a} bx={bx} by={by} c={colour} not monochrome raster")
            return
        if not width or not height or len(data) != width_bytes * height:
            self.skip(cmd, f"GS ( L fn 112 carries {len(data)} bytes for {width}x{height} dots")
            return
        if colour != 49:
            self.skip(cmd, f"GS ( L fn 112 colour {colour - 48} on a one-colour head")
            return
        packed = np.frombuffer(data, dtype=np.uint8).reshape(height, width_bytes)
        bits = np.unpackbits(packed, axis=1)[:, :width]
        bits = np.repeat(np.repeat(bits, by, axis=0), bx, axis=1)
        self.graphics = (bits.shape[1], bits.shape[0], np.packbits(bits, axis=1).tobytes())

    # --- GS ( k: QR -------------------------------------------------------------------------

    def _two_d(self, cmd: c.LengthPrefixed) -> None:
        body = cmd.body
        if len(body) < 2 or body[0] != 49:
            self.skip(cmd, "GS ( k symbol other than QR (cn=49) is not emulated")
            return
        fn, params = body[1], body[2:]
        qr = self.qr
        if fn == 65 and len(params) == 2 and params[0] in (49, 50, 51):
            qr.model = params[0]
        elif fn == 67 and len(params) == 1 and 1 <= params[0] <= 16:
            qr.module = params[0]
        elif fn == 69 and len(params) == 1 and 48 <= params[0] <= 51:
            qr.ec = params[0]
        elif fn == 80 and params[:1] == b"0":
            qr.data = bytes(params[1:])
        elif fn == 81 and params == b"0":
            try:
                self.renderer.image(qr_bits(qr))
            except SymbolError as e:
                self.skip(cmd, str(e))
        else:
            self.skip(cmd, f"GS ( k QR function {fn} with {params.hex()} is not emulated")

    # --- GS k -------------------------------------------------------------------------------

    def _barcode(self, cmd: c.Barcode) -> None:
        try:
            _, bars, hri_text = barcode_bits(cmd.m, cmd.data, self.barcode)
        except SymbolError as e:
            self.skip(cmd, str(e))
            return
        if bars.shape[1] > self.renderer.width:
            self.skip(cmd, f"barcode {bars.shape[1]} dots wide exceeds the {self.renderer.width}-dot line")
            return
        parts = [bars]
        if self.barcode.hri:
            hri = self._hri(hri_text, bars.shape[1])
            if self.barcode.hri in (1, 3):
                parts.insert(0, hri)
            if self.barcode.hri in (2, 3):
                parts.append(hri)
        self.renderer.image(np.vstack(parts))
        if self.barcode.hri:
            self.renderer.lines.append(hri_text)  # printed characters belong in the page's text

    def _hri(self, text_str: str, width: int) -> Bits:
        """Human-readable characters centred under (or over) the bars, in the GS f font."""
        state = TextState(font=self.barcode.hri_font)
        text = render_run([(ch, 1) for ch in text_str], state)
        row = np.zeros((text.shape[0] + 2, max(width, text.shape[1])), dtype=bool)
        x = (row.shape[1] - text.shape[1]) // 2
        row[1 : 1 + text.shape[0], x : x + text.shape[1]] = text
        return row[:, :width] if row.shape[1] > width else row
