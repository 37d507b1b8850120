"""The kiosk's Prometheus metrics on a local port (``health.metrics_port``, off by default).

- ``konbini_kiosk_step_seconds{step}``: time spent in each flow state (the steps of a transaction);
- ``konbini_kiosk_device_state{device,state}``: 1 for each device's current state (from the health
  reporter's latest report), 0 for the others;
- ``konbini_kiosk_pages_printed_total``: certificate pages printed;
- ``konbini_kiosk_faults_total{code}``: faults the flow saw, by code.

A registry of its own (not prometheus_client's global one), bound to 127.0.0.1: it is read by a local
agent, never exposed to the store's network.  Labels are states and codes only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from kiosk.flow import events as evt
from kiosk.flow.view import View

__all__ = ["KioskMetrics"]

_DEVICE_STATES = {
    "reader": ("ok", "paper_near_end", "paper_end", "cover_open", "offline", "error"),
    "printer": ("ok", "paper_near_end", "paper_end", "cover_open", "offline", "error"),
    "receipt_printer": ("ok", "paper_near_end", "paper_end", "cover_open", "offline", "error"),
    "cash_box": ("ok", "near_full", "full", "change_low", "offline", "error"),
}
_STEP_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


class KioskMetrics:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        self.steps = Histogram(
            "konbini_kiosk_step_seconds",
            "time spent in each flow state",
            ["step"],
            buckets=_STEP_BUCKETS,
            registry=self.registry,
        )
        self.devices = Gauge(
            "konbini_kiosk_device_state",
            "1 for each device's current state",
            ["device", "state"],
            registry=self.registry,
        )
        self.pages = Counter(
            "konbini_kiosk_pages_printed", "certificate pages printed", registry=self.registry
        )
        self.faults = Counter(
            "konbini_kiosk_faults", "faults seen by the flow", ["code"], registry=self.registry
        )
        self._state: str | None = None
        self._since = clock()
        self._lock = threading.Lock()
        self._server: Any = None

    def on_view(self, view: View) -> None:
        """Called with every new view: a state change closes the previous step."""
        now = self._clock()
        with self._lock:
            name = view.state.name.lower()
            if name == self._state:
                return
            if self._state is not None:
                self.steps.labels(self._state).observe(now - self._since)
            self._state, self._since = name, now

    def on_event(self, event: evt.Event) -> None:
        if isinstance(event, evt.PrintProgress):
            self.pages.inc()
        elif isinstance(event, (evt.DeviceFault, evt.PrinterFault, evt.PaymentFault)):
            self.faults.labels(str(event.code)).inc()

    def on_report(self, report: Mapping[str, Any]) -> None:
        for device, states in _DEVICE_STATES.items():
            current = report.get(device)
            for s in states:
                self.devices.labels(device, s).set(1 if s == current else 0)

    def serve(self, port: int) -> int:
        """Expose on 127.0.0.1:``port`` (0: any free port); returns the port."""
        server, _thread = start_http_server(port, addr="127.0.0.1", registry=self.registry)
        self._server = server
        return int(server.server_port)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
