"""The kiosk's health reports to the center, and the operators' commands in their answers.

A ``HealthReporter`` thread reports (``POST /v1/kiosks/status``, docs/center.md "Fleet operations") at
start-up, whenever the kiosk's state changes (a device, in/out of service) and every
``health.report_seconds`` otherwise.  It watches the state once a second; device status is queried on
the runner's worker (``Runner.call_on_worker``), the one thread that uses the devices, so a report never
talks to a printer in the middle of a print job: while the worker is busy the last known states stand,
refined by the faults the flow has seen (``note_event``).

A report holds device states, counters of certificates issued, error *codes* and the version: nothing
about any resident.  Commands are applied through the flow (``RemoteService`` events; the test page
only where ``kiosk.flow.remote.may_print_test_page`` says so), each id at most once, and acknowledged in
the next report, which is sent at once.
"""

from __future__ import annotations

import collections
import importlib.metadata
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from kiosk.devices import DeviceStatus
from kiosk.flow import events as evt
from kiosk.flow.faults import Fault
from kiosk.flow.remote import may_print_test_page
from kiosk.flow.states import State

__all__ = [
    "HealthReporter",
    "Snapshot",
    "device_snapshot",
    "printer_state",
    "runner_apply",
    "runner_snapshot",
    "software_version",
]

log = logging.getLogger(__name__)

# What a fault the flow saw says about the device's state (the status query says only "fault").
_FAULT_STATE: dict[Fault, tuple[str, str]] = {
    Fault.PRINTER_PAPER_END: ("printer", "paper_end"),
    Fault.PRINTER_COVER_OPEN: ("printer", "cover_open"),
    Fault.PRINTER_OFFLINE: ("printer", "offline"),
    Fault.PRINTER_TIMEOUT: ("printer", "offline"),
    Fault.PRINTER_ERROR: ("printer", "error"),
    Fault.READER_OFFLINE: ("reader", "offline"),
    Fault.PAYMENT_OFFLINE: ("cash_box", "offline"),
    Fault.PAYMENT_JAM: ("cash_box", "error"),
    Fault.PAYMENT_ERROR: ("cash_box", "error"),
}
_FAULT_CODES = frozenset(f.value for f in Fault)
_PRINTER_DETAIL = {"paper_end", "cover_open", "offline", "error", "paper_near_end"}
_REASONS = ("maintenance", "inspection", "store_request")


@dataclass(frozen=True)
class Snapshot:
    """The kiosk's state as reported (the fields of the report without the bookkeeping)."""

    reader: str = "ok"
    printer: str = "ok"
    receipt_printer: str | None = None
    cash_box: str = "ok"
    in_service: bool = True
    reason: str | None = None
    counters: Mapping[str, int] = field(default_factory=dict)


def software_version() -> str:
    """The installed package's version (what the operators see per kiosk)."""
    try:
        return importlib.metadata.version("konbini-kiosk")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def printer_state(state: DeviceStatus, detail: str | None) -> str:
    """A printer's status query → a report state (a fault without detail is ``error``)."""
    if state is DeviceStatus.OK:
        return "ok"
    if state is DeviceStatus.WARNING:
        return "paper_near_end"
    if state is DeviceStatus.UNKNOWN:
        return "offline"
    return detail if detail in _PRINTER_DETAIL else "error"


def _cash_state(state: DeviceStatus) -> str:
    return {DeviceStatus.OK: "ok", DeviceStatus.WARNING: "change_low", DeviceStatus.FAULT: "error"}.get(
        state, "offline"
    )


def device_snapshot(backend: Any) -> dict[str, str | None]:
    """Query every device through the service backend (``kiosk.adapters.backend.DeviceBackend``).
    Run it on the runner's worker."""
    reader = backend.reader_line()
    out: dict[str, str | None] = {"reader": "ok" if reader.state == "ok" else "offline"}
    q = backend.printer.query()
    out["printer"] = printer_state(q.state, q.detail)
    if backend.receipt is not None:
        r = backend.receipt.query()
        out["receipt_printer"] = printer_state(r.state, r.detail)
    try:
        out["cash_box"] = _cash_state(backend.cash.status())
    except Exception as e:  # a cash device that cannot answer is not "ok"
        log.warning("health: cash status %s", getattr(e, "code", type(e).__name__))
        out["cash_box"] = "offline"
    return out


