"""Values that cross a process boundary, defined once and imported by both sides.

- ``contracts.center``: kiosk ↔ center (the signing domain, error and reason codes, copies);
- ``contracts.jst``: Japan time and the Japanese era (和暦), for the center's documents, the kiosk's
  screens and receipts, and the printer's receipts alike.

The card ↔ kiosk contract (PIN tries and lengths, token kinds) lives with the card, in ``card``, which
the kiosk imports anyway.  This package imports nothing of the project (tests/unit/test_layering.py).
"""
