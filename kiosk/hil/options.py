"""How a HIL run is set up: its options and the fixed parts of the machine it runs on.

Its own module so that ``kiosk.hil.run`` (which starts the parts) and ``kiosk.hil.setup`` (which writes
each kiosk's config) both import it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.hil.services import REPO

__all__ = ["DEFAULT_DATA", "VPCD_PORTS", "RunOptions"]

DEFAULT_DATA = REPO / "var" / "hil" / "center"
# Debian's vpcd reader.conf gives two readers: "Virtual PCD 00 00" on 35963 and "00 01" on 35964,
# enough for the two kiosks of a two-kiosk scenario.
VPCD_PORTS = (35963, 35964)


class RunOptions:
    """How to run: where the center data lives, which printer link and at what rate, which printer.

    Certificates print on ``a4-thermal-300`` by default: 203 dpi cannot carry a copy-evident 地紋
    (docs/printing-layout.md), so it is no profile to demonstrate certificates on.
    """

    def __init__(self, data: Path = DEFAULT_DATA, link: str = "pty", baud: int | None = None,
                 timeout: float = 120.0, profile: str = "a4-thermal-300") -> None:
        self.data, self.link, self.baud, self.timeout = data, link, baud, timeout
        self.profile = profile
