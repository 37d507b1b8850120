"""How the UI talks to the flow: ``FlowPort`` (a Protocol the runner implements) and ``LocalPort``.

The screens call ``port.submit(event)`` and re-render when ``port`` calls their listener with a new
``View`` (Electrum's ``trigger_callback`` → ``Clock.schedule_once``, docs/style.md §1).  ``LocalPort`` runs
the real ``kiosk.flow.Flow`` in process and hands every effect to an ``EffectHandler`` (the simulated
devices of ``kiosk.simulated_devices`` or a test's fakes), feeding the events they answer back in order.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

from kiosk.flow import Flow, FlowError, View
from kiosk.flow import events as evt
from kiosk.flow.effects import Effect

__all__ = ["EffectHandler", "FlowPort", "LocalPort", "ViewListener"]

log = logging.getLogger(__name__)

ViewListener = Callable[[View], None]


class FlowPort(Protocol):
    """What the UI needs: the current view, a way to send events, and change notifications.

    ``subscribe``'s listener may be called from any thread; the UI re-schedules onto its own.
    """

    @property
    def view(self) -> View: ...

    def submit(self, event: evt.Event) -> None: ...

    def subscribe(self, listener: ViewListener) -> None: ...


class EffectHandler(Protocol):
    def __call__(self, effect: Effect) -> Iterable[evt.Event]: ...


class LocalPort:
    """The real flow plus an effect handler, synchronously, on the caller's thread (tests, demo).

    The language bar's ``ChooseLanguage`` is handled by the flow on every resident screen, exactly as
    on the ``Runner``: the port adds nothing of its own to the view.
    """

    def __init__(self, flow: Flow, handler: EffectHandler | None = None) -> None:
        self._flow = flow
        self._handler = handler
        self._listeners: list[ViewListener] = []
        self._queue: deque[evt.Event] = deque()
        self._busy = False
        self.effects: list[Effect] = []  # everything the flow asked for (tests assert on it)

    @property
    def flow(self) -> Flow:
        return self._flow

    @property
    def view(self) -> View:
        return self._flow.view

    def subscribe(self, listener: ViewListener) -> None:
        self._listeners.append(listener)

    def submit(self, event: evt.Event) -> None:
        """Feed one event and every event its effects produce, then notify the listeners once.

        Flow errors (an illegal or invalid event) are logged and dropped: a stray tap must never crash
        the kiosk, and the flow's state is unchanged by them (kiosk/flow/machine.py).
        """
        self._queue.append(event)
        if self._busy:
            return
        self._busy = True
        try:
            while self._queue:
                self._one(self._queue.popleft())
        finally:
            self._busy = False
        view = self.view
        for listener in list(self._listeners):
            listener(view)

    def _one(self, event: evt.Event) -> None:
        try:
            effects = self._flow.submit(event)
        except FlowError as e:
            log.warning("flow rejected %s: %s", type(event).__name__, e.code)
            return
        self.effects.extend(effects)
        if self._handler is not None:
            for effect in effects:
                self._queue.extend(self._handler(effect))
