"""Prometheus metrics of the center (prometheus_client), exposed on the ops listener at ``/metrics``.

The API runs in one or more ``serve`` processes (``--reuse-port``), the console in the ``ops`` process:
the API's counters and latency histogram use prometheus_client's multiprocess mode, with their files
in ``DATA/metrics`` (``PROMETHEUS_MULTIPROC_DIR``), and the ops listener sums them
(``MultiProcessCollector``).  What the database knows (kiosks by status, orders by state) and the CRL's
age are computed at scrape time by ``FleetCollector``, so they are right whichever process changed them.

Labels are route names, stable error codes and statuses only: never an id of a resident or an order.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["ApiMetrics", "FleetCollector", "ops_registry"]

log = logging.getLogger(__name__)
ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ApiMetrics:
    """Counters and the latency histogram of the API (one per ``serve`` process)."""

    def __init__(self, data_dir: Path) -> None:
        path = data_dir / "metrics"
        path.mkdir(parents=True, exist_ok=True)
        if "prometheus_client" in sys.modules and os.environ.get(ENV) != str(path):
            # The value class is chosen when prometheus_client is first imported: too late for files.
            log.warning("prometheus_client already imported: API metrics stay in this process")
        else:
            os.environ[ENV] = str(path)
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()  # not the global one: nothing else of this process is exported
        self.requests = Counter(
            "konbini_center_requests",
            "API requests by route and outcome (ok or the stable error code)",
            ["route", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "konbini_center_request_seconds",
            "time in the API handler by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        # The same request measured at the TLS edge (server_stub.httpserver): from its first decrypted
        # byte to its answer drained to the socket, so the worker queue and the write are in it.
        self.edge = Histogram(
            "konbini_center_edge_seconds",
            "time from a request's first byte through TLS to its answer written, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.handshake = Histogram(
            "konbini_center_tls_handshake_seconds",
            "mutual-TLS handshakes of the API listener (one per new connection)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, route: str, code: str, seconds: float) -> None:
        self.requests.labels(route, code).inc()
        self.latency.labels(route).observe(seconds)


class FleetCollector:
    """Kiosks by status, orders by state and the CRL's age, read at scrape time."""

    def __init__(
        self,
        overview: Callable[[], list[Any]],
        orders: Callable[[], dict[str, int]],
        crl_age: Callable[[], tuple[float, bool]],
    ) -> None:
        self._overview = overview
        self._orders = orders
        self._crl = crl_age

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from server_stub.fleet import STATUSES

        views = self._overview()
        g = GaugeMetricFamily("konbini_kiosks", "kiosks by status", labels=["status"])
        for s in STATUSES:
            g.add_metric([s], sum(1 for v in views if v.status == s))
        yield g
        dev = GaugeMetricFamily(
            "konbini_kiosk_devices", "kiosk devices by state (latest reports)", labels=["device", "state"]
        )
        counts: dict[tuple[str, str], int] = {}
        for v in views:
            if v.report is None:
                continue
            for d in ("reader", "printer", "receipt_printer", "cash_box"):
                if v.report.get(d) is not None:
                    counts[(d, v.report[d])] = counts.get((d, v.report[d]), 0) + 1
        for (d, st), n in sorted(counts.items()):
            dev.add_metric([d, st], n)
        yield dev
        o = GaugeMetricFamily("konbini_center_orders", "orders by state", labels=["state"])
        for state, n in sorted(self._orders().items()):
            o.add_metric([state], n)
        yield o
        age, stale = self._crl()
        yield GaugeMetricFamily(
            "konbini_center_crl_age_seconds",
            "seconds since the CRL was issued",
            value=age if age != float("inf") else -1,
        )
        yield GaugeMetricFamily(
            "konbini_center_crl_stale", "1 when the CRL is past its nextUpdate", value=1 if stale else 0
        )


def ops_registry(data_dir: Path, fleet: FleetCollector) -> Any:
    """The ops listener's registry: the API processes' metrics plus the fleet's."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    path = data_dir / "metrics"
    path.mkdir(parents=True, exist_ok=True)
    reg = CollectorRegistry()
    MultiProcessCollector(reg, path=str(path))  # type: ignore[no-untyped-call]
    reg.register(fleet)  # type: ignore[arg-type]  # a collector by protocol (collect())
    return reg


def now() -> float:
    return time.time()
