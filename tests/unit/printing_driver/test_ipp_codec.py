"""The sans-IO IPP codec against RFC 8010's byte layout, and the job rules against recorded answers.

Expected bytes are written out by hand from RFC 8010 §3 (version, operation-id, request-id,
delimiter tags, value tag / name-length / name / value-length / value), not produced by the encoder.
"""

from __future__ import annotations

import struct

import pytest

from printer.ipp.codec import Attribute, GroupTag, Op, Tag, decode, encode_request
from printer.ipp.errors import IppDecodeError
from printer.ipp.states import JobState, assess, fault_reasons, pages_reported
from printer.transport.errors import (
    CoverOpenError,
    MediaJamError,
    PaperEndError,
    PrintCancelledError,
    PrinterHardwareError,
    PrinterOfflineError,
    PrintUnconfirmedError,
    SupplyEmptyError,
)


def _attr(tag: int, name: str, value: bytes) -> bytes:
    n = name.encode()
    return bytes([tag]) + struct.pack(">H", len(n)) + n + struct.pack(">H", len(value)) + value


def test_get_printer_attributes_request_bytes() -> None:
    wanted = ("printer-state", "sides-supported")
    body = encode_request(Op.GET_PRINTER_ATTRIBUTES, 7,
                          [Attribute.of("printer-uri", Tag.URI, "ipp://h/ipp/print"),
                           Attribute("requested-attributes", Tag.KEYWORD, wanted)])
    expected = (
        b"\x02\x00" + b"\x00\x0b" + b"\x00\x00\x00\x07" + b"\x01"
        + b"\x47\x00\x12attributes-charset\x00\x05utf-8"
        + b"\x48\x00\x1battributes-natural-language\x00\x02ja"
        + b"\x45\x00\x0bprinter-uri\x00\x11ipp://h/ipp/print"
        + b"\x44\x00\x14requested-attributes\x00\x0dprinter-state"
        + b"\x44\x00\x00\x00\x0fsides-supported"
        + b"\x03"
    )
    assert body == expected


def test_print_job_carries_job_group_then_document() -> None:
    body = encode_request(Op.PRINT_JOB, 1, [], [Attribute.of("copies", Tag.INTEGER, 1)], b"%PDF-1.4")
    assert body[2:4] == b"\x00\x02"
    assert body.endswith(b"\x02" + b"\x21\x00\x06copies\x00\x04\x00\x00\x00\x01" + b"\x03%PDF-1.4")


RESPONSE = (
    b"\x02\x00\x00\x00\x00\x00\x00\x05"
    + b"\x01" + _attr(0x47, "attributes-charset", b"utf-8") + _attr(0x41, "status-message", b"successful-ok")
    + b"\x02" + _attr(0x21, "job-id", struct.pack(">i", 42)) + _attr(0x23, "job-state", struct.pack(">i", 5))
    + _attr(0x44, "job-state-reasons", b"job-printing") + _attr(0x44, "", b"job-incoming")
    + b"\x04" + _attr(0x22, "color-supported", b"\x00")
    + _attr(0x33, "copies-supported", struct.pack(">ii", 1, 99))
    + _attr(0x32, "printer-resolution-default", struct.pack(">iib", 600, 600, 3))
    + _attr(0x34, "media-col-default", b"") + _attr(0x4A, "", b"media-size") + _attr(0x34, "", b"")
    + _attr(0x4A, "", b"x-dimension") + _attr(0x21, "", struct.pack(">i", 21000))
    + _attr(0x37, "", b"") + _attr(0x37, "", b"")
    + _attr(0x13, "printer-location", b"")
    + b"\x03"
)


def test_decode_response_types_and_groups() -> None:
    msg = decode(RESPONSE)
    assert msg.version == (2, 0) and msg.code == 0 and msg.request_id == 5 and msg.ok
    job = msg.attrs(GroupTag.JOB)
    assert job["job-id"] == [42] and job["job-state"] == [5]
    assert job["job-state-reasons"] == ["job-printing", "job-incoming"]
    printer = msg.attrs(GroupTag.PRINTER)
    assert printer["color-supported"] == [False]
    assert printer["copies-supported"] == [(1, 99)]
    assert printer["printer-resolution-default"] == [(600, 600, 3)]
    assert printer["media-col-default"] == [{"media-size": [{"x-dimension": [21000]}]}]
    assert printer["printer-location"] == [None]


@pytest.mark.parametrize("cut", range(len(RESPONSE)))
def test_every_truncation_is_a_typed_error(cut: int) -> None:
    with pytest.raises(IppDecodeError):
        decode(RESPONSE[:cut])


