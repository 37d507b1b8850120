"""Typed errors of the transaction flow (all under ``kiosk.errors.KioskError``).

``FlowUsageError`` means the caller misused the machine (a wiring bug, h11's LocalProtocolError);
the machine's state is unchanged when one is raised.  ``CenterDataError`` means the center's answer
did not have the documented shape.
"""

from __future__ import annotations

from kiosk.errors import KioskError

__all__ = ["CenterDataError", "FlowError", "FlowUsageError", "IllegalEventError", "InvalidChoiceError"]


class FlowError(KioskError):
    """Root of the flow's errors."""

    code = "flow_error"


class FlowUsageError(FlowError, ValueError):
    """The caller fed something the flow cannot accept; nothing changed."""

    code = "flow_usage"


class IllegalEventError(FlowUsageError):
    """A device or center event arrived in a state that never expects it (see docs/kiosk-flow.md)."""

    code = "flow_illegal_event"


class InvalidChoiceError(FlowUsageError):
    """A selection event named something the current screen does not offer."""

    code = "flow_invalid_choice"


class CenterDataError(FlowError, ValueError):
    """The center's answer lacks a key or has a wrong type (the message names the key path)."""

    code = "center_bad_answer"
