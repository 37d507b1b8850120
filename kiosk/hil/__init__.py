"""Hardware-in-the-loop: the whole chain on one machine (docs/hil.md).

The kiosk's real UI and flow against the real parts in between: pyscard → pcscd → vpcd → virtual card,
mutual-TLS HTTPS → center stub, a pty serial link (or TCP) → printer emulator.  ``python -m kiosk.hil
list`` / ``run SCENARIO --out DIR`` (docs/architecture.md contract); ``kiosk.hil.services`` starts and stops
the
parts; ``kiosk.hil.scenarios`` holds the scenarios as data.
"""

__all__: list[str] = []
