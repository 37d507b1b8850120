"""Print jobs: pages (1-bit images at the profile's width) → an ESC/POS printer, with status and abort.

A job (docs/printing-driver.md "Job semantics"):

1. clears whatever an earlier job may have left in the printer (DLE DC4 8, real-time), discards
   stale replies, and checks DLE EOT 1–4: a fault raises before anything is printed;
2. for each page streams raster bands (GS v 0 or GS ( L / GS 8 L) and feeds over blank stretches,
   with credit flow control, polling DLE EOT 1 between bands;
3. cuts and waits until the printer acknowledges it has processed the cut (GS r is only answered
   online, so the page was cut whole): the page counts as completed; then checks DLE EOT 1–4;
4. on any fault, timeout or garbage: sends DLE DC4 8 + ESC @ so the printer drops the rest of the job
   (nothing of it can print for the next customer), and raises a typed :class:`PrintJobError`
   carrying ``pages_completed``.

Page printers (profile kind ``page``) get one PDF through a :class:`~printer.transport.pdf.PageSink`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from printer.escpos.commands import Command, Graphics, PrintAndFeed, RasterImage
from printer.escpos.encoder import (
    Band,
    RasterForm,
    band_commands,
    cut,
    feed_unit_dots,
    pack_image,
    plan_page,
    split_band,
)
from printer.escpos.status import PrinterStatus
from printer.profiles import PrinterProfile
from printer.transport.base import PrinterTransport
from printer.transport.errors import (
    CoverOpenError,
    CutterError,
    PaperEndError,
    PrintCancelledError,
    PrinterHardwareError,
    PrinterLinkError,
    PrinterOfflineError,
    PrinterTimeoutError,
    PrintJobError,
    StatusProtocolError,
    TransportError,
    TransportTimeoutError,
)
from printer.transport.link import LinkConfig, PrinterLink
from printer.transport.pdf import PageSink, pages_to_pdf

__all__ = [
    "CoverOpenError",
    "CutterError",
    "JobOptions",
    "PaperEndError",
    "PrintCancelledError",
    "PrintJobError",
    "PrintReport",
    "PrinterHardwareError",
    "PrinterLinkError",
    "PrinterOfflineError",
    "PrinterTimeoutError",
    "StatusProtocolError",
    "print_commands",
    "print_pages",
    "printer_status",
]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobOptions:
    raster: RasterForm = "gs_v0"
    band_rows: int | None = None  # default: the profile's band_rows
    skip_blank: bool = True  # feed over blank stretches instead of sending white raster
    min_blank_rows: int = 24
    cut_feed: int = 0  # motion units fed before the cut (receipts: room for the tear)
    link: LinkConfig = field(default_factory=LinkConfig)


@dataclass(frozen=True)
class PrintReport:
    pages_printed: int
    bytes_sent: int
    bands: int
    feeds: int
    seconds: float
    status: PrinterStatus
    reference: str | None = None  # page printers: the file or spooler id

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages_printed": self.pages_printed, "bytes_sent": self.bytes_sent, "bands": self.bands,
            "feeds": self.feeds, "seconds": round(self.seconds, 3), "status": self.status.as_dict(),
            "reference": self.reference,
        }


def _run_job(  # noqa: PLR0917 - private; one call site per public entry point
    transport: PrinterTransport,
    profile: PrinterProfile,
    pages: Sequence[Callable[[PrinterLink], list[list[Command]]]],
    options: JobOptions,
    on_progress: Progress | None,
    cancel: Callable[[], bool] | None,
) -> PrintReport:
    """Send pages given as callables producing segments (lists of commands); see the module doc.

    Between segments the link polls DLE EOT 1; a segment is sent in fenced blocks of whole commands.
    """
    started = time.monotonic()
    link = PrinterLink(transport, options.link, buffer_size=profile.receive_buffer)
    done = bands = feeds = 0
    try:
        link.start(profile.dpi)
        for make_page in pages:
            for segment in make_page(link):
                if cancel is not None and cancel():
                    raise PrintCancelledError("print job cancelled", status=link.status)
                link.send(segment)
                link.poll()
                bands += any(isinstance(c, RasterImage | Graphics) for c in segment)
                feeds += all(isinstance(c, PrintAndFeed) for c in segment)
            link.drain()  # acknowledged behind the cut: the printer cut this page while online
            done += 1
            if on_progress is not None:
                on_progress(done, len(pages))
            link.check()  # a fault now stops the next page (or, after the last, fails the job)
    except PrintJobError as e:
        link.abort()
        e.pages_completed = done
        log.warning("print job stopped after %d of %d pages: %s", done, len(pages), e.code)
        raise
    except TransportError as e:
        link.abort()
        cls = PrinterTimeoutError if isinstance(e, TransportTimeoutError) else PrinterLinkError
        raise cls(str(e), pages_completed=done, status=link.status) from e
    except BaseException:
        link.abort()  # a failing progress callback or an interrupt still clears the printer
        raise
    return PrintReport(done, link.bytes_sent, bands, feeds, time.monotonic() - started, link.status)


def print_pages(
    pages: Sequence[Image.Image],
    profile: PrinterProfile,
    transport: PrinterTransport | PageSink,
    *,
    on_progress: Progress | None = None,
    options: JobOptions | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PrintReport:
    """Print 1-bit pages at the profile's width; return a report when every page is cut and no fault.

    A fault reported after the last page's cut still raises (the printer needs attention), with
    ``pages_completed`` equal to the number of pages.  ``cancel`` is asked between bands; when it
    returns True the job is aborted like a fault: the kiosk cancels a job whose transaction ended
    (a job never outlives its transaction).

    :raises printer.escpos.errors.RasterError: a page is not 1-bit or not the profile's width
        (checked for every page before anything is sent).
    :raises PrintJobError: :class:`PaperEndError`, :class:`CoverOpenError`, :class:`CutterError`,
        :class:`PrinterHardwareError`, :class:`PrinterOfflineError`, :class:`PrinterTimeoutError`,
        :class:`StatusProtocolError`, :class:`PrintCancelledError` or :class:`PrinterLinkError`,
        with ``pages_completed``.
    """
    opts = options or JobOptions()
    if profile.kind == "page":
        return _print_pdf(pages, profile, transport, on_progress)
    if not isinstance(transport, PrinterTransport):
        raise PrinterLinkError(f"profile {profile.name} needs a printer transport, not a page sink")
    packed = [pack_image(p, profile.width_dots) for p in pages]
    band_rows = opts.band_rows or profile.band_rows
    unit = feed_unit_dots(profile.dpi)

    def page_maker(index: int) -> Callable[[PrinterLink], list[list[Command]]]:
        def make(link: PrinterLink) -> list[list[Command]]:
            img = packed[index]
            plan = (
                plan_page(img, band_rows, feed_unit=unit, min_blank=opts.min_blank_rows)
                if opts.skip_blank
                else [Band(s, min(s + band_rows, img.height)) for s in range(0, img.height, band_rows)]
            )
            # A fence can only go between commands, so with status each band is cut into blocks that
            # fit the link's credit (a quarter of the printer's buffer); a blind link sends whole bands.
            rows = band_rows if link.blind else max(1, (link.chunk - 32) // img.width_bytes)
            segments = [
                [c for piece in split_band(seg, rows) for c in band_commands(img, piece, opts.raster, unit)]
                for seg in plan
            ]
            return [*segments, [cut(opts.cut_feed)]]

        return make

    makers = [page_maker(i) for i in range(len(packed))]
    return _run_job(transport, profile, makers, opts, on_progress, cancel)


def printer_status(transport: PrinterTransport, *, config: LinkConfig | None = None) -> PrinterStatus:
    """Ask the printer for its full status (DLE EOT 1–4) without printing (service menu, pre-flight).

    :raises PrinterTimeoutError: when the printer does not answer.
    :raises StatusProtocolError: when it answers garbage.
    :raises PrinterLinkError: when the link is broken.
    """
    link = PrinterLink(transport, config)
    try:
        link.discard_input()
        return link.query()
    except TransportError as e:
        cls = PrinterTimeoutError if isinstance(e, TransportTimeoutError) else PrinterLinkError
        raise cls(str(e), status=link.status) from e


def print_commands(
    commands: Sequence[Command],
    profile: PrinterProfile,
    transport: PrinterTransport,
    *,
    options: JobOptions | None = None,
) -> PrintReport:
    """Print one page given as ESC/POS commands (a receipt); it should end with a cut.

    :raises PrintJobError: as :func:`print_pages`.
    """
    return _run_job(transport, profile, [lambda link: [list(commands)]], options or JobOptions(), None, None)


def _print_pdf(
    pages: Sequence[Image.Image], profile: PrinterProfile, sink: object, on_progress: Progress | None
) -> PrintReport:
    if not isinstance(sink, PageSink):
        raise PrinterLinkError(f"profile {profile.name} is a page printer: give it a PdfFileSink or LpSink")
    started = time.monotonic()
    pdf = pages_to_pdf(pages, profile.dpi)
    try:
        ref = sink.submit(pdf, title="certificate")
    except TransportError as e:
        raise PrinterLinkError(str(e), pages_completed=0) from e
    if on_progress is not None:
        on_progress(len(pages), len(pages))
    return PrintReport(len(pages), len(pdf), 0, 0, time.monotonic() - started, PrinterStatus(), ref)
