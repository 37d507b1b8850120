"""The short transaction reference staff read out (refund-failed screen and slip).

Defined in :mod:`contracts.reference`, shared with the center that resolves it; re-exported here so
the flow keeps its import.
"""

from __future__ import annotations

from contracts.reference import ALPHABET, short_reference

__all__ = ["ALPHABET", "short_reference"]
