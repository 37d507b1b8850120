"""An ESC/POS printer emulator on a pty or TCP: renders pages, answers status, injects faults.

See docs/printing-driver.md.  In-process use::

    with Emulator(out_dir, "receipt-80-203") as emu:
        host, port = emu.serve_tcp()
        emu.inject(after_bands=2, paper_end=True)
"""

from __future__ import annotations

from printer.emulator.model import FAULT_FLAGS, Injection, PageRecord, PrinterModel
from printer.emulator.server import Emulator

__all__ = ["FAULT_FLAGS", "Emulator", "Injection", "PageRecord", "PrinterModel"]
