"""Sans-IO ESC/POS: typed commands, an encoder, a robust parser and the status model.

Import from the submodules: :mod:`.commands`, :mod:`.encoder`, :mod:`.parser`, :mod:`.status`,
:mod:`.errors`.  Nothing in this package does I/O.
"""

from __future__ import annotations

from printer.escpos.errors import EscPosError, RasterError, StatusByteError, UnencodableTextError
from printer.escpos.parser import Framer, Parser, parse
from printer.escpos.status import Fault, InboundDecoder, InvalidStatus, PrinterStatus, decode_realtime

__all__ = [
    "EscPosError",
    "Fault",
    "Framer",
    "InboundDecoder",
    "InvalidStatus",
    "Parser",
    "PrinterStatus",
    "RasterError",
    "StatusByteError",
    "UnencodableTextError",
    "decode_realtime",
    "parse",
]
