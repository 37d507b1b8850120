"""Page printers over IPP: submit the certificate's PDF, then follow the job until the printer ends it.

The thin I/O half beside the sans-IO codec (:mod:`printer.ipp.codec`) and rules
(:mod:`printer.ipp.states`): one HTTP/1.1 POST per IPP request through httpx.

A job (docs/printing-driver.md "Page printers over IPP"):

1. Get-Printer-Attributes: a printer that reports a fault (no paper, cover open, offline) gets
   nothing, and the job fails with 0 pages;
2. Print-Job with the PDF (``sides`` two-sided-long-edge for a duplex certificate);
3. every ``poll_interval`` Get-Job-Attributes and Get-Printer-Attributes, until the job ends.  A
   page counts once the printer reports it.  A fault while the job waits, or the caller's cancel,
   sends Cancel-Job (so the rest can never print for the next customer) and raises the typed error;
4. a printer that stops answering for ``answer_timeout``, or makes no progress for
   ``progress_timeout``, is a :class:`PrinterTimeoutError` with the pages it reported so far.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from printer.ipp.codec import Attribute, GroupTag, IppMessage, Op, Tag, decode, encode_request
from printer.ipp.errors import IppDecodeError
from printer.ipp.states import assess, fault_reasons
from printer.transport.errors import (
    PrintCancelledError,
    PrinterLinkError,
    PrinterTimeoutError,
    PrintJobError,
    StatusProtocolError,
)

__all__ = ["IppConfig", "IppJobReport", "IppPrinter", "IppProtocolError", "IppRefusedError", "http_url"]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

_JOB_ATTRS = ("job-state", "job-state-reasons", "job-impressions-completed", "job-media-sheets-completed")
_PRINTER_ATTRS = ("printer-state", "printer-state-reasons", "sides-supported", "document-format-supported")


class IppProtocolError(StatusProtocolError):
    """The printer answered something that is not a usable IPP response (garbage, truncated, HTTP error)."""

    code = "printer_ipp_garbage"


class IppRefusedError(PrintJobError):
    """The printer answered an IPP error status to our request (e.g. format or sides not supported)."""

    code = "printer_ipp_refused"


def http_url(uri: str) -> str:
    """``ipp://host[:port]/path`` → ``http://host:631/path`` (ipps → https:443 by default).

    :raises ValueError: for any other scheme or a URI without a host.
    """
    parts = urlsplit(uri)
    if parts.scheme not in ("ipp", "ipps", "http", "https") or not parts.hostname:
        raise ValueError(f"not an IPP printer URI: {uri!r} (use ipp://host[:port]/path)")
    secure = parts.scheme in ("ipps", "https")
    port = parts.port or (631 if parts.scheme.startswith("ipp") else (443 if secure else 80))
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return urlunsplit(("https" if secure else "http", f"{host}:{port}", parts.path or "/", "", ""))


@dataclass(frozen=True)
class IppConfig:
    poll_interval: float = 0.5
    request_timeout: float = 10.0  # one HTTP exchange (a PDF upload included)
    answer_timeout: float = 10.0  # no answer at all for this long: the printer is gone
    progress_timeout: float = 120.0  # answers, but no new page for this long
    user: str = "kiosk"


@dataclass(frozen=True)
class IppJobReport:
    pages_printed: int
    job_id: int
    bytes_sent: int
    seconds: float
    impressions: int

    def as_dict(self) -> dict[str, Any]:
        return {"pages_printed": self.pages_printed, "job_id": self.job_id, "bytes_sent": self.bytes_sent,
                "seconds": round(self.seconds, 3), "impressions": self.impressions}


class IppPrinter:
    """One IPP printer (``ipp://…``); :meth:`print_pdf` runs a job to its end."""

    def __init__(self, uri: str, config: IppConfig | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """:raises ValueError: on a URI that is not ipp://, ipps://, http:// or https://."""
        self.uri = uri
        self.url = http_url(uri)
        self.config = config or IppConfig()
        self._clock = clock
        self._sleep = sleep
        self._ids = itertools.count(1)
        self._http = httpx.Client(timeout=self.config.request_timeout, verify=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IppPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one request ---------------------------------------------------------------------

    def _call(self, op: Op, operation: Sequence[Attribute], job: Sequence[Attribute] = (),
              data: bytes = b"") -> IppMessage:
        """One request/response.

        :raises httpx.TransportError: the printer did not answer (the caller decides what that means).
        :raises IppProtocolError: the answer is not IPP (HTTP error status, garbage, truncated).
        :raises IppRefusedError: the printer answered an IPP error status.
        """
        request_id = next(self._ids)
        body = encode_request(op, request_id,
                              [Attribute.of("printer-uri", Tag.URI, self.uri), *operation], job, data)
        response = self._http.post(self.url, content=body, headers={"Content-Type": "application/ipp"})
        if response.status_code != 200:
            raise IppProtocolError(f"{op.name}: HTTP {response.status_code} from the printer")
        ctype = response.headers.get("content-type", "")
        if not ctype.startswith("application/ipp"):
            raise IppProtocolError(f"{op.name}: answer is {ctype or 'untyped'}, not application/ipp")
        try:
            message = decode(response.content)
        except IppDecodeError as e:
            raise IppProtocolError(f"{op.name}: bad IPP response: {e}") from e
        if message.request_id != request_id:
            raise IppProtocolError(f"{op.name}: answer to request {message.request_id}, not {request_id}")
        if not message.ok:
            text = message.attrs(GroupTag.OPERATION).get("status-message", [""])[0]
            raise IppRefusedError(f"{op.name}: printer status 0x{message.code:04x} {text}".rstrip())
        return message

    def printer_attributes(self, names: Sequence[str] = _PRINTER_ATTRS) -> Mapping[str, list[Any]]:
        """Get-Printer-Attributes (the named ones).  :raises PrintJobError: typed, never httpx's."""
        try:
            msg = self._call(Op.GET_PRINTER_ATTRIBUTES, [
                Attribute("requested-attributes", Tag.KEYWORD, tuple(names))])
        except httpx.TimeoutException as e:
            raise PrinterTimeoutError(f"printer did not answer: {e}") from e
        except httpx.HTTPError as e:
            raise PrinterLinkError(f"cannot reach the printer at {self.url}: {e}") from e
        return msg.attrs(GroupTag.PRINTER)

    def _job_attributes(self, job_id: int) -> Mapping[str, list[Any]]:
        msg = self._call(Op.GET_JOB_ATTRIBUTES, [
            Attribute.of("job-id", Tag.INTEGER, job_id),
            Attribute.of("requesting-user-name", Tag.NAME, self.config.user),
            Attribute("requested-attributes", Tag.KEYWORD, _JOB_ATTRS)])
        return msg.attrs(GroupTag.JOB)

    def cancel(self, job_id: int) -> None:
        """Best effort Cancel-Job (a job that already ended answers an error: nothing left to stop)."""
        try:
            self._call(Op.CANCEL_JOB, [Attribute.of("job-id", Tag.INTEGER, job_id),
                                       Attribute.of("requesting-user-name", Tag.NAME, self.config.user)])
        except (httpx.HTTPError, PrintJobError) as e:
            log.warning("cancel of IPP job %d: %s", job_id, e)

    # --- a job -----------------------------------------------------------------------------

    def print_pdf(self, pdf: bytes, pages: int, *, duplex: bool = False, title: str = "certificate",
                  on_progress: Progress | None = None,
                  cancel: Callable[[], bool] | None = None) -> IppJobReport:
        """Print ``pdf`` (``pages`` certificate pages; two-sided: 2 PDF pages each) and follow it.

        :raises PrintJobError: typed by the printer's reasons, with ``pages_completed``:
            :class:`PaperEndError`, :class:`CoverOpenError`, :class:`MediaJamError`,
            :class:`SupplyEmptyError`, :class:`PrinterOfflineError`, :class:`PrinterHardwareError`
            (aborted), :class:`PrintCancelledError`, :class:`PrinterTimeoutError`,
            :class:`PrintUnconfirmedError`, :class:`IppProtocolError`, :class:`IppRefusedError` or
            :class:`PrinterLinkError`.
        """
        started = self._clock()
        sides = 2 if duplex else 1
        state = self.printer_attributes()
        faults = fault_reasons([r for r in state.get("printer-state-reasons", []) if isinstance(r, str)])
        precheck = assess({"job-state": [3]}, state, pages=pages, sides=sides).error
        if faults and precheck is not None:
            raise precheck
        if duplex and "two-sided-long-edge" not in state.get("sides-supported", []):
            raise IppRefusedError("printer does not print two-sided (sides-supported)")
        try:
            msg = self._call(Op.PRINT_JOB, [
                Attribute.of("requesting-user-name", Tag.NAME, self.config.user),
                Attribute.of("job-name", Tag.NAME, title),
                Attribute.of("document-format", Tag.MIME, "application/pdf"),
            ], [
                Attribute.of("sides", Tag.KEYWORD, "two-sided-long-edge" if duplex else "one-sided"),
                Attribute.of("media", Tag.KEYWORD, "iso_a4_210x297mm"),
                Attribute.of("copies", Tag.INTEGER, 1),
            ], pdf)
        except httpx.TimeoutException as e:
            raise PrinterTimeoutError(f"printer did not take the job: {e}") from e
        except httpx.HTTPError as e:
            raise PrinterLinkError(f"cannot reach the printer at {self.url}: {e}") from e
        job_id = msg.attrs(GroupTag.JOB).get("job-id", [None])[0]
        if not isinstance(job_id, int):
            raise IppProtocolError("Print-Job answer has no job-id")
        log.info("IPP job %d accepted (%d bytes, %d sides)", job_id, len(pdf), sides)
        try:
            done, impressions = self._follow(job_id, pages, sides, on_progress, cancel)
        except PrintJobError:
            self.cancel(job_id)
            raise
        return IppJobReport(done, job_id, len(pdf), self._clock() - started, impressions)

    def _follow(self, job_id: int, pages: int, sides: int, on_progress: Progress | None,
                cancel: Callable[[], bool] | None) -> tuple[int, int]:
        cfg = self.config
        done = 0
        last_answer = last_progress = self._clock()
        while True:
            if cancel is not None and cancel():
                raise PrintCancelledError("print job cancelled", pages_completed=done)
            try:
                job = self._job_attributes(job_id)
                printer = self.printer_attributes(("printer-state", "printer-state-reasons"))
            except (httpx.HTTPError, PrinterTimeoutError, PrinterLinkError) as e:
                if self._clock() - last_answer > cfg.answer_timeout:
                    raise PrinterTimeoutError(f"printer stopped answering: {e}", pages_completed=done) from e
                self._sleep(cfg.poll_interval)
                continue
            except PrintJobError as e:
                e.pages_completed = done
                raise
            now = last_answer = self._clock()
            outcome = assess(job, printer, pages=pages, sides=sides)
            if outcome.pages > done:
                done, last_progress = outcome.pages, now
                if on_progress is not None:
                    on_progress(done, pages)
            if outcome.error is not None:
                raise outcome.error
            if outcome.done:
                impressions = job.get("job-impressions-completed", [0])[0]
                return done, int(impressions) if isinstance(impressions, int) else 0
            if now - last_progress > cfg.progress_timeout:
                raise PrinterTimeoutError(f"no page printed for {cfg.progress_timeout} s",
                                          pages_completed=done)
            self._sleep(cfg.poll_interval)