class HealthReporter:
    """Reports the kiosk's health; applies the operators' commands.

    :param send: sends one report body, returns the commands of the answer (``CenterClient.report_status``).
    :param snapshot: the kiosk's state now (cheap: called every ``watch`` seconds).
    :param apply: applies one command ``{"id", "kind", "reason"?}``; returns whether it was applied.
    :param interval: seconds between reports when nothing changes (``health.report_seconds``).
    """

    def __init__(
        self,
        send: Callable[[dict[str, Any]], list[dict[str, Any]]],
        snapshot: Callable[[], Snapshot],
        apply: Callable[[Mapping[str, Any]], bool],
        *,
        interval: float,
        version: str,
        clock: Callable[[], float] = time.monotonic,
        watch: float = 1.0,
        on_report: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._send = send
        self._snapshot = snapshot
        self._apply = apply
        self.interval = interval
        self.version = version
        self._clock = clock
        self._watch = watch
        self._on_report = on_report  # sees every report built for sending (the local metrics)
        self._started = clock()
        self._errors: collections.deque[dict[str, Any]] = collections.deque(maxlen=10)
        self._applied: list[dict[str, str]] = []
        self._done: collections.OrderedDict[str, None] = collections.OrderedDict()  # ids applied, bounded
        self._wake = threading.Event()
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.faults: dict[str, str] = {}  # device → state from the last fault the flow saw
        self.sent = 0
        self.failures = 0
        self.last_latency: float | None = None

    # -- inputs ------------------------------------------------------------------------------------------
    def note_event(self, event: evt.Event) -> None:
        """The runner's event observer: faults become ``last_errors`` and refine device states."""
        code: Fault | None = None
        if isinstance(event, evt.DevicesPolled):
            self._note_polled(event)
            return
        if isinstance(event, (evt.DeviceFault, evt.PrinterFault, evt.PaymentFault)):
            code = event.code
        elif isinstance(event, evt.DevicesReady):
            with self._lock:
                self.faults.clear()
            self._wake.set()
            return
        if code is None:
            return
        with self._lock:
            self._errors.append({"at": round(self._clock() - self._started, 3), "code": str(code)})
            if code in _FAULT_STATE:
                device, state = _FAULT_STATE[code]
                self.faults[device] = state
        self._wake.set()

    def _note_polled(self, event: evt.DevicesPolled) -> None:
        """The idle poll's faults refine the device states at once (the status query may be 5 s old);
        each new one is a last error once, not once per poll."""
        changed = False
        with self._lock:
            for code in event.faults:
                fault = Fault(code) if code in _FAULT_CODES else None
                if fault is None or fault not in _FAULT_STATE:
                    continue
                device, state = _FAULT_STATE[fault]
                if self.faults.get(device) != state:
                    self.faults[device] = state
                    self._errors.append({"at": round(self._clock() - self._started, 3), "code": code})
                    changed = True
        if changed:
            self._wake.set()

    def poke(self) -> None:
        """Report now (e.g. a device changed)."""
        self._wake.set()

    # -- reporting ----------------------------------------------------------------------------------------
    def build(self, snap: Snapshot) -> dict[str, Any]:
        with self._lock:
            faults = dict(self.faults)
            errors = list(self._errors)
            applied = list(self._applied)
        devices: dict[str, str | None] = {"reader": snap.reader, "printer": snap.printer,
                                          "receipt_printer": snap.receipt_printer, "cash_box": snap.cash_box}
        for device, state in faults.items():
            # A fault seen since the last passing check outranks a query that saw no fault (or only
            # "error"); a query naming a specific fault stands.
            if devices.get(device) in ("ok", "error", "paper_near_end", "near_full", "change_low"):
                devices[device] = state
        return {
            **devices,
            "in_service": snap.in_service,
            "reason": snap.reason,
            "counters": dict(snap.counters),
            "version": self.version,
            "uptime": round(self._clock() - self._started, 3),
            "last_errors": errors,
            "applied": applied,
        }

    def report_once(self, snap: Snapshot | None = None) -> bool:
        """Send one report now and apply the commands of the answer; False when it could not be sent."""
        body = self.build(snap if snap is not None else self._snapshot())
        if self._on_report is not None:
            self._on_report(body)
        t0 = time.monotonic()
        try:
            commands = self._send(body)
        except Exception as e:  # center down or refused: logged by code, retried at the next interval
            self.failures += 1
            log.warning("health report not sent: %s", getattr(e, "code", type(e).__name__))
            return False
        self.last_latency = time.monotonic() - t0
        self.sent += 1
        with self._lock:
            del self._applied[: len(body["applied"])]
        for cmd in commands:
            self._command(cmd)
        return True

    def _command(self, cmd: Mapping[str, Any]) -> None:
        cid = str(cmd.get("id", ""))
        if not cid or cid in self._done:
            return
        try:
            ok = self._apply(cmd)
        except Exception:  # a bad command must not stop the reports
            log.exception("remote command %s failed", cmd.get("kind"))
            ok = False
        log.info("remote command %s %s", cmd.get("kind"), "applied" if ok else "refused")
        self._done[cid] = None
        while len(self._done) > 100:
            self._done.popitem(last=False)
        with self._lock:
            self._applied.append({"id": cid, "result": "ok" if ok else "refused"})
            del self._applied[:-20]
        self._wake.set()  # acknowledge (and show the new state) at once

    # -- thread ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._running.set()
        self._thread = threading.Thread(target=self._loop, name="kiosk-health", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._running.clear()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        last: dict[str, Any] | None = None
        last_at = float("-inf")
        while self._running.is_set():
            try:
                snap = self._snapshot()
                state = self.build(snap)
                changed = last is None or any(state[k] != last[k] for k in _STATE_KEYS)
                if changed or state["applied"] or self._clock() - last_at >= self.interval:
                    if self.report_once(snap):
                        last, last_at = state, self._clock()
                    else:
                        last_at = self._clock()  # retry at the next interval, not in a tight loop
            except Exception:  # the reporter must never die
                log.exception("health reporter failed")
            self._wake.wait(self._watch)
            self._wake.clear()


_STATE_KEYS = ("reader", "printer", "receipt_printer", "cash_box", "in_service", "reason")


def runner_apply(runner: Any, backend: Any) -> Callable[[Mapping[str, Any]], bool]:
    """Commands → the flow's events (``RemoteService``) or a test page on the worker."""

    def apply(cmd: Mapping[str, Any]) -> bool:
        kind = cmd.get("kind")
        if kind == "out_of_service":
            reason = cmd.get("reason", "maintenance")
            if reason not in _REASONS:
                return False
            runner.submit(evt.RemoteService(in_service=False, reason=reason))
            return True
        if kind == "in_service":
            runner.submit(evt.RemoteService(in_service=True))
            return True
        if kind == "test_page":
            if not may_print_test_page(runner.flow.state):
                return False
            line = runner.call_on_worker(backend.test_print).result(timeout=120)
            return bool(line.state == "ok")
        return False

    return apply


def runner_snapshot(
    runner: Any, backend: Any, *, timeout: float = 2.0, query_every: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], Snapshot]:
    """The kiosk's state: devices queried on the worker at most every ``query_every`` seconds (a status
    query opens the printer's link; last known states while the worker is busy), the flow's service
    state at every call, and today's issue counters."""
    known: dict[str, str | None] = {}
    last = [float("-inf")]

    def snapshot() -> Snapshot:
        if clock() - last[0] >= query_every:
            last[0] = clock()
            future = runner.call_on_worker(lambda: device_snapshot(backend))
            try:
                known.update(future.result(timeout=timeout))
            except FutureTimeout:
                pass  # the worker is printing or paying: keep the last known states
            except Exception as e:
                log.warning("health: device query failed: %s", getattr(e, "code", type(e).__name__))
        state = runner.flow.state
        out = state is State.OUT_OF_SERVICE
        counters: dict[str, int] = {}
        days = backend.counters.by_day(1)
        for _, per in days[:1]:
            counters = {f"issued_{k}": int(v) for k, v in per.items()}
        return Snapshot(
            reader=str(known.get("reader") or "ok"),
            printer=str(known.get("printer") or "ok"),
            receipt_printer=known.get("receipt_printer"),
            cash_box=str(known.get("cash_box") or "ok"),
            in_service=not out,
            reason=runner.flow.context.message_key if out else None,
            counters=counters,
        )

    return snapshot
