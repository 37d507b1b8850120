"""The transaction flow: a pure, table-driven state machine (no Kivy, no I/O).

``Flow.submit(event) -> list[Effect]`` and ``Flow.view -> View``; see docs/kiosk-flow.md.
"""

from kiosk.flow.context import Context
from kiosk.flow.errors import (
    CenterDataError,
    FlowError,
    FlowUsageError,
    IllegalEventError,
    InvalidChoiceError,
)
from kiosk.flow.events import Event
from kiosk.flow.machine import Flow
from kiosk.flow.services import Member, Municipality, Option, Service, parse_municipalities
from kiosk.flow.settings import FlowSettings, Timeouts
from kiosk.flow.states import State
from kiosk.flow.view import Choice, View

__all__ = [
    "CenterDataError",
    "Choice",
    "Context",
    "Event",
    "Flow",
    "FlowError",
    "FlowSettings",
    "FlowUsageError",
    "IllegalEventError",
    "InvalidChoiceError",
    "Member",
    "Municipality",
    "Option",
    "Service",
    "State",
    "Timeouts",
    "View",
    "parse_municipalities",
]
