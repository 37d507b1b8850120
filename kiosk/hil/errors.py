"""Typed errors of the HIL runner."""

from __future__ import annotations

from kiosk.errors import KioskError

__all__ = ["HilError", "ServiceStartError", "StepError"]


class HilError(KioskError):
    """Root of the HIL runner's errors."""

    code = "hil_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ServiceStartError(HilError):
    """A part of the chain did not start or did not become ready in time."""

    code = "service_start_failed"


class StepError(HilError):
    """A scenario step could not be carried out (state never reached, button not on screen)."""

    code = "step_failed"
