"""The kiosk's certificate printer on ippeveprinter: two-sided, progress as the printer reports it,
a fault as the flow's code with the pages that came out, and the service menu's status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.ipp import IppEve, ippeve

from kiosk.adapters.printing import EscposDocumentPrinter
from kiosk.devices import DeviceStatus, PrinterDeviceError
from printer.transport.ipp import IppConfig, IppPrinter

__all__ = ["ippeve"]

REPO = Path(__file__).resolve().parents[3]
FAST = IppConfig(poll_interval=0.1, request_timeout=2.0, answer_timeout=2.0)


def _documents() -> list[dict[str, object]]:
    return [json.loads((REPO / "printer" / "samples" / "juminhyo.json").read_text(encoding="utf-8"))]


def test_documents_print_two_sided_and_faults_keep_their_code(ippeve: IppEve) -> None:
    printer = EscposDocumentPrinter("a4-laser-600", lambda: IppPrinter(ippeve.uri, FAST), duplex=True)
    assert printer.query().state is DeviceStatus.OK
    progress: list[tuple[int, int]] = []
    assert printer.print_documents(_documents(), lambda d, t: progress.append((d, t)), lambda: False) == 2
    assert progress[-1] == (2, 2)
    assert ippeve.jobs()[-1] == {**ippeve.jobs()[-1], "impressions": 4, "sides": "two-sided-long-edge"}

    ippeve.plan(fail_after=2, reason="media-empty")
    with pytest.raises(PrinterDeviceError) as info:
        printer.print_documents(_documents(), lambda d, t: None, lambda: False)
    assert info.value.code == "printer_paper_end" and info.value.pages_done == 1
    report = printer.query()
    assert report.state is DeviceStatus.FAULT and report.detail == "paper_end"


def test_a_cancelled_transaction_cancels_the_job(ippeve: IppEve) -> None:
    ippeve.plan(seconds_per_impression=0.5)
    printer = EscposDocumentPrinter("a4-laser-600", lambda: IppPrinter(ippeve.uri, FAST))
    calls = {"n": 0}

    def abort_soon() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(PrinterDeviceError) as info:
        printer.print_documents(_documents(), lambda d, t: None, abort_soon)
    assert info.value.code == "print_aborted"
    # The job was cancelled on the printer, so nothing of it can come out for the next customer.
    assert "Cancel-Job successful-ok" in ippeve.log.read_text(errors="replace")


def test_pdf_sink_and_unreachable_ipp_status(tmp_path: Path) -> None:
    from printer.transport.pdf import PdfFileSink

    sink = EscposDocumentPrinter("a4-laser-600", lambda: PdfFileSink(tmp_path / "out.pdf"))
    assert sink.query().state is DeviceStatus.OK  # a file has no status channel
    assert sink.print_documents(_documents(), lambda d, t: None, lambda: False) == 2
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    gone = EscposDocumentPrinter("a4-laser-600", lambda: IppPrinter("ipp://127.0.0.1:9/ipp/print", FAST))
    report = gone.query()
    assert report.state is DeviceStatus.UNKNOWN and report.detail == "offline"
