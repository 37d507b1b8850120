"""The kiosk's runtime: the threads that drive the pure flow (``kiosk.flow``) and the executor that
carries out its effects on the devices, the center and the journal.

``kiosk.flow`` decides; this package does.  It is the only part of the transaction with threads,
queues, sleeps and the wall clock (tests/unit/test_layering.py keeps them out of the flow).
"""

from kiosk.runtime.executor import CenterApi, DeviceSet, ExecContext, JournalApi
from kiosk.runtime.runner import Runner

__all__ = ["CenterApi", "DeviceSet", "ExecContext", "JournalApi", "Runner"]
