"""The ``fleet`` scenario's orchestration (issue 13, docs/hil.md "fleet"): the operators' side.

Two kiosk processes report to the real center over mutual TLS; the real ops console
(``python -m server_stub ops``) runs beside it and is loaded in real chromium with the operator's
PKCS#12 (``kiosk.hil.console``).  The steps, each waited for on a condition with a timeout (no fixed
sleeps), each timed:

1. both kiosks are listed ``ok`` in the console;
2. the paper runs out on kiosk-2 (its printer emulator's control port; the kiosk reads it over the
   real pty link): within one report interval the center's ``konbini_kiosk_devices{printer,
   paper_end}`` moves; the console shows the kiosk red (``st-fault``) with a 用紙切れ alert, and the
   kiosk's own screen says it is out of service (the idle device poll, kiosk/flow/idle.py);
3. the operator takes kiosk-1 out of service with the console's button in chromium: its rendered
   screen says 「…ただいまご利用いただけません。」;
4. "back in service" from the console; once kiosk-1 shows the attract screen, its resident starts
   (the gate file), and the usual checks (seals, center records) follow in ``kiosk.hil.run``.

Console screenshots land in ``DIR/console/``, the kiosks' in ``DIR/screens/``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.hil.console import OpsHttp, operator_browser
from kiosk.hil.scenarios import Scenario
from kiosk.hil.services import IN_HOURS, Supervisor, http_json
from kiosk.hil.setup import KioskSetup

__all__ = ["OOS_PHRASE", "FleetRun"]

log = logging.getLogger(__name__)

OOS_PHRASE = "ただいまご利用いただけません"
PAPER_END = {"device": "printer", "state": "paper_end"}
# How long a kiosk's screen may take to follow its flow: no figure is promised there, and on a loaded
# 2-core machine a Kivy process can stall for seconds (the console's timing is the one checked).
SCREEN_LIMIT = 60.0


class _StepFailedError(Exception):
    pass


class FleetRun:
    """One run of the steps; ``run`` returns ``{"steps": {...}, "figures": {...}, "problems": [...]}``."""

    def __init__(self, sup: Supervisor, setups: list[KioskSetup], out: Path, data: Path, *,
                 sc: Scenario) -> None:
        self.sup, self.out, self.data = sup, out, data
        self.serving, self.paperless = setups  # kiosk-1 transacts in the end, kiosk-2 runs out of paper
        self.interval = float(sc.report_seconds or 30.0)
        self.problems: list[str] = []
        self.steps: dict[str, dict[str, Any]] = {}
        self.figures: dict[str, float] = {}
        self.shots = out / "console"
        self.shots.mkdir(parents=True, exist_ok=True)

    # --- plumbing ----------------------------------------------------------------------------------------
    def _pump(self) -> None:
        for k in (self.serving, self.paperless):
            k.new_records()
            if not k.proc.running and not k.done:
                time.sleep(0.5)  # its last lines may still be on their way through the pipe
                k.new_records()
            if not k.proc.running and not k.done:
                raise _StepFailedError(f"{k.label} ended early (see logs/{k.label}.stderr)")

    def _until(self, cond: Callable[[], Any], timeout: float, what: str) -> float:
        """Wait for ``cond`` (polled every 50 ms, the kiosks' lines read meanwhile); seconds it took."""
        t0 = time.monotonic()
        while True:
            self._pump()
            if cond():
                return round(time.monotonic() - t0, 3)
            if time.monotonic() - t0 > timeout:
                raise _StepFailedError(f"{what}: not within {timeout:g} s")
            time.sleep(0.05)

    def _shown(self, k: KioskSetup, key: str) -> dict[str, Any] | None:
        """The kiosk's last rendered out-of-service screen with notice ``key``, if it showed it."""
        hits = [r["shown"] for r in k.records if "shown" in r and r["shown"].get("message_key") == key]
        return hits[-1] if hits else None

    def _state(self, k: KioskSetup) -> str | None:
        return k.transitions[-1]["state"] if k.transitions else None

    def _step(self, name: str, **info: Any) -> None:
        self.steps[name] = info
        log.info("fleet step %s: %s", name, info)

    # --- the run -----------------------------------------------------------------------------------------
    def run(self, deadline: float) -> dict[str, Any]:
        ops = self.sup.spawn("ops", [sys.executable, "-m", "server_stub", "ops", "--data", str(self.data),
                                     "--port", "0", "--now", IN_HOURS, "--unreachable-after", "3600"])
        port = int(json.loads(ops.wait_line(r'^\{.*"port"', 60).string)["port"])
        self.http = OpsHttp(self.data, port)
        self.base = f"https://127.0.0.1:{port}"
        try:
            before = self._latency()
            with operator_browser(self.data, port, self.out / "console" / "browser") as br:
                self._steps(br)
            self._latency_figures(before, self._latency())
        except _StepFailedError as e:
            self.problems.append(str(e))
        except Exception as e:  # a selenium or HTTP failure is a failed step, with its message
            log.exception("fleet run failed")
            self.problems.append(f"{type(e).__name__}: {e}")
        finally:
            self._finish(deadline)
        return {"steps": self.steps, "figures": self.figures, "problems": self.problems,
                "console": sorted(p.name for p in self.shots.glob("*.png"))}

    def _steps(self, br: Any) -> None:
        a, b = self.serving, self.paperless
        # 1. Both kiosks report (start-up report) and are listed ok.
        took = self._until(lambda: all(self._row(k) == "st-ok" for k in (a, b)), 60, "both kiosks ok")
        br.get(self.base + "/")
        self._save(br, "1-fleet.png")
        self._step("1_reporting", seconds=took, rows={k.kiosk_id: self._dom_row(br, k) for k in (a, b)})
        if any(self._dom_row(br, k) != "st-ok" for k in (a, b)):
            self.problems.append("step 1: the console does not list both kiosks ok")

        # 2. The paper runs out on kiosk-2.
        before = self.http.metric("konbini_kiosk_devices", **PAPER_END)
        t0 = time.monotonic()
        http_json(f"{b.printer.info['control']}/state", {"paper_end": True})
        metric_s = self._until(lambda: self.http.metric("konbini_kiosk_devices", **PAPER_END) >= before + 1,
                               self.interval + 10, "paper end in the center's metrics")
        self._until(lambda: self._row(b) == "st-fault", self.interval + 10, "kiosk-2 red")
        self.figures["paper_to_console_red_s"] = round(time.monotonic() - t0, 3)
        self._until(lambda: self._shown(b, "oos.printer") is not None, SCREEN_LIMIT,
                    "kiosk-2's screen out of service for the printer")
        self.figures.update(paper_to_metric_s=metric_s,
                            paper_to_kiosk_oos_screen_s=round(time.monotonic() - t0, 3))
        br.get(self.base + "/")
        alerts = br.find_element("id", "alerts").text
        self._save(br, "2-paper-out.png")
        shown = self._shown(b, "oos.printer") or {}
        self._step("2_paper_out", metric_before=before, metric_seconds=metric_s, interval=self.interval,
                   row=self._dom_row(br, b), alerts=alerts, kiosk_screen=shown)
        for what, took in (("the metric moved", metric_s), ("the console showed it red",
                                                             self.figures["paper_to_console_red_s"])):
            if took > self.interval:
                self.problems.append(f"step 2: {what} after {took} s, over one report interval "
                                     f"({self.interval:g} s)")
        if self._dom_row(br, b) != "st-fault":
            self.problems.append("step 2: kiosk-2 is not red in the console")
        if f"{b.kiosk_id} 用紙切れ" not in alerts:
            self.problems.append("step 2: no paper-out alert for kiosk-2")
        if not any(OOS_PHRASE in t for t in shown.get("texts", [])):
            self.problems.append("step 2: kiosk-2's screen does not say it is out of service")

        # 3. The operator takes kiosk-1 out of service from its page, in chromium.
        self._command(br, a, "out_of_service", reason="maintenance")
        took = self._until(lambda: self._shown(a, "oos.remote.maintenance") is not None,
                           self.interval + SCREEN_LIMIT, "kiosk-1's screen out of service")
        self.figures["button_to_kiosk_oos_screen_s"] = took
        self._until(lambda: self._row(a) == "st-out_of_service", self.interval + 10, "kiosk-1 listed out")
        br.get(f"{self.base}/kiosks/{a.kiosk_id}")
        self._save(br, "3-remote-out-of-service.png")
        shown = self._shown(a, "oos.remote.maintenance") or {}
        self._step("3_remote_out_of_service", seconds=took, kiosk_screen=shown,
                   status=br.find_element("id", "status").text)
        if not any(OOS_PHRASE in t for t in shown.get("texts", [])):
            self.problems.append(f"step 3: kiosk-1's screen does not say 「{OOS_PHRASE}」")

        # 4. Back in service from the console; then a resident is served at kiosk-1.
        n = len(a.transitions)
        self._command(br, a, "in_service")
        took = self._until(lambda: any(t["state"] == "attract" for t in a.transitions[n:]),
                           self.interval + SCREEN_LIMIT, "kiosk-1 back in service")
        self.figures["button_to_kiosk_in_service_s"] = took
        self._until(lambda: self._row(a) == "st-ok", self.interval + 10, "kiosk-1 listed ok again")
        br.get(f"{self.base}/kiosks/{a.kiosk_id}")
        self._save(br, "4-back-in-service.png")
        a.gate.touch()
        t0 = time.monotonic()
        self._until(lambda: a.done, 240, "kiosk-1's resident")
        self._step("4_back_in_service", seconds=took, transaction_seconds=round(time.monotonic() - t0, 3),
                   command_log=br.find_element("id", "command-log").text)
        br.get(self.base + "/")
        self._save(br, "5-after.png")

    def _latency(self) -> dict[str, float]:
        """The center's report timings so far (the histograms' sums and counts, every center process of
        this data directory): in the handler, at the TLS edge, and the handshakes."""
        m = self.http.metric
        return {"handler_sum": m("konbini_center_request_seconds_sum", route="kiosk_status"),
                "handler_n": m("konbini_center_request_seconds_count", route="kiosk_status"),
                "edge_sum": m("konbini_center_edge_seconds_sum", route="kiosk_status"),
                "edge_n": m("konbini_center_edge_seconds_count", route="kiosk_status"),
                "tls_sum": m("konbini_center_tls_handshake_seconds_sum"),
                "tls_n": m("konbini_center_tls_handshake_seconds_count")}

    def _latency_figures(self, a: dict[str, float], b: dict[str, float]) -> None:
        """Mean milliseconds per report (and per handshake) during the steps."""
        def mean(key: str) -> float:
            n = b[f"{key}_n"] - a[f"{key}_n"]
            return round(1000 * (b[f"{key}_sum"] - a[f"{key}_sum"]) / n, 2) if n else 0.0

        self.figures.update(reports=b["edge_n"] - a["edge_n"], report_handler_ms=mean("handler"),
                            report_edge_ms=mean("edge"), tls_handshakes=b["tls_n"] - a["tls_n"],
                            tls_handshake_ms=mean("tls"))

    def _row(self, k: KioskSetup) -> str | None:
        """The status class of the kiosk's row in the console's fleet table (over HTTPS)."""
        import re

        m = re.search(rf'<tr class="(st-[a-z_]+)" id="row-{re.escape(k.kiosk_id)}"',
                      self.http.get(f"/?q={k.kiosk_id}"))
        return m.group(1) if m else None

    def _dom_row(self, br: Any, k: KioskSetup) -> str:
        """The same, as chromium shows it."""
        classes = br.find_element("id", f"row-{k.kiosk_id}").get_attribute("class") or ""
        return next((c for c in classes.split() if c.startswith("st-")), "")

    def _command(self, br: Any, k: KioskSetup, kind: str, reason: str | None = None) -> None:
        """Press the command's button on the kiosk's page, and wait for the page it loads."""
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import Select, WebDriverWait

        br.get(f"{self.base}/kiosks/{k.kiosk_id}")
        if reason is not None:
            Select(br.find_element("id", "reason")).select_by_value(reason)
        button = br.find_element("id", f"cmd-{kind}")
        button.click()
        WebDriverWait(br, 30).until(ec.staleness_of(button))

    def _save(self, br: Any, name: str) -> None:
        br.save_screenshot(str(self.shots / name))

    def _finish(self, deadline: float) -> None:
        """Let the kiosk nobody used end (its gate), and wait for both processes to finish."""
        self.serving.gate.touch()
        self.paperless.gate.touch()
        if self.problems:  # no resident at a kiosk the steps left in an unknown state: stop both
            for k in (self.serving, self.paperless):
                k.proc.stop()
                k.new_records()
                k.error = k.error or "fleet step failed"
            return
        for k in (self.serving, self.paperless):
            while not k.done and k.proc.running and time.monotonic() < deadline:
                k.new_records()
                time.sleep(0.05)
            k.new_records()
            if k.proc.running:
                try:
                    k.proc.process.wait(15)
                except Exception:  # still running after its summary: stop it
                    k.proc.stop()
            if not k.done:
                k.error = k.error or "timeout"
