"""The kiosk's local metrics move with their events: a real Runner over the runner tests' fakes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt, MiniCenter

from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import events as evt
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner
from kiosk.runtime.metrics import KioskMetrics


def _until(cond, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_steps_pages_faults_and_device_states_move(tmp_path: Path) -> None:
    m = KioskMetrics()
    card, printer = FakeCard(), FakePrinter(fail_at_page=2)
    cash = SimulatedCashDevice(poll_seconds=0.005)
    center = MiniCenter()
    journal = Journal(tmp_path / "j.db")
    runner = Runner(
        Flow(FlowSettings()),
        DeviceSet(card, printer, cash, FakeReceipt()),
        center.client(),
        journal,
        kiosk_id="K0001",
        on_view=m.on_view,
        on_event=m.on_event,
    )
    r = m.registry
    runner.start(ticker=False)
    try:
        assert runner.wait_idle(10)
        runner.submit(evt.Touch())
        runner.submit(evt.ChooseLanguage("ja"))
        runner.submit(evt.Next())
        card.present_now = True
        runner.submit(evt.CardInserted())
        assert runner.wait_idle(10)
        for d in "1234":
            runner.submit(evt.PinDigit(d))
        runner.submit(evt.PinSubmitted())
        assert runner.wait_idle(10)
        for e in (
            evt.MunicipalityChosen("139991", "residence"),
            evt.CertificateChosen("juminhyo"),
            evt.WhoseChosen("self"),
            evt.OptionsChosen(frozenset()),
            evt.CopiesChosen(2),
            evt.Confirm(),
        ):
            runner.submit(e)
        assert runner.wait_idle(10)
        assert runner.view.state is State.PAYMENT
        assert r.get_sample_value("konbini_kiosk_step_seconds_count", {"step": "pin"}) == 1
        assert r.get_sample_value("konbini_kiosk_pages_printed_total") == 0
        cash.insert(500)
        # Page 1 prints, then the paper runs out on page 2.
        _until(lambda: r.get_sample_value("konbini_kiosk_faults_total", {"code": "printer_paper_end"}) == 1)
        assert r.get_sample_value("konbini_kiosk_pages_printed_total") == 1
        assert (r.get_sample_value("konbini_kiosk_step_seconds_count", {"step": "payment"}) or 0) >= 1
    finally:
        runner.stop()
        journal.close()
    m.on_report({"reader": "ok", "printer": "paper_end", "receipt_printer": None, "cash_box": "ok"})
    assert r.get_sample_value("konbini_kiosk_device_state", {"device": "printer", "state": "paper_end"}) == 1
    assert r.get_sample_value("konbini_kiosk_device_state", {"device": "printer", "state": "ok"}) == 0
    m.on_report({"reader": "ok", "printer": "ok", "receipt_printer": None, "cash_box": "ok"})
    assert r.get_sample_value("konbini_kiosk_device_state", {"device": "printer", "state": "paper_end"}) == 0


def test_served_on_a_local_port_only() -> None:
    m = KioskMetrics()
    port = m.serve(0)
    try:
        m.faults.labels("printer_cover_open").inc()
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'konbini_kiosk_faults_total{code="printer_cover_open"} 1.0' in text
    finally:
        m.close()
