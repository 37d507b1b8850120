"""Wire the kiosk from its config: real devices, the center client and the journal into a ``Runner``.

``build_runner(cfg, on_view=..., on_sound=...)`` returns the runner (not started) and the service
menu's backend over the same devices:

- card: ``kiosk.adapters.card.PcscCard`` on the reader whose name contains ``card.reader``;
- certificate printer: ``kiosk.adapters.printing.EscposDocumentPrinter`` with ``printer.profile`` over
  ``printer.transport`` (tcp host:port, serial path + baud + flow, usb node or VID:PID, ipp URI for a
  page printer, or a capture file; a page profile writes a PDF to the file);
- receipt printer (optional, ``[receipt]``): ``EscposReceiptPrinter``;
- cash: ``kiosk.payment.from_config`` (the simulated acceptor);
- center: ``kiosk.center_client.CenterClient.from_config``;
- journal: ``kiosk.journal.Journal`` at ``paths.journal``; counters and audit log under ``paths.logs``.

Nothing touches a device here: readers, printers and the center are first used when the runner
starts (its start-up check), so a kiosk whose printer is off comes up out of service instead of
failing to start.  ``Wiring.close()`` (``backend.close()``) releases the card, center and journal
after ``runner.stop()``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from contracts.jst import JST
from kiosk.adapters.backend import DeviceBackend
from kiosk.adapters.card import PcscCard
from kiosk.adapters.printing import EscposDocumentPrinter, EscposReceiptPrinter, Opener
from kiosk.center_client import CenterClient
from kiosk.config import (
    ConfigError,
    FileLinkConfig,
    IppLinkConfig,
    KioskConfig,
    PrinterConfig,
    SerialLinkConfig,
    TcpLinkConfig,
    UsbLinkConfig,
)
from kiosk.flow import Flow, View
from kiosk.flow import effects as fx
from kiosk.journal import Journal
from kiosk.payment import from_config as cash_from_config
from kiosk.runtime import DeviceSet, Runner
from kiosk.runtime.health_report import HealthReporter, runner_apply, runner_snapshot, software_version
from kiosk.runtime.metrics import KioskMetrics
from kiosk.service_menu import AuditLog, IssueCounters
from printer.profiles import get_profile
from printer.transport import open_transport
from printer.transport.file import FileTransport
from printer.transport.ipp import IppPrinter
from printer.transport.pdf import PdfFileSink

__all__ = ["Wiring", "build_runner", "build_wiring", "check_kiosk_identity", "transport_opener",
           "transport_spec"]

log = logging.getLogger(__name__)

ViewCallback = Callable[[View], None]
SoundCallback = Callable[[str | None, bool], None]


def transport_spec(transport: TcpLinkConfig | SerialLinkConfig | UsbLinkConfig) -> str:
    """The ``printer.transport.open_transport`` address of a tcp, serial or usb link config."""
    if isinstance(transport, TcpLinkConfig):
        return f"tcp://{transport.host}:{transport.port}"
    if isinstance(transport, UsbLinkConfig):
        return f"usb://{transport.device}" if transport.device else f"usb://{quote(str(transport.path))}"
    return f"serial://{quote(str(transport.path))}?baud={transport.baud}&flow={transport.flow}"


def transport_opener(pc: PrinterConfig, *, write_timeout: float = 10.0) -> Opener:
    """A function opening the printer's transport for one job (a file: capture or PDF by profile)."""
    t = pc.transport
    if isinstance(t, FileLinkConfig):
        path = t.path
        if get_profile(pc.profile).kind == "page":
            return lambda: PdfFileSink(path)
        return lambda: FileTransport(path)
    if isinstance(t, IppLinkConfig):
        uri = t.uri
        return lambda: IppPrinter(uri)
    spec = transport_spec(t)
    return lambda: open_transport(spec, write_timeout=write_timeout)


class Wiring(DeviceBackend):
    """The service backend of a wired kiosk; also owns what ``close()`` releases."""

    journal: Journal
    runner: Runner
    reporter: HealthReporter
    metrics: KioskMetrics
    report_center: CenterClient

    def close(self) -> None:
        """Release the card session and reader watch, the center's connections and the journal."""
        close_card = getattr(self.card, "close", None)
        if callable(close_card):
            close_card()
        self.center.close()
        self.report_center.close()
        self.metrics.close()
        self.journal.close()


