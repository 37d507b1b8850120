"""Symbols a receipt printer draws itself: GS ( k QR codes and GS k one-dimensional barcodes (sans-IO).

Barcodes are built from the symbologies' published element tables (UPC/EAN, Code 39, ITF, Codabar,
Code 128) as module runs, then drawn with the GS w module width and GS h height.  Wide elements of
the two-width symbologies (Code 39, ITF, Codabar) follow Epson's GS w table (2→5, 3→8, 4→10, 5→13,
6→15 dots).  QR codes are drawn by the ``qrcode`` library from the stored bytes, model 2, with the
module size and error correction the host set.  Anything a real printer would refuse raises
:class:`SymbolError`, which the emulator records as a skipped command.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import qrcode
import qrcode.constants

__all__ = ["BarcodeSettings", "QrSettings", "SymbolError", "barcode_bits", "barcode_modules", "qr_bits"]

Bits = npt.NDArray[np.bool_]


class SymbolError(ValueError):
    """Data a printer would not print as the requested symbol (the reason is logged as a skip)."""


class QrSettings:
    """GS ( k cn=49 state: model (fn 65), module size (fn 67), error correction (fn 69), data (fn 80)."""

    def __init__(self) -> None:
        self.model = 50  # 49 model 1, 50 model 2, 51 micro QR
        self.module = 3
        self.ec = 48  # 48 L, 49 M, 50 Q, 51 H
        self.data = b""


class BarcodeSettings:
    """GS h (height), GS w (module width), GS H (HRI position), GS f (HRI font)."""

    def __init__(self) -> None:
        self.height = 162
        self.module = 3
        self.hri = 0
        self.hri_font = 0


_QR_EC = {
    48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H,
}


def qr_bits(qr: QrSettings) -> Bits:
    """The stored QR symbol, ``module`` dots per module, without quiet zone (the paper gives it).

    :raises SymbolError: no data stored, a model other than 2, or data too long for a symbol.
    """
    if not qr.data:
        raise SymbolError("QR print without stored data")
    if qr.model != 50:
        raise SymbolError(f"QR model {qr.model - 48} is not emulated (model 2 only)")
    code = qrcode.QRCode(error_correction=_QR_EC.get(qr.ec, _QR_EC[48]), box_size=1, border=0)
    code.add_data(qr.data)
    try:
        code.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError) as e:
        raise SymbolError(f"QR data does not fit a symbol: {e}") from e
    matrix = np.array(code.get_matrix(), dtype=bool)
    size = max(1, qr.module)
    return np.repeat(np.repeat(matrix, size, axis=0), size, axis=1)


# --- UPC / EAN --------------------------------------------------------------------------------

_EAN_L = ("0001101", "0011001", "0010011", "0111101", "0100011",
          "0110001", "0101111", "0111011", "0110111", "0001011")
_EAN_R = tuple("".join("1" if b == "0" else "0" for b in code) for code in _EAN_L)
_EAN_G = tuple(code[::-1] for code in _EAN_R)
_EAN13_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                 "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


def _check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of the digits before it (weights 3,1,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _gtin(data: str, length: int) -> str:
    if not data.isdigit() or len(data) not in (length - 1, length):
        raise SymbolError(f"needs {length - 1} or {length} digits, got {data!r}")
    if len(data) == length - 1:
        return data + _check_digit(data)
    if data[-1] != _check_digit(data[:-1]):
        raise SymbolError(f"check digit of {data!r} is wrong")
    return data


def _ean(digits: str, parity: str) -> str:
    half = len(digits) // 2
    pairs = zip(digits[:half], parity, strict=True)
    left = "".join((_EAN_L if p == "L" else _EAN_G)[int(d)] for d, p in pairs)
    right = "".join(_EAN_R[int(d)] for d in digits[half:])
    return "101" + left + "01010" + right + "101"


def _upca(data: str) -> str:
    return _ean(_gtin(data, 12), "L" * 6)


def _ean13(data: str) -> str:
    digits = _gtin(data, 13)
    return _ean(digits[1:], _EAN13_PARITY[int(digits[0])])


def _ean8(data: str) -> str:
    return _ean(_gtin(data, 8), "L" * 4)


# --- two-width symbologies: element strings, 'N'/'W' bar, 'n'/'w' space ------------------------

_CODE39_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%*"
# 9 elements, bar first; a set bit (MSB = first element) is a wide element.
_CODE39_WIDE = (
    0x034, 0x121, 0x061, 0x160, 0x031, 0x130, 0x070, 0x025, 0x124, 0x064,
    0x109, 0x049, 0x148, 0x019, 0x118, 0x058, 0x00D, 0x10C, 0x04C, 0x01C,
    0x103, 0x043, 0x142, 0x013, 0x112, 0x052, 0x007, 0x106, 0x046, 0x016,
    0x181, 0x0C1, 0x1C0, 0x091, 0x190, 0x0D0, 0x085, 0x184, 0x0C4, 0x0A8,
    0x0A2, 0x08A, 0x02A, 0x094,
)
_CODABAR_CHARS = "0123456789-$:/.+ABCD"
_CODABAR_WIDE = (
    0x003, 0x006, 0x009, 0x060, 0x012, 0x042, 0x021, 0x024, 0x030, 0x048,
    0x00C, 0x018, 0x045, 0x051, 0x054, 0x015, 0x01A, 0x029, 0x00B, 0x00E,
)
_ITF_WIDE = ("00110", "10001", "01001", "11000", "00101", "10100", "01100", "00011", "10010", "01010")


def _elements(mask: int, count: int) -> str:
    out = []
    for i in range(count):
        wide = mask >> (count - 1 - i) & 1
        bar = i % 2 == 0
        out.append(("W" if wide else "N") if bar else ("w" if wide else "n"))
    return "".join(out)


def _code39(data: str) -> str:
    body = data.strip("*") if data.startswith("*") and data.endswith("*") and len(data) > 1 else data
    if not body or any(ch not in _CODE39_CHARS[:-1] for ch in body):
        raise SymbolError(f"Code 39 cannot carry {data!r}")
    chars = "*" + body + "*"
    return "n".join(_elements(_CODE39_WIDE[_CODE39_CHARS.index(ch)], 9) for ch in chars)


def _codabar(data: str) -> str:
    if data[:1] in ("a", "b", "c", "d") and data[-1:] in ("a", "b", "c", "d"):
        data = data[0].upper() + data[1:-1] + data[-1].upper()  # Epson takes a-d as start/stop too
    if len(data) < 2 or data[0] not in "ABCD" or data[-1] not in "ABCD" or any(
        ch not in _CODABAR_CHARS for ch in data
    ):
        raise SymbolError(f"Codabar needs start/stop A-D around 0-9 - $ : / . +, got {data!r}")
    return "n".join(_elements(_CODABAR_WIDE[_CODABAR_CHARS.index(ch)], 7) for ch in data)


def _itf(data: str) -> str:
    if not data.isdigit() or len(data) % 2:
        raise SymbolError(f"ITF needs an even number of digits, got {data!r}")
    out = ["NnNn"]
    for a, b in zip(data[::2], data[1::2], strict=True):
        for bar, space in zip(_ITF_WIDE[int(a)], _ITF_WIDE[int(b)], strict=True):
            out.append(("W" if bar == "1" else "N") + ("w" if space == "1" else "n"))
    out.append("WnN")
    return "".join(out)


# --- Code 128 ---------------------------------------------------------------------------------

_C128 = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
_C128_START = {"A": 103, "B": 104, "C": 105}
_C128_SWITCH = {"A": 101, "B": 100, "C": 99}  # code value that switches *to* the set
_C128_FNC = {"1": 102, "2": 97, "3": 96}


def _c128_value(ch: int, cset: str) -> int:
    if cset == "A":
        if ch < 0x20:
            return ch + 64
        if ch < 0x60:
            return ch - 32
    elif cset == "B" and 0x20 <= ch < 0x80:
        return ch - 32
    raise SymbolError(f"byte {ch:#04x} is not in Code 128 set {cset}")


def _code128_values(data: bytes) -> list[int]:
    """Code values of ESC/POS CODE128 data.

    ``{A``/``{B``/``{C`` pick the code set, ``{S`` shifts, ``{1``..``{3`` are FNC1..3, ``{{`` is ``{``.
    """
    if len(data) < 2 or data[0] != 0x7B or chr(data[1]) not in _C128_START:
        raise SymbolError("CODE128 data must start with {A, {B or {C")
    cset = chr(data[1])
    values = [_C128_START[cset]]
    i = 2
    while i < len(data):
        b = data[i]
        if b == 0x7B and i + 1 < len(data) and data[i + 1] != 0x7B:
            code = chr(data[i + 1])
            if code in _C128_SWITCH:
                values.append(_C128_SWITCH[code])
                cset = code
            elif code in _C128_FNC:
                values.append(_C128_FNC[code])
            elif code == "S" and cset in "AB" and i + 2 < len(data):
                values += [98, _c128_value(data[i + 2], "B" if cset == "A" else "A")]
                i += 1
            else:
                raise SymbolError(f"unknown CODE128 escape {{{code}")
            i += 2
            continue
        if b == 0x7B:
            i += 1  # "{{" is a literal "{"
        if cset == "C":
            pair = data[i : i + 2]
            if len(pair) != 2 or not pair.isdigit():
                raise SymbolError("CODE128 set C needs digit pairs")
            values.append(int(pair))
            i += 2
            continue
        values.append(_c128_value(data[i], cset))
        i += 1
    if len(values) < 2:
        raise SymbolError("CODE128 without data")
    values.append((values[0] + sum(i * v for i, v in enumerate(values[1:], 1))) % 103)
    return values


def _code128(data: bytes) -> str:
    out = []
    for v in [*_code128_values(data), 106]:
        for k, w in enumerate(_C128[v]):
            out.append(("N" if k % 2 == 0 else "n") * int(w))
    return "".join(out)


# --- drawing ----------------------------------------------------------------------------------

_ASCII_TYPES = {0: "UPC-A", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR"}
_TYPE_B = {65: "UPC-A", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR", 73: "CODE128"}
#: Epson GS w: narrow module n dots, wide element as in this table.
_WIDE = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15}


def barcode_modules(m: int, data: bytes) -> tuple[str, str, str]:
    """(symbology name, element string, human-readable text) for GS k type ``m``.

    Element strings use ``1``/``0`` for one-module bars and spaces (UPC/EAN) or ``N W n w`` for
    narrow/wide bars and spaces (two-width symbologies; Code 128 uses ``N``/``n`` per module).

    :raises SymbolError: an unsupported type or data the symbology cannot carry.
    """
    name = _ASCII_TYPES.get(m) or _TYPE_B.get(m)
    if name is None:
        raise SymbolError(f"GS k type {m} is not emulated")
    if name == "CODE128":
        # The code-set escapes are not printed; "{{" is a literal "{".
        hri = re.sub(rb"\{[ABCS123]", b"", data).replace(b"{{", b"{").decode("ascii", errors="replace")
        return name, _code128(data), hri
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise SymbolError(f"{name} data is not ASCII") from e
    gtin = {"UPC-A": 12, "EAN13": 13, "EAN8": 8}.get(name)
    if gtin is not None:
        digits = _gtin(text, gtin)  # the HRI shows the check digit the printer added
        return name, {"UPC-A": _upca, "EAN13": _ean13, "EAN8": _ean8}[name](digits), digits
    build = {"CODE39": _code39, "ITF": _itf, "CODABAR": _codabar}[name]
    return name, build(text), text


def barcode_bits(m: int, data: bytes, settings: BarcodeSettings) -> tuple[str, Bits, str]:
    """(symbology name, bars drawn ``settings.height`` dots tall with GS w widths, HRI text)."""
    name, elements, hri = barcode_modules(m, data)
    narrow = max(1, min(6, settings.module))
    wide = _WIDE[narrow]
    widths: list[tuple[bool, int]] = []
    for e in elements:
        if e in "01":
            widths.append((e == "1", narrow))
        else:
            widths.append((e in "NW", wide if e in "Ww" else narrow))
    row = np.concatenate([np.full(w, ink, dtype=bool) for ink, w in widths])
    return name, np.repeat(row[None, :], max(1, settings.height), axis=0), hri
