"""Kiosk integration fixtures: the real center stub, pcscd + vpcd with a virtual card, the printer
emulator (tests/fixtures/*)."""

from fixtures.center import center_data
from fixtures.pcsc import pcscd

__all__ = ["center_data", "pcscd"]
