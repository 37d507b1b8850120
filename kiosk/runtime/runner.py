"""``Runner``: executes the flow's effects against injected devices, the center and the journal.

No Kivy here.  Four threads, one owner each (no shared mutable "current job", docs/architecture.md
"Where the real system failed"):

- the **flow thread** owns the ``Flow``: it takes events from one queue (UI taps via ``submit``,
  device results, ticks), feeds them to the flow, writes ``JournalOrder`` steps *before* anything
  else of the batch runs, handles the out-of-band effects (``AbortPrint``, ``CancelPayment``, sounds,
  wipe) at once, queues the rest for the worker and then calls ``on_view(view)``;
- the **worker** runs device and center effects strictly in order (``kiosk.runtime.executor``) and
  posts their results back as events tagged with the flow generation they were issued in (stale ones
  are dropped by the flow);
- the **ticker** posts ``Tick(now)`` and re-checks devices while the kiosk is out of service;
- the **card watch** turns the reader's presence changes into ``CardInserted`` / ``CardRemoved``.

The UI calls ``runner.submit(event)`` from its own thread and renders views in ``on_view`` (marshalled
to its main loop, e.g. Kivy's ``Clock.schedule_once``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from kiosk.devices import CardDeviceError, ReceiptHeader
from kiosk.flow import effects as fx
from kiosk.flow import events as evt
from kiosk.flow.errors import FlowUsageError
from kiosk.flow.faults import Fault
from kiosk.flow.machine import Flow
from kiosk.flow.states import State
from kiosk.flow.view import View
from kiosk.runtime import executor
from kiosk.runtime.executor import CenterApi, DeviceSet, ExecContext, JournalApi
from kiosk.runtime.print_rate import PrintRate

__all__ = ["Runner"]

log = logging.getLogger(__name__)


class _Stop:
    """Sentinel that ends a thread's loop."""


