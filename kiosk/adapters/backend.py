"""``DeviceBackend``: the service menu's ``ServiceBackend`` over the kiosk's real devices.

Status lines (docs/kiosk-ui.md "Service menu"): the card reader (present, card in it or not), the
certificate printer (DLE EOT 1–4, paper near end is a warning), the cash device, and the center
(reachability and round-trip time of a seal-status query).  Test print, reader test, paper
replenished (a fresh status query, then the flow re-checks every device) and restart.

The menu (``kiosk.service_menu.ServiceMenu``) audits every action; this class only does them.  Device
work here runs on the UI's thread while the kiosk is in the staff screens (the flow is in SERVICE,
so no transaction uses the devices at the same time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kiosk.adapters.printing import EscposDocumentPrinter, EscposReceiptPrinter
from kiosk.devices import CardDevice, CashDevice, DeviceError, DeviceStatus
from kiosk.service_menu import AuditLog, IssueCounters, StatusLine

__all__ = ["DeviceBackend"]

log = logging.getLogger(__name__)

_STATE = {DeviceStatus.OK: "ok", DeviceStatus.WARNING: "warning", DeviceStatus.FAULT: "fault",
          DeviceStatus.UNKNOWN: "unknown"}


# A failed test print (either printer) → the status panel's detail (service.detail.*).
_TEST_PRINT_DETAIL = {"printer_paper_end": "paper_end", "printer_cover_open": "cover_open",
                      "printer_offline": "offline", "printer_timeout": "offline"}


class DeviceBackend:
    """``kiosk.service_menu.ServiceBackend`` over the wired devices.

    :param center: answers ``seal_status(seal_id)`` (``CenterClient``); a refusal still proves the
        center is reachable, only ``center_unreachable``/``center_bad_answer`` do not.
    :param on_checked: called after paper replenished (the runner re-checks the devices).
    :param on_restart: restarts the kiosk application.
    """

    def __init__(self, card: CardDevice, printer: EscposDocumentPrinter, cash: CashDevice, center: Any, *,
                 receipt: EscposReceiptPrinter | None = None, counters: IssueCounters,
                 audit: AuditLog, on_checked: Callable[[], None] | None = None,
                 on_restart: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.card = card
        self.printer = printer
        self.receipt = receipt
        self.cash = cash
        self.center = center
        self.counters = counters
        self.audit = audit
        self._on_checked = on_checked
        self._on_restart = on_restart
        self._clock = clock

    def reader_line(self) -> StatusLine:
        try:
            present = self.card.present()
        except DeviceError as e:
            log.warning("service: reader %s", e.code)
            return StatusLine("reader", "fault", "offline")
        return StatusLine("reader", "ok", None if present else "no_card")

    def printer_line(self) -> StatusLine:
        report = self.printer.query()
        return StatusLine("printer", _STATE[report.state], report.detail)  # type: ignore[arg-type]

    def payment_line(self) -> StatusLine:
        try:
            state = _STATE[self.cash.status()]
        except DeviceError as e:
            log.warning("service: cash device %s", e.code)
            state = "fault"
        return StatusLine("payment", state)  # type: ignore[arg-type]

    def center_line(self) -> StatusLine:
        start = self._clock()
        try:
            self.center.seal_status("S-health-check")
        except Exception as e:  # CenterClientError family, by code (as kiosk.flow._execute does)
            code = getattr(e, "code", None)
            if code in ("center_unreachable", "center_bad_answer") or code is None:
                return StatusLine("center", "fault", "offline")
            if code == "crl_unavailable":  # reachable, but nobody can be authenticated: say why
                return StatusLine("center", "fault", "crl_unavailable")
        return StatusLine("center", "ok", latency_ms=round((self._clock() - start) * 1000, 1))

    # --- kiosk.service_menu.ServiceBackend -----------------------------------------------------------

    def device_status(self) -> list[StatusLine]:
        return [self.reader_line(), self.printer_line(), self.payment_line(), self.center_line()]

    def test_print(self) -> StatusLine:
        """A short test page on the certificate printer (and the sample receipt on the receipt one)."""
        try:
            self.printer.test_page()
            if self.receipt is not None:
                self.receipt.test_receipt()
        except DeviceError as e:
            log.warning("service: test print %s", e.code)
            return StatusLine("printer", "fault", _TEST_PRINT_DETAIL.get(e.code, "printer_error"))
        return StatusLine("printer", "ok")

    def test_reader(self) -> StatusLine:
        """Reader present; with a card in it, read the authentication certificate (no PIN needed)."""
        line = self.reader_line()
        if line.state != "ok" or line.detail == "no_card":
            return line
        try:
            self.card.read_auth_certificate()
        except DeviceError as e:
            log.warning("service: reader test %s", e.code)
            return StatusLine("reader", "fault", None)
        finally:
            self.card.release()
        return StatusLine("reader", "ok")

    def paper_replenished(self) -> None:
        report = self.printer.query()
        log.info("paper replenished: printer %s", report.state.value)
        if self._on_checked is not None:
            self._on_checked()

    def restart(self) -> None:
        if self._on_restart is not None:
            self._on_restart()
