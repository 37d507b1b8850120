"""Errors of talking to a printer: the link itself, and the faults a printer reports.

Two families under :class:`printer.errors.PrinterError`:

* :class:`TransportError` — a transport (serial, TCP, file, lp) could not connect, write or read.
* :class:`PrintJobError` — a print job stopped; carries ``pages_completed`` (pages the printer
  confirmed cut) and the last known status, so the kiosk can report ``failed`` with the page count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from printer.errors import PrinterError

if TYPE_CHECKING:
    from printer.escpos.status import PrinterStatus

__all__ = [
    "CoverOpenError",
    "CutterError",
    "MediaJamError",
    "PaperEndError",
    "PrintCancelledError",
    "PrintJobError",
    "PrintUnconfirmedError",
    "PrinterHardwareError",
    "PrinterLinkError",
    "PrinterOfflineError",
    "PrinterTimeoutError",
    "StatusProtocolError",
    "SupplyEmptyError",
    "TransportClosedError",
    "TransportConnectError",
    "TransportError",
    "TransportTimeoutError",
]


class TransportError(PrinterError):
    """A transport failed (wraps the OS or library error)."""

    code = "printer_transport_error"


class TransportConnectError(TransportError):
    """The printer's port or address could not be opened."""

    code = "printer_transport_connect"


class TransportClosedError(TransportError):
    """The other side closed the link."""

    code = "printer_transport_closed"


class TransportTimeoutError(TransportError):
    """A write could not be completed in time (the printer stopped accepting data)."""

    code = "printer_transport_timeout"


class PrintJobError(PrinterError):
    """A print job did not complete.  ``pages_completed`` pages were printed and cut before it stopped."""

    code = "print_job_failed"

    def __init__(
        self, message: str, *, pages_completed: int = 0, status: PrinterStatus | None = None
    ) -> None:
        super().__init__(message)
        self.pages_completed = pages_completed
        self.status = status

    def __str__(self) -> str:
        return f"{self.args[0]} (pages completed: {self.pages_completed})"


class PaperEndError(PrintJobError):
    code = "printer_paper_end"


class CoverOpenError(PrintJobError):
    code = "printer_cover_open"


class CutterError(PrintJobError):
    code = "printer_cutter_error"


class PrinterHardwareError(PrintJobError):
    """Unrecoverable or auto-recoverable error reported by DLE EOT 3."""

    code = "printer_hardware_error"


class MediaJamError(PrinterHardwareError):
    """A page printer reports paper jammed in its path (IPP ``media-jam``)."""

    code = "printer_media_jam"


class SupplyEmptyError(PrinterHardwareError):
    """A page printer is out of toner or ink (IPP ``marker-supply-empty``, ``toner-empty``)."""

    code = "printer_supply_empty"


class PrinterOfflineError(PrintJobError):
    """Offline without a more specific cause."""

    code = "printer_offline"


class PrinterTimeoutError(PrintJobError):
    """The printer stopped answering (no status reply, no progress, or writes stalled)."""

    code = "printer_timeout"


class StatusProtocolError(PrintJobError):
    """The printer sent bytes that are not a valid reply (garbage on the link)."""

    code = "printer_status_garbage"


class PrintCancelledError(PrintJobError):
    """The caller cancelled the job (its transaction ended); the printer was told to drop the rest."""

    code = "print_cancelled"


class PrintUnconfirmedError(PrintJobError):
    """The printer ended the job but never reported every page as printed (no impressions count)."""

    code = "printer_unconfirmed"


class PrinterLinkError(PrintJobError):
    """The link to the printer broke (closed, could not be opened)."""

    code = "printer_link_failed"
