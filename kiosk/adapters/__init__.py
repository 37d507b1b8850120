"""Adapters from the kiosk's device Protocols (``kiosk.devices``) to the real parts.

- ``kiosk.adapters.card.PcscCard``: the My Number card over PC/SC (``card.pcsc`` + ``card.jpki``);
- ``kiosk.adapters.printing.EscposDocumentPrinter`` / ``EscposReceiptPrinter``: certificates and the
  利用明細 over an ESC/POS transport (``printer.job``, ``printer.receipt``);
- ``kiosk.adapters.backend.DeviceBackend``: the service menu's ``ServiceBackend`` over the same devices.

``kiosk.wiring.build_runner`` puts them together from the config.
"""

from __future__ import annotations

__all__: list[str] = []