class _Call:
    """A function to run on the worker (device access stays on its one thread), with its result."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.future: Future[Any] = Future()


class Runner:
    """Drives a ``Flow`` with real (or simulated) devices.  Start with ``start()``, end with ``stop()``.

    :param flow: the state machine (owned by the runner's flow thread from ``start()`` on).
    :param devices: card, printer, cash device, optional receipt printer.
    :param center: a ``CenterClient``; ``is_unreachable(exc)`` tells transport failures from refusals.
    :param journal: the order journal (``kiosk.journal.Journal``).
    :param store_name: / ``store_code``: printed on the receipt (the kiosk id is its 端末番号).
    :param on_view: called on the flow thread with each new view.
    :param on_sound: called with ``(name, loop)`` to play, ``(None, False)`` to stop.
    :param on_receipt: called on the worker with each ``PrintReceipt`` effect (the service menu's
        ``IssueCounters``), whether or not a receipt printer is fitted.
    """

    def __init__(
        self, flow: Flow, devices: DeviceSet, center: CenterApi, journal: JournalApi, *, kiosk_id: str,
        store_name: str = "", store_code: str = "000000", on_view: Callable[[View], None] | None = None,
        on_sound: Callable[[str | None, bool], None] | None = None,
        on_receipt: Callable[[fx.PrintReceipt], None] | None = None,
        clock: Callable[[], float] = time.monotonic, tick_seconds: float = 0.25, health_seconds: float = 30.0,
        on_event: Callable[[evt.Event], None] | None = None,
    ) -> None:
        self.flow = flow
        self.devices = devices
        self.center = center
        self.journal = journal
        self.kiosk_id = kiosk_id
        self.store_name = store_name
        self.store_code = store_code
        self._on_view = on_view
        self._on_sound = on_sound
        self.on_receipt = on_receipt
        self._clock = clock
        self._tick = tick_seconds
        self._health = health_seconds
        self._events: queue.Queue[tuple[evt.Event, int | None] | _Stop] = queue.Queue()
        self._jobs: queue.Queue[tuple[fx.Effect | str | _Call, int, bool] | _Stop] = queue.Queue()
        self._abort_print = threading.Event()
        self.print_rate = PrintRate()  # the certificate printer's pace, in memory (kiosk.runtime.print_rate)
        self._cancel_payment = threading.Event()
        self._journal_lock = threading.Lock()
        self._card_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._running = threading.Event()
        self._busy = 0  # jobs queued or running (for wait_idle)
        self._busy_lock = threading.Condition()
        self._view: View = flow.view
        self._on_event = on_event  # sees every event posted to the flow (the health reporter's faults)
        self._companions: list[Any] = []  # threads started and stopped with the runner (attach)

    # --- public -------------------------------------------------------------------------------------

    @property
    def view(self) -> View:
        """The latest view (updated on the flow thread)."""
        return self._view

    def attach(self, companion: Any) -> None:
        """Start ``companion.start()`` after the runner's threads, ``companion.stop()`` before they
        stop (the health reporter)."""
        self._companions.append(companion)

    def submit(self, event: evt.Event) -> None:
        """Queue an event from the UI or a device (thread-safe)."""
        self._post(event, None)

    def start(self, *, ticker: bool = True) -> None:
        """Start the threads; runs the journal recovery and a device check first (on the worker)."""
        self._running.set()
        targets: list[tuple[str, Callable[[], None]]] = [("flow", self._flow_loop),
                                                         ("worker", self._worker_loop)]
        if ticker:
            targets += [("ticker", self._ticker_loop), ("card", self._card_loop)]
        for name, target in targets:
            t = threading.Thread(target=target, name=f"kiosk-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        self._enqueue("startup", self.flow.generation)
        for companion in self._companions:
            companion.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every thread (an in-flight print or payment is asked to stop first)."""
        for companion in self._companions:
            companion.stop()
        self._running.clear()
        self._abort_print.set()
        self._cancel_payment.set()
        self._events.put(_Stop())
        self._jobs.put(_Stop())
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def check_devices(self) -> None:
        """Re-check every device now (e.g. after the staff replenished paper); the result arrives as
        ``DevicesReady`` or a fault, which takes the kiosk out of (or back into) service."""
        self._enqueue("health", self.flow.generation)

    def call_on_worker(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` on the worker thread after the jobs queued before it (device access has one
        owner); the future holds its result or exception."""
        call = _Call(fn)
        self._jobs.put((call, self.flow.generation, False))
        return call.future

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no event or job is pending (tests and the HIL runner)."""
        deadline = time.monotonic() + timeout
        with self._busy_lock:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._busy_lock.wait(min(left, 0.05))
        return True

    # --- flow thread ------------------------------------------------------------------------------------

    def _flow_loop(self) -> None:
        while True:
            item = self._events.get()
            if isinstance(item, _Stop):
                return
            event, generation = item
            try:
                self._handle(event, generation)
            except Exception:  # a bug must not stop the kiosk's event loop; it is logged with its trace
                log.exception("flow thread: %s failed", type(event).__name__)
            finally:
                with self._busy_lock:
                    self._busy -= 1
                    self._busy_lock.notify_all()

    def _handle(self, event: evt.Event, generation: int | None) -> None:
        gen = self.flow.generation
        try:
            effects = self.flow.submit(event, generation=generation)
        except FlowUsageError as e:
            log.warning("flow refused %s: %s", type(event).__name__, e.code)
            return
        for effect in effects:
            self._dispatch(effect, gen)
        self._view = self.flow.view
        if self._on_view is not None:
            self._on_view(self._view)

    def _dispatch(self, effect: fx.Effect, gen: int) -> None:
        if isinstance(effect, fx.JournalOrder):
            self._journal(effect.order_id, effect.step, effect.amount, effect.pages)
        elif isinstance(effect, fx.AbortPrint):
            self._abort_print.set()
        elif isinstance(effect, fx.CancelPayment):
            self._cancel_payment.set()
        elif isinstance(effect, fx.PlaySound):
            self._sound(effect.name, effect.loop)
        elif isinstance(effect, fx.StopSound):
            self._sound(None, False)
        elif isinstance(effect, fx.RecordEvent):
            log.warning("kiosk event: %s", effect.name)  # a name only: nothing about the resident
        elif isinstance(effect, fx.WipeResident):
            self._enqueue("wipe", gen)
        elif isinstance(effect, fx.CheckDevices):
            self._enqueue("health", gen)
        else:
            if isinstance(effect, fx.Print):
                self._abort_print.clear()
            if isinstance(effect, fx.StartPayment):
                self._cancel_payment.clear()
            self._enqueue(effect, gen)

    def _journal(self, order_id: str, step: str, amount: int = 0, pages: int = 0) -> bool:
        try:
            with self._journal_lock:
                if step == "owed":  # a refund the cash device could not pay: staff settle it
                    self.journal.settle_owed(order_id, amount, completed=False)
                else:
                    self.journal.record(order_id, step, amount, pages)
            return True
        except Exception as e:  # JournalError or storage failure: stop taking money (oos.journal)
            log.error("journal: cannot record %s for an order: %s", step, e)
            self._post(evt.DeviceFault("journal", Fault.JOURNAL_ERROR), None)
            return False

    def _sound(self, name: str | None, loop: bool) -> None:
        if self._on_sound is not None:
            try:
                self._on_sound(name, loop)
            except Exception:  # a sound is never worth stopping a transaction for
                log.exception("sound callback failed")

    def _enqueue(self, job: fx.Effect | str | _Call, gen: int) -> None:
        # Waiting for the resident's coins is not work in progress: wait_idle() must not wait for it.
        counted = not isinstance(job, fx.StartPayment)
        if counted:
            with self._busy_lock:
                self._busy += 1
        self._jobs.put((job, gen, counted))

    def _post(self, event: evt.Event, gen: int | None) -> None:
        """Queue an event for the flow thread; counted as pending work until it is handled."""
        with self._busy_lock:
            self._busy += 1
        self._events.put((event, gen))
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # an observer must never stop the kiosk
                log.exception("event observer failed")

    # --- worker -------------------------------------------------------------------------------------

    def _worker_loop(self) -> None:
        while True:
            item = self._jobs.get()
            if isinstance(item, _Stop):
                return
            job, gen, counted = item
            try:
                if isinstance(job, _Call):
                    try:
                        job.future.set_result(job.fn())
                    except Exception as e:  # handed to the caller, who decides
                        job.future.set_exception(e)
                elif isinstance(job, str):
                    self._internal(job, gen)
                else:
                    self._run(job, gen)
            except Exception:  # an adapter bug: report it as that device's fault, keep the kiosk alive
                log.exception("worker: %s failed", type(job).__name__ if not isinstance(job, str) else job)
                fault = None if isinstance(job, (str, _Call)) else executor.fallback_fault(job)
                if fault is not None:
                    self._post(fault, gen)
            finally:
                if counted:
                    with self._busy_lock:
                        self._busy -= 1
                        self._busy_lock.notify_all()

    def _context(self, gen: int | None) -> ExecContext:
        def record(order_id: str, step: str) -> bool:
            return self._journal(order_id, step)

        return ExecContext(
            devices=self.devices, center=self.center, kiosk_id=self.kiosk_id,
            receipt_header=ReceiptHeader(self.store_name or "コンビニ交付", self.store_code, self.kiosk_id),
            post=lambda event: self._post(event, gen), record=record, card_lock=self._card_lock,
            print_aborted=self._abort_print.is_set, payment_cancelled=self._cancel_payment.is_set,
            on_receipt=self.on_receipt, print_rate=self.print_rate)

    def _run(self, effect: fx.Effect, gen: int) -> None:
        for event in executor.run(self._context(gen), effect):
            self._post(event, gen)

    def _internal(self, job: str, gen: int) -> None:
        if job == "wipe":
            with self._card_lock:
                self.devices.card.release()
        elif job in ("startup", "health"):
            for event in executor.health(self._context(None), self.journal, self._journal_lock):
                self._post(event, None)

    # --- ticker and card watch -------------------------------------------------------------------------

    def _ticker_loop(self) -> None:
        last_health = self._clock()
        while self._running.is_set():
            now = self._clock()
            self._post(evt.Tick(now), None)
            if self.flow.state is State.OUT_OF_SERVICE and now - last_health >= self._health:
                last_health = now
                self._enqueue("health", self.flow.generation)
            time.sleep(self._tick)

    def _card_loop(self) -> None:
        """Turn the reader's presence changes into CardInserted / CardRemoved events."""
        present: bool | None = None
        failed = False
        while self._running.is_set():
            try:
                now_present = bool(self.devices.card.wait_for_change(present, self._tick))
            except Exception as e:  # CardDeviceError (reader gone) or an adapter bug: both stop the kiosk
                if not failed:
                    if isinstance(e, CardDeviceError):
                        log.warning("card reader: %s", e.code)
                    else:
                        log.exception("card watch failed")
                    self._post(evt.DeviceFault("card", Fault.READER_OFFLINE), None)
                failed = True
                time.sleep(self._tick)
                continue
            failed = False
            if now_present != present:
                self._post(evt.CardInserted() if now_present else evt.CardRemoved(), None)
            present = now_present