@pytest.mark.parametrize("garbage", [
    b"HTTP/1.1 200 OK\r\n\r\n",
    b"<html><body>error</body></html>",
    b"\x02\x00\x00\x00\x00\x00\x00\x01\x09",  # unknown group tag
    b"\x02\x00\x00\x00\x00\x00\x00\x01\x21\x00\x01x\x00\x04\x00\x00\x00\x01\x03",  # attribute before a group
    b"\x02\x00\x00\x00\x00\x00\x00\x01\x01\x21\x00\x01x\x00\x02\x00\x01\x03",  # integer of 2 bytes
    b"\x02\x00\x00\x00\x00\x00\x00\x01\x01\x41\x00\x01x\x00\x02\xff\xfe\x03",  # text not UTF-8
])
def test_garbage_is_a_typed_error(garbage: bytes) -> None:
    with pytest.raises(IppDecodeError):
        decode(garbage)


# --- job rules ------------------------------------------------------------------------------
# Answers a printer gives, as decoded attribute maps.  door-open, offline and marker-supply-empty
# are faults ippeveprinter cannot produce (its command protocol knows cover-open, media-empty,
# media-jam, toner-empty but not these): they are tested here, on recorded answers only.

IDLE = {"printer-state": [3], "printer-state-reasons": ["none"]}


def _job(state: int, impressions: int | None = None, sheets: int | None = None,
         reasons: tuple[str, ...] = ()) -> dict[str, list[object]]:
    job: dict[str, list[object]] = {"job-state": [state], "job-state-reasons": list(reasons) or ["none"]}
    if impressions is not None:
        job["job-impressions-completed"] = [impressions]
    if sheets is not None:
        job["job-media-sheets-completed"] = [sheets]
    return job


def test_pages_count_only_what_the_printer_reports() -> None:
    assert pages_reported(_job(5), sides=1) == 0
    assert pages_reported(_job(5, impressions=3), sides=1) == 3
    assert pages_reported(_job(5, impressions=3), sides=2) == 1  # sheet 2 has its front only
    assert pages_reported(_job(5, sheets=2), sides=2) == 2


def test_completed_job() -> None:
    out = assess(_job(JobState.COMPLETED, impressions=4), IDLE, pages=2, sides=2)
    assert out.done and out.error is None and out.pages == 2


def test_completed_without_counts_is_not_printed() -> None:
    out = assess(_job(JobState.COMPLETED), IDLE, pages=2)
    assert isinstance(out.error, PrintUnconfirmedError) and out.error.pages_completed == 0


@pytest.mark.parametrize(("reasons", "error"), [
    (["door-open-error"], CoverOpenError),
    (["cover-open"], CoverOpenError),
    (["media-empty-report"], PaperEndError),
    (["media-needed-warning", "media-low-report"], PaperEndError),
    (["media-jam-error"], MediaJamError),
    (["marker-supply-empty-error"], SupplyEmptyError),
    (["offline-report"], PrinterOfflineError),
    (["media-empty-error", "door-open-error"], CoverOpenError),  # cover first: paper cannot be loaded
])
def test_printer_reasons_stop_a_running_job(reasons: list[str], error: type[Exception]) -> None:
    printer = {"printer-state": [5], "printer-state-reasons": reasons}
    out = assess(_job(JobState.PROCESSING, impressions=1), printer, pages=3)
    assert isinstance(out.error, error) and not out.done
    assert out.error.pages_completed == 1  # type: ignore[attr-defined]


def test_warnings_that_do_not_stop_printing() -> None:
    printer = {"printer-state": [4], "printer-state-reasons": ["media-low-report", "toner-low-warning"]}
    assert fault_reasons(printer["printer-state-reasons"]) == []
    out = assess(_job(JobState.PROCESSING, impressions=1), printer, pages=3)
    assert out.error is None and not out.done and out.pages == 1


def test_stopped_printer_without_reason_is_offline() -> None:
    out = assess(_job(JobState.PROCESSING_STOPPED), {"printer-state": [5], "printer-state-reasons": ["none"]},
                 pages=1)
    assert isinstance(out.error, PrinterOfflineError)


def test_aborted_and_canceled_jobs() -> None:
    aborted = assess(_job(JobState.ABORTED, impressions=1, reasons=("aborted-by-system",)), IDLE, pages=2)
    assert isinstance(aborted.error, PrinterHardwareError) and aborted.error.pages_completed == 1
    assert "aborted-by-system" in str(aborted.error)
    canceled = assess(_job(JobState.CANCELED, reasons=("job-canceled-at-device",)), IDLE, pages=2)
    assert isinstance(canceled.error, PrintCancelledError) and canceled.done
