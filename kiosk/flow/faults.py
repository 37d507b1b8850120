"""The one vocabulary of device faults: what a card, printer, cash device, the journal or the center's
reachability can report to the flow.

A device adapter raises ``kiosk.devices.DeviceError`` carrying a ``Fault``; the runtime's executor
turns it into a flow event carrying the same ``Fault``; the flow decides on it (``kiosk.flow.codes``
names the message and whether the kiosk goes out of service).  No string is translated on the way,
so a fault cannot be misspelt between two layers (docs/kiosk-flow.md, "Paper end to refund").

``Fault`` is a ``StrEnum``: its value is the stable code written to logs, the journal and the HIL
results, and it compares equal to that string.
"""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["Family", "Fault"]

Family = Literal["card", "printer", "payment", "center", "journal"]


class Fault(enum.StrEnum):
    """A device fault.  The prefix of the value names the device family (``family``)."""

    # The card and its reader (kiosk.adapters.card)
    CARD_UNREADABLE = "card_unreadable"
    CARD_REMOVED = "card_removed"
    CARD_UNSUPPORTED = "card_unsupported"
    CARD_TIMEOUT = "card_timeout"
    # A smartphone keeps its certificate behind the PIN: asked first, the token refuses (6982).
    CARD_PIN_REQUIRED = "card_pin_required"
    PIN_BLOCKED = "pin_blocked"
    READER_OFFLINE = "reader_offline"
    # The certificate and receipt printers (kiosk.adapters.printing)
    PRINTER_PAPER_END = "printer_paper_end"
    PRINTER_COVER_OPEN = "printer_cover_open"
    PRINTER_OFFLINE = "printer_offline"
    PRINTER_TIMEOUT = "printer_timeout"
    PRINTER_ERROR = "printer_error"
    PRINT_ABORTED = "print_aborted"  # stopped on the flow's request (card pulled mid-print)
    # The cash device (kiosk.payment)
    PAYMENT_JAM = "payment_jam"
    PAYMENT_OFFLINE = "payment_offline"
    PAYMENT_NO_CHANGE = "payment_no_change"
    PAYMENT_ERROR = "payment_error"
    REFUND_FAILED = "refund_failed"
    # The kiosk's own parts
    CENTER_UNREACHABLE = "center_unreachable"
    JOURNAL_ERROR = "journal_error"

    @property
    def family(self) -> Family:
        """Which device reported it (the out-of-service notice is chosen by family)."""
        return _FAMILY[self]


_FAMILY: dict[Fault, Family] = {
    **{f: "card" for f in (Fault.CARD_UNREADABLE, Fault.CARD_REMOVED, Fault.CARD_UNSUPPORTED,
                           Fault.CARD_TIMEOUT, Fault.CARD_PIN_REQUIRED, Fault.PIN_BLOCKED,
                           Fault.READER_OFFLINE)},
    **{f: "printer" for f in (Fault.PRINTER_PAPER_END, Fault.PRINTER_COVER_OPEN, Fault.PRINTER_OFFLINE,
                              Fault.PRINTER_TIMEOUT, Fault.PRINTER_ERROR, Fault.PRINT_ABORTED)},
    **{f: "payment" for f in (Fault.PAYMENT_JAM, Fault.PAYMENT_OFFLINE, Fault.PAYMENT_NO_CHANGE,
                              Fault.PAYMENT_ERROR, Fault.REFUND_FAILED)},
    Fault.CENTER_UNREACHABLE: "center",
    Fault.JOURNAL_ERROR: "journal",
}