def check_kiosk_identity(cfg: KioskConfig) -> None:
    """The configured kiosk id must be the CN of the kiosk's own client certificate.

    The center knows a kiosk only by that CN (and every signed challenge names it); a kiosk whose config
    says otherwise would fail every resident with a card error while looking in service.  Checked at
    start-up, before anything is built.

    :raises kiosk.config.ConfigError: on a mismatch (naming both) or an unreadable certificate.
    """
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    _ca, cert_path, _key = cfg.center_tls()
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except (OSError, ValueError) as e:
        raise ConfigError(f"center.cert: cannot read the kiosk certificate {cert_path}: {e}") from e
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(cns[0].value) if cns else ""
    if cn != cfg.kiosk.id:
        raise ConfigError(f"kiosk.id {cfg.kiosk.id!r} does not match the CN {cn!r} of the kiosk "
                          f"certificate {cert_path}: refusing to go into service")


def build_wiring(cfg: KioskConfig, *, on_view: ViewCallback | None = None,
                 on_sound: SoundCallback | None = None, on_restart: Callable[[], None] | None = None,
                 tick_seconds: float = 0.25, health_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> Wiring:
    """Build everything (nothing started); ``wiring.runner`` is the runner.

    :raises kiosk.config.ConfigError: the center's TLS files are missing, or the kiosk id is not the
        certificate's CN.
    :raises kiosk.center_client.CenterUnreachable: the TLS files are unusable.
    :raises kiosk.journal.JournalError: the journal cannot be opened.
    """
    check_kiosk_identity(cfg)
    card = PcscCard(cfg.card.reader)
    duplex = isinstance(cfg.printer.transport, IppLinkConfig) and cfg.printer.transport.duplex
    printer = EscposDocumentPrinter(cfg.printer.profile, transport_opener(cfg.printer), duplex=duplex)
    receipt = None if cfg.receipt is None else \
        EscposReceiptPrinter(cfg.receipt.profile, transport_opener(cfg.receipt))
    cash = cash_from_config(cfg.payment)
    center = CenterClient.from_config(cfg)
    journal = Journal(cfg.paths.journal)
    logs = Path(cfg.paths.logs)
    counters = IssueCounters(logs / "counters.json")

    def count(r: fx.PrintReceipt) -> None:
        # Count by the Japanese calendar day, as the receipts print it, whatever the host's zone.
        counters.record(dt.datetime.now(JST).date(), r.certificate, r.copies)

    flow = Flow(cfg.flow_settings(), clock=clock)
    metrics = KioskMetrics()
    observers: list[Callable[[Any], None]] = [metrics.on_event]

    def view(v: View) -> None:
        metrics.on_view(v)
        if on_view is not None:
            on_view(v)

    def observe(event: Any) -> None:
        for observer in observers:
            observer(event)

    runner = Runner(flow, DeviceSet(card, printer, cash, receipt), center, journal,
                    kiosk_id=cfg.kiosk.id, store_name=cfg.kiosk.store_name,
                    store_code=cfg.kiosk.store_code, on_view=view,
                    on_sound=on_sound, on_receipt=count, clock=clock, tick_seconds=tick_seconds,
                    health_seconds=health_seconds, on_event=observe)
    wiring = Wiring(card, printer, cash, center, receipt=receipt, counters=counters,
                    audit=AuditLog(logs / "audit.jsonl"), on_checked=runner.check_devices,
                    on_restart=on_restart)
    wiring.journal, wiring.runner = journal, runner
    # Reports go on a client of their own: the worker's client may be busy with a long issue request.
    wiring.report_center = CenterClient.from_config(cfg)
    wiring.reporter = HealthReporter(
        wiring.report_center.report_status, runner_snapshot(runner, wiring), runner_apply(runner, wiring),
        interval=cfg.health.report_seconds, version=cfg.health.version or software_version(),
        on_report=metrics.on_report)
    wiring.metrics = metrics
    if cfg.health.metrics_port:
        metrics.serve(cfg.health.metrics_port)
    observers.append(wiring.reporter.note_event)
    runner.attach(wiring.reporter)
    return wiring


def build_runner(cfg: KioskConfig, *, on_view: ViewCallback | None = None,
                 on_sound: SoundCallback | None = None,
                 on_restart: Callable[[], None] | None = None) -> tuple[Runner, Wiring]:
    """The runner (not started) with the real devices of ``cfg``, and the service menu's backend.

    Start with ``runner.start()``; end with ``runner.stop()`` then ``backend.close()``.

    :raises kiosk.config.ConfigError: the center's TLS files are missing.
    :raises kiosk.center_client.CenterUnreachable: the TLS files are unusable.
    :raises kiosk.journal.JournalError: the journal cannot be opened.
    """
    wiring = build_wiring(cfg, on_view=on_view, on_sound=on_sound, on_restart=on_restart)
    return wiring.runner, wiring
