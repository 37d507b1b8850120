"""The idle kiosk's device poll (docs/kiosk-flow.md "Idle device poll"): pure decisions of the flow.

Where no resident is served (ATTRACT, OUT_OF_SERVICE) the flow asks every ``Timeouts.device_check``
seconds for a ``PollDevices`` (the runner queries the printers and the cash device on its worker, no
center call) and decides on the answer, ``DevicesPolled``:

- ATTRACT and a fault that stops the kiosk (paper end, cover open, printer offline, ...): out of
  service at once, with the notice residents read (``oos.printer``, ``oos.payment``), before anyone
  pays for a certificate the printer could not print;
- OUT_OF_SERVICE for a device reason, not held by an operator, and the poll finds no fault: the full
  check runs (``CheckDevices``: devices, reader, center), and its ``DevicesReady`` brings the kiosk
  back, so a refilled printer needs no restart;
- OUT_OF_SERVICE, not held, and the poll finds a fault: the notice names it (the paper ran out on a
  kiosk that was out of service for the center: the residents read about the printer);
- an operator's hold (``Context.held_oos``) is never ended by a poll: a device that recovers does not
  end a remote out-of-service, and ``_ready`` keeps the hold even when the full check passes;
- a poll answered after a resident started (the tap came first) only marks the fault as pending, as a
  device fault does: the transaction ends, then the kiosk stops.
"""

from __future__ import annotations

from kiosk.flow import events as evt
from kiosk.flow._common import Env, go, stay
from kiosk.flow.codes import OUT_OF_SERVICE_KEYS, out_of_service_key
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import CheckDevices, PollDevices
from kiosk.flow.states import State

__all__ = ["DEVICE_OOS_KEYS", "device_check", "devices_polled"]

# The notices a poll can find the cause of (and so see go away): the printers' and the cash device's.
DEVICE_OOS_KEYS = frozenset({OUT_OF_SERVICE_KEYS["printer"], OUT_OF_SERVICE_KEYS["payment"],
                             OUT_OF_SERVICE_KEYS["receipt"]})


def device_check(env: Env, ctx: Context, ev: evt.Timeout) -> Outcome:
    """``Timeout("device_check")``: poll now, and not again before ``device_check`` seconds."""
    if env.state not in (State.ATTRACT, State.OUT_OF_SERVICE):
        return stay(env, ctx)
    return stay(env, ctx, PollDevices(), checked_at=env.now)


def devices_polled(env: Env, ctx: Context, ev: evt.DevicesPolled) -> Outcome:
    oos = next((k for k in map(out_of_service_key, ev.faults) if k is not None), None)
    if env.state is State.ATTRACT:
        return stay(env, ctx) if oos is None else go(env, ctx, State.OUT_OF_SERVICE, message_key=oos)
    if env.state is State.OUT_OF_SERVICE:
        if ctx.held_oos is not None:
            return stay(env, ctx)
        if oos is None:
            return stay(env, ctx, CheckDevices()) if ctx.message_key in DEVICE_OOS_KEYS else stay(env, ctx)
        return stay(env, ctx, message_key=oos)  # the notice says what is wrong now
    if oos is None or env.state in (State.SERVICE_LOGIN, State.SERVICE_MENU):
        return stay(env, ctx)
    return stay(env, ctx, pending_oos=oos)
