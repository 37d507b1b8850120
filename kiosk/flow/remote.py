"""Operators' remote commands (docs/kiosk-flow.md "Remote commands"): pure decisions of the flow.

The center answers a health report with commands (kiosk.runtime.health_report applies them):

- out of service with a reason: at once when no resident is being served, else when the current
  transaction ends (as a device fault does); the notice 「…ただいまご利用いただけません。」 names the
  reason.  The hold survives the runner's device re-checks (``Context.held_oos``): only an operator's
  "back in service" or the staff at the kiosk (service menu, in service) ends it;
- back in service: the hold ends, and the devices are checked (``CheckDevices``) before residents are
  served again, so that a kiosk with a fault stays out of service for that fault;
- a test page: only when no resident is being served (``may_print_test_page``).
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.flow import events as evt
from kiosk.flow._common import Env, go, stay
from kiosk.flow.context import Context, Outcome
from kiosk.flow.effects import CheckDevices
from kiosk.flow.states import State

__all__ = ["REMOTE_OOS_KEYS", "may_print_test_page", "remote_service"]

REMOTE_OOS_KEYS = {
    "maintenance": "oos.remote.maintenance",
    "inspection": "oos.remote.inspection",
    "store_request": "oos.remote.store_request",
}
_IDLE = frozenset({State.ATTRACT, State.OUT_OF_SERVICE})


def may_print_test_page(state: State) -> bool:
    """A test page uses the certificate printer: never while a resident may need it."""
    return state in _IDLE


def remote_service(env: Env, ctx: Context, ev: evt.RemoteService) -> Outcome:
    if not ev.in_service:
        key = REMOTE_OOS_KEYS[ev.reason]
        held = replace(ctx, held_oos=key)
        if env.state in _IDLE:
            return go(env, held, State.OUT_OF_SERVICE, message_key=key)
        return stay(env, held, pending_oos=key)
    was = ctx.held_oos
    free = replace(ctx, held_oos=None)
    if env.state is State.OUT_OF_SERVICE:
        return stay(env, free, CheckDevices())
    if was is not None and ctx.pending_oos == was:
        return stay(env, free, pending_oos=None)
    return stay(env, free)
