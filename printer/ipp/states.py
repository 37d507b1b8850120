"""What a page printer's IPP answers mean for a job: still running, done, or a typed fault.

Pure rules over decoded attributes (no I/O), so that recorded responses test them as well as a
live printer does.  The page count follows the ESC/POS path: a page counts only when the printer
reports it (``job-impressions-completed``, or ``job-media-sheets-completed``), never when the
spooler accepted the file.  Two-sided, one certificate page is a sheet of two impressions.

printer-state-reasons keywords carry a severity suffix (RFC 8011 §5.4.12), but printers disagree
on it: ippeveprinter says ``media-empty-report`` while idle and still holds the next job until
paper comes.  Every reason listed here stops a certificate whatever its suffix, so the suffix is
ignored; reasons that do not stop printing (``media-low``, ``toner-low``) are not listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from printer.transport.errors import (
    CoverOpenError,
    MediaJamError,
    PaperEndError,
    PrintCancelledError,
    PrinterHardwareError,
    PrinterOfflineError,
    PrintJobError,
    PrintUnconfirmedError,
    SupplyEmptyError,
)

__all__ = ["JobState", "Outcome", "assess", "fault_reasons", "pages_reported"]


class JobState(IntEnum):
    PENDING = 3
    PENDING_HELD = 4
    PROCESSING = 5
    PROCESSING_STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9


# In order of precedence: when a printer reports several, the first one listed names the fault.
_FAULTS: tuple[tuple[frozenset[str], type[PrintJobError], str], ...] = (
    (frozenset({"door-open", "cover-open", "interlock-open"}), CoverOpenError, "printer cover is open"),
    (frozenset({"media-empty", "media-needed"}), PaperEndError, "printer is out of paper"),
    (frozenset({"media-jam"}), MediaJamError, "paper jammed in the printer"),
    (frozenset({"marker-supply-empty", "toner-empty"}), SupplyEmptyError, "printer is out of toner"),
    (frozenset({"offline", "shutdown", "connecting-to-device"}), PrinterOfflineError, "printer is offline"),
)
_KNOWN = frozenset().union(*(names for names, _, _ in _FAULTS))


def fault_reasons(reasons: Sequence[str]) -> list[str]:
    """The fault keywords among printer-state-reasons, severity suffix stripped."""
    out = []
    for r in reasons:
        base = r.removesuffix("-error").removesuffix("-warning").removesuffix("-report")
        if base in _KNOWN:
            out.append(base)
    return out


def _int(attrs: Mapping[str, list[Any]], name: str) -> int | None:
    values = attrs.get(name)
    return values[0] if values and isinstance(values[0], int) else None


def pages_reported(job: Mapping[str, list[Any]], *, sides: int) -> int:
    """Certificate pages the printer reports printed (0 when it reports nothing)."""
    impressions = _int(job, "job-impressions-completed")
    sheets = _int(job, "job-media-sheets-completed")
    # One sheet carries one certificate page (its back, two-sided), so sheets count pages directly.
    return max((impressions or 0) // sides, sheets or 0)


@dataclass(frozen=True)
class Outcome:
    """One poll's reading: ``done`` with ``pages``; or ``error`` (raise it); or neither (keep polling)."""

    pages: int
    done: bool = False
    error: PrintJobError | None = None


def _fault(reasons: Sequence[str], pages: int) -> PrintJobError | None:
    found = set(fault_reasons(reasons))
    for names, cls, message in _FAULTS:
        hit = sorted(names & found)
        if hit:
            return cls(f"{message} ({', '.join(hit)})", pages_completed=pages)
    return None


def assess(
    job: Mapping[str, list[Any]], printer: Mapping[str, list[Any]], *, pages: int, sides: int = 1
) -> Outcome:
    """Read one Get-Job-Attributes + Get-Printer-Attributes pair for a job of ``pages`` pages.

    A fault the printer reports while the job is not finished is an error even though the job is
    still "processing" (a real printer waits for paper forever): the caller cancels the job, so it
    cannot finish later for the next customer.
    """
    done = min(pages_reported(job, sides=sides), pages)
    state = _int(job, "job-state")
    reasons = [r for r in printer.get("printer-state-reasons", []) if isinstance(r, str)]
    job_reasons = [r for r in job.get("job-state-reasons", []) if isinstance(r, str)]
    if state == JobState.COMPLETED:
        if done < pages:
            return Outcome(done, True, PrintUnconfirmedError(
                f"job completed but the printer reported {done} of {pages} pages", pages_completed=done))
        return Outcome(done, True)
    if state in (JobState.ABORTED, JobState.CANCELED):
        error = _fault([*reasons, *job_reasons], done)
        if error is None:
            what = "aborted" if state == JobState.ABORTED else "canceled"
            cls = PrinterHardwareError if state == JobState.ABORTED else PrintCancelledError
            detail = ", ".join(job_reasons) or "no reason given"
            error = cls(f"printer {what} the job ({detail})", pages_completed=done)
        return Outcome(done, True, error)
    error = _fault(reasons, done)
    if error is not None:
        return Outcome(done, False, error)
    printer_state = _int(printer, "printer-state")
    if state == JobState.PROCESSING_STOPPED or printer_state == 5:  # stopped, no reason we know
        return Outcome(done, False, PrinterOfflineError(
            f"printer stopped ({', '.join(reasons) or 'no reason given'})", pages_completed=done))
    return Outcome(done)
