"""The certificate and receipt printers: ``kiosk.devices.DocumentPrinter`` / ``ReceiptPrinter`` over
``printer`` (docs/printing-driver.md, docs/printing-layout.md).

A print job opens its transport, sends, and closes it: no connection outlives the job, and a job never
outlives its transaction (``should_abort`` is ``printer.job.print_pages``'s ``cancel``, asked between
bands).  Each issued document is checked with ``printer.document.parse_issued`` and rendered with
``printer.layout.render.render_pages`` at the profile's resolution; page printers (profile kind
``page``) get one PDF through a ``PageSink``, or one IPP job per document through
``printer.transport.ipp.IppPrinter`` (two-sided with the back side when ``duplex``), which counts a
page only when the printer reports it.  Every ``PrintJobError`` becomes a ``PrinterDeviceError`` with
the flow's code and ``pages_done`` = the pages printed (and cut).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from assets.fonts import IPAEX_GOTHIC
from kiosk.adapters.receipt_text import receipt_translation
from kiosk.devices import DeviceStatus, PrinterDeviceError, ReceiptHeader
from kiosk.flow.effects import PrintReceipt
from kiosk.flow.faults import Fault
from printer.document import DocumentError, IssuedDocument, parse_issued
from printer.errors import PrinterError
from printer.escpos.status import PrinterStatus
from printer.job import JobOptions, print_pages, printer_status
from printer.layout.back import render_duplex_pdf
from printer.layout.render import render_pages, render_pdf
from printer.profiles import PrinterProfile, get_profile
from printer.receipt import ReceiptData, ReceiptError, ReceiptItem, print_receipt, sample_receipt
from printer.receipt_raster import TranslationError
from printer.transport.base import PrinterTransport
from printer.transport.errors import (
    CoverOpenError,
    PaperEndError,
    PrintCancelledError,
    PrinterLinkError,
    PrinterOfflineError,
    PrinterTimeoutError,
    PrintJobError,
    TransportError,
)
from printer.transport.ipp import IppPrinter
from printer.transport.pdf import PageSink, pages_to_pdf

__all__ = [
    "EscposDocumentPrinter",
    "EscposReceiptPrinter",
    "Opener",
    "StatusReport",
    "printer_fault",
    "receipt_data",
]

log = logging.getLogger(__name__)

Opener = Callable[[], PrinterTransport | PageSink | IppPrinter]

# The printer layer's typed errors → the flow's faults, most specific first.  A transport that cannot
# connect is an offline printer; anything not listed (cutter, garbage status) is a printer error.
_FAULTS: tuple[tuple[type[PrinterError], Fault], ...] = (
    (PrintCancelledError, Fault.PRINT_ABORTED),
    (PaperEndError, Fault.PRINTER_PAPER_END),
    (CoverOpenError, Fault.PRINTER_COVER_OPEN),
    (PrinterOfflineError, Fault.PRINTER_OFFLINE),
    (PrinterLinkError, Fault.PRINTER_OFFLINE),
    (TransportError, Fault.PRINTER_OFFLINE),
    (PrinterTimeoutError, Fault.PRINTER_TIMEOUT),
)
_DETAILS = frozenset({"paper_end", "cover_open", "offline"})  # service.detail.* keys


def printer_fault(e: PrinterError) -> Fault:
    """The flow's fault for a printer-layer error."""
    return next((fault for kind, fault in _FAULTS if isinstance(e, kind)), Fault.PRINTER_ERROR)


@dataclass(frozen=True)
class StatusReport:
    """A status query's outcome for the service menu: state and a ``service.detail.*`` key."""

    state: DeviceStatus
    detail: str | None = None
    status: PrinterStatus | None = None


def _classify(status: PrinterStatus) -> StatusReport:
    fault = status.fault
    if fault is not None:
        detail = fault.value if fault.value in _DETAILS else "printer_error"
        return StatusReport(DeviceStatus.FAULT, detail, status)
    if status.paper_near_end:
        return StatusReport(DeviceStatus.WARNING, "paper_near_end", status)
    return StatusReport(DeviceStatus.OK, None, status)


class _Printer:
    def __init__(self, profile: str | PrinterProfile, opener: Opener,
                 options: JobOptions | None = None, *, duplex: bool = False) -> None:
        self.profile = profile if isinstance(profile, PrinterProfile) else get_profile(profile)
        self._open = opener
        self._options = options
        self.duplex = duplex

    def _transport(self) -> PrinterTransport | PageSink | IppPrinter:
        try:
            return self._open()
        except PrinterError as e:
            raise PrinterDeviceError(f"printer: {e.code}", Fault.PRINTER_OFFLINE) from e

    def query(self) -> StatusReport:
        """DLE EOT 1–4, or IPP printer-state-reasons, without printing (``UNKNOWN`` when the printer
        does not answer; a PDF sink has no status channel and is ``OK``)."""
        try:
            transport = self._open()
        except PrinterError as e:
            log.warning("printer status: %s", e.code)
            return StatusReport(DeviceStatus.UNKNOWN, "offline")
        try:
            if isinstance(transport, IppPrinter):
                return _ipp_status(transport)
            if not isinstance(transport, PrinterTransport):
                return StatusReport(DeviceStatus.OK)
            link = self._options.link if self._options else None
            report = _classify(printer_status(transport, config=link))
        except PrinterError as e:
            log.warning("printer status: %s", e.code)
            report = StatusReport(DeviceStatus.UNKNOWN, "offline")
        finally:
            _close(transport)
        return report

    def status(self) -> DeviceStatus:
        return self.query().state


