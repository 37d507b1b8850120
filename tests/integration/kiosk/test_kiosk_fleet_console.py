"""Fleet operations end to end, short of a resident: two kiosk runners report to the real center over
mutual TLS; the paper runs out on one and the console (real chromium, operator certificate) shows it
red with an alert and the metric moves within one report interval; the operator takes the other out
of service with the console's button, its screen says 「…ただいまご利用いただけません。」, and the button
"back in service" brings it back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import operator_browser
from fixtures.center import CenterData, CenterProcess, start_center
from fixtures.kiosk_fakes import FakeCard, FakePrinter, FakeReceipt
from fixtures.ops import OpsClient, OpsProcess, operator_context, start_ops
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from kiosk.center_client import CenterClient
from kiosk.devices import DeviceStatus
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow.messages import text
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner
from kiosk.runtime.health_report import HealthReporter, runner_apply, runner_snapshot
from kiosk.service_menu import IssueCounters, StatusLine

pytestmark = pytest.mark.slow
INTERVAL = 2.0


class Backend:
    def __init__(self, printer: FakePrinter, cash: SimulatedCashDevice, logs: Path) -> None:
        self.cash, self.receipt, self._printer, self.printer = cash, None, printer, self
        self.counters = IssueCounters(logs / "counters.json")

    def reader_line(self) -> StatusLine:
        return StatusLine("reader", "ok")

    def query(self) -> Any:
        s = self._printer.status()
        return type("Q", (), {"state": s, "detail": "paper_end" if s is DeviceStatus.FAULT else None})()

    def test_print(self) -> StatusLine:
        return StatusLine("printer", "ok")


class Kiosk:
    def __init__(self, center: CenterProcess, data: Path, kiosk: Any, work: Path) -> None:
        work.mkdir(parents=True)
        tls = (data / "tls" / "ca.pem", kiosk.cert, kiosk.key)
        url = f"https://127.0.0.1:{center.port}"
        self.printer = FakePrinter()
        cash = SimulatedCashDevice(poll_seconds=0.005)
        self.journal = Journal(work / "journal.db")
        self.clients = [CenterClient(url, kiosk.kiosk_id, tls=tls) for _ in range(2)]
        self.runner = Runner(
            Flow(FlowSettings()),
            DeviceSet(FakeCard(), self.printer, cash, FakeReceipt()),
            self.clients[0],
            self.journal,
            kiosk_id=kiosk.kiosk_id,
            tick_seconds=0.05,
        )
        backend = Backend(self.printer, cash, work)
        self.reporter = HealthReporter(
            self.clients[1].report_status,
            runner_snapshot(self.runner, backend, query_every=0.5),
            runner_apply(self.runner, backend),
            interval=INTERVAL,
            version="0.1.0",
            watch=0.1,
        )
        self.runner.attach(self.reporter)

    def close(self) -> None:
        self.runner.stop()
        for c in self.clients:
            c.close()
        self.journal.close()


def until(cond: Callable[[], Any], timeout: float) -> float:
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout, "not in time"
        time.sleep(0.05)
    return time.monotonic() - t0


@pytest.fixture
def fleet(center_data: CenterData, tmp_path: Path) -> Iterator[tuple[CenterProcess, OpsProcess, list[Kiosk]]]:
    center_gen = start_center(center_data.path)
    center = next(center_gen)
    ops_gen = start_ops(center_data.path, "--unreachable-after", "3600")
    ops = next(ops_gen)
    kiosks = [Kiosk(center, center_data.path, center_data.kiosks[i], tmp_path / f"k{i}") for i in (6, 7)]
    try:
        for k in kiosks:
            k.runner.start()
        yield center, ops, kiosks
    finally:
        for k in kiosks:
            k.close()
        for gen in (ops_gen, center_gen):
            with pytest.raises(StopIteration):
                next(gen)


def test_fleet_in_the_console(
    fleet: tuple[CenterProcess, OpsProcess, list[Kiosk]], center_data: CenterData, tmp_path: Path
) -> None:
    _, ops, (a, b) = fleet
    d = center_data.path
    api = OpsClient(ops.port, operator_context(d))
    ida, idb = a.runner.kiosk_id, b.runner.kiosk_id
    until(
        lambda: all(
            f'id="row-{i}"' in api.request("GET", "/?q=" + i).body
            and "st-ok" in api.request("GET", "/?q=" + i).body
            for i in (ida, idb)
        ),
        15,
    )
    paper0 = api.metric("konbini_kiosk_devices", device="printer", state="paper_end")
    a.printer.state = DeviceStatus.FAULT  # the paper runs out on kiosk A
    took = until(
        lambda: api.metric("konbini_kiosk_devices", device="printer", state="paper_end") == paper0 + 1,
        INTERVAL + 1,
    )
    shots = tmp_path / "shots"
    shots.mkdir()
    with operator_browser(d, ops.port, tmp_path / "browser") as br:
        br.get(f"https://127.0.0.1:{ops.port}/")
        row = br.find_element(By.ID, f"row-{ida}")
        assert "st-fault" in row.get_attribute("class")
        assert f"{ida} 用紙切れ" in br.find_element(By.ID, "alerts").text
        br.save_screenshot(str(shots / "fleet-paper-out.png"))
        # The operator takes kiosk B out of service from its page.
        br.get(f"https://127.0.0.1:{ops.port}/kiosks/{idb}")
        Select(br.find_element(By.ID, "reason")).select_by_value("maintenance")
        br.find_element(By.ID, "cmd-out_of_service").click()
        until(lambda: b.runner.view.state is State.OUT_OF_SERVICE, INTERVAL + 2)
        assert text(b.runner.view.message_key or "") == "保守作業中のため、ただいまご利用いただけません。"
        until(lambda: "休止中 / Out of service" in api.request("GET", f"/kiosks/{idb}").body, INTERVAL + 2)
        br.get(f"https://127.0.0.1:{ops.port}/kiosks/{idb}")
        br.find_element(By.ID, "cmd-in_service").click()
        until(lambda: b.runner.view.state is State.ATTRACT, INTERVAL + 5)
        br.get(f"https://127.0.0.1:{ops.port}/kiosks/{idb}")
        assert "再開 / Back in service" in br.find_element(By.ID, "command-log").text
        br.save_screenshot(str(shots / "fleet-back.png"))
    print(f"paper end visible in the metrics after {took:.2f} s (report interval {INTERVAL} s)")