_IPP_DETAILS = {"media-empty": "paper_end", "media-needed": "paper_end", "cover-open": "cover_open",
                "door-open": "cover_open", "interlock-open": "cover_open", "offline": "offline"}


def _ipp_status(printer: IppPrinter) -> StatusReport:
    """printer-state-reasons as the service menu's state (the first fault names the detail)."""
    from printer.ipp.states import fault_reasons

    reasons = printer.printer_attributes(("printer-state", "printer-state-reasons")).get(
        "printer-state-reasons", [])
    faults = fault_reasons([r for r in reasons if isinstance(r, str)])
    if faults:
        return StatusReport(DeviceStatus.FAULT, _IPP_DETAILS.get(faults[0], "printer_error"))
    return StatusReport(DeviceStatus.OK)


def _close(transport: object) -> None:
    close = getattr(transport, "close", None)
    if callable(close):
        try:
            close()
        except (OSError, PrinterError) as e:
            log.warning("printer transport close: %s", type(e).__name__)


class EscposDocumentPrinter(_Printer):
    """Certificates on an A4 ESC/POS printer (or a page printer through a ``PageSink``).

    :param profile: a ``printer.profiles`` name (a4-thermal-203/300, a4-laser-600) or profile.
    :param opener: opens the transport for one job (``kiosk.wiring.transport_opener``).
    """

    def print_documents(self, documents: Sequence[Mapping[str, object]], on_page: Callable[[int, int], None],
                        should_abort: Callable[[], bool]) -> int:
        """Render and print every document; ``on_page(done, total)`` after each cut page.

        :raises PrinterDeviceError: with ``pages_done`` (``print_aborted`` when stopped on request;
            ``printer_error`` when a document from the center cannot be printed).
        """
        images: list[Image.Image] = []
        jobs: list[tuple[bytes, int, str]] = []
        try:
            for raw in documents:
                issued = parse_issued(raw)
                if self.profile.kind == "page" and self._ipp():
                    jobs.append((*_page_pdf(issued, self.profile, self.duplex), issued.document.title))
                    continue
                images += [p.image for p in render_pages(issued.document, issued.seal, self.profile)]
        except DocumentError as e:
            # The center sent something this printer cannot lay out; nothing was printed.
            log.error("issued document rejected: %s", e.code)
            raise PrinterDeviceError(f"document: {e.code}", Fault.PRINTER_ERROR, 0) from e
        except PrinterError as e:
            log.error("document layout failed: %s", e.code)
            raise PrinterDeviceError(f"layout: {e.code}", Fault.PRINTER_ERROR, 0) from e
        if should_abort():
            raise PrinterDeviceError("print aborted before the first page", Fault.PRINT_ABORTED, 0)
        transport = self._transport()
        if isinstance(transport, IppPrinter):
            return self._print_ipp(transport, jobs, on_page, should_abort)
        try:
            report = print_pages(images, self.profile, transport, on_progress=on_page,
                                 options=self._options, cancel=should_abort)
        except PrintJobError as e:
            raise PrinterDeviceError(f"print: {e.code}", printer_fault(e), e.pages_completed) from e
        except PrinterError as e:  # a raster error is a bug in the layout; nothing was sent
            raise PrinterDeviceError(f"print: {e.code}", Fault.PRINTER_ERROR, 0) from e
        finally:
            _close(transport)
        return report.pages_printed

    def _ipp(self) -> bool:
        """Whether this printer's opener gives an IPP printer (decided once, without connecting)."""
        if not hasattr(self, "_is_ipp"):
            probe = self._open()
            self._is_ipp = isinstance(probe, IppPrinter)
            _close(probe)
        return self._is_ipp

    def _print_ipp(self, printer: IppPrinter, jobs: Sequence[tuple[bytes, int, str]],
                   on_page: Callable[[int, int], None], should_abort: Callable[[], bool]) -> int:
        """One IPP job per document, pages counted across them as the printer reports them."""
        total = sum(count for _, count, _ in jobs)
        done = 0
        try:
            for pdf, count, title in jobs:
                printer.print_pdf(pdf, count, duplex=self.duplex, title=title,
                                  on_progress=_offset(on_page, done, total), cancel=should_abort)
                done += count
        except PrintJobError as e:
            raise PrinterDeviceError(f"print: {e.code}", printer_fault(e), done + e.pages_completed) from e
        finally:
            _close(printer)
        return done

    def test_page(self) -> int:
        """Print one short test page (ruled box and 「テスト印字」).  :raises PrinterDeviceError:."""
        width = self.profile.width_dots
        img = Image.new("1", (width, self.profile.dpi), 1)
        draw = ImageDraw.Draw(img)
        draw.rectangle((8, 8, width - 9, img.height - 9), outline=0, width=3)
        font = ImageFont.truetype(str(IPAEX_GOTHIC), self.profile.dpi // 4)
        draw.text((self.profile.dpi // 3, self.profile.dpi // 3), f"テスト印字　{self.profile.name}",
                  font=font, fill=0)
        transport = self._transport()
        try:
            if isinstance(transport, IppPrinter):
                return transport.print_pdf(pages_to_pdf([img], self.profile.dpi), 1).pages_printed
            return print_pages([img], self.profile, transport, options=self._options).pages_printed
        except PrinterError as e:
            raise PrinterDeviceError(f"test print: {e.code}", printer_fault(e),
                                     getattr(e, "pages_completed", 0)) from e
        finally:
            _close(transport)


def _offset(on_page: Callable[[int, int], None], base: int, total: int) -> Callable[[int, int], None]:
    """Progress of one document's job as progress of the whole order."""
    return lambda done, _pages: on_page(base + done, total)


def _page_pdf(issued: IssuedDocument, profile: PrinterProfile, duplex: bool) -> tuple[bytes, int]:
    """The document's PDF in memory (never on the kiosk's disk) and its sheet count."""
    buffer = io.BytesIO()
    if duplex:
        count = render_duplex_pdf(issued.document, issued.seal, profile, buffer)
    else:
        count = render_pdf(issued.document, issued.seal, profile, buffer)
    return buffer.getvalue(), count


class EscposReceiptPrinter(_Printer):
    """The 利用明細 on an 80 mm ESC/POS printer (profile ``receipt-80-203``).

    One implementation: ``printer.receipt`` lays out and prints the ご利用明細書 (``ReceiptData`` has
    no field for personal data), through the same job path (status checks, abort guarantees).
    """

    def print_receipt(self, receipt: PrintReceipt, header: ReceiptHeader, issued_at: dt.datetime) -> None:
        """Print ``receipt`` with ``printer.receipt.print_receipt``.  :raises PrinterDeviceError:."""
        try:
            data = receipt_data(receipt, header, issued_at)
        except ReceiptError as e:
            raise PrinterDeviceError(f"receipt: {e.code}", Fault.PRINTER_ERROR) from e
        self._send(lambda t: print_receipt(data, t, self.profile, options=self._options).pages_printed)

    def test_receipt(self) -> None:
        """Print ``printer.receipt``'s synthetic sample receipt.  :raises PrinterDeviceError:."""
        self._send(lambda t: print_receipt(sample_receipt(), t, self.profile,
                                           options=self._options).pages_printed)

    def _send(self, job: Callable[[PrinterTransport], int]) -> None:
        transport = self._transport()
        try:
            assert isinstance(transport, PrinterTransport)
            job(transport)
        except PrinterError as e:
            raise PrinterDeviceError(f"receipt: {e.code}", printer_fault(e)) from e
        finally:
            _close(transport)


def receipt_data(receipt: PrintReceipt, header: ReceiptHeader, issued_at: dt.datetime) -> ReceiptData:
    """The ご利用明細書 of the flow's ``PrintReceipt``: store, terminal (the kiosk id), time,
    municipality, certificate, money and order id, and the same wording in the resident's language
    (``kiosk.adapters.receipt_text``).  No personal data: ``ReceiptData`` has no field for it.

    :raises printer.receipt.ReceiptError: a field the receipt cannot print (too long, not Shift-JIS).
    """
    copies = max(1, receipt.copies)
    try:
        translation = receipt_translation(receipt, issued_at)
    except TranslationError:
        # A catalog text the font cannot draw: the Japanese receipt still records the money; say so.
        log.exception("receipt: no %s block printed", receipt.language)
        translation = None
    return ReceiptData(
        store_name=header.store_name, store_code=header.store_code, terminal_id=header.terminal_id,
        issued_at=issued_at, municipality=receipt.municipality or "—",
        items=(ReceiptItem(receipt.certificate_name or receipt.certificate, copies, receipt.fee // copies,
                           fee_total=None if receipt.fee % copies == 0 else receipt.fee),),
        transaction_number=receipt.order_id, paid=receipt.paid, change=receipt.change,
        refunded=receipt.refunded, refund_owed=receipt.refund_owed, reference=receipt.reference,
        translation=translation,
    )
