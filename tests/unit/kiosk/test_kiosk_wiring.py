"""``kiosk.wiring`` and the adapters' pure parts: config → transports, error → flow code mappings, and the
shipped HIL example config.  (The adapters against the real devices: tests/integration/kiosk.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from card import errors as ce
from kiosk.adapters.card import card_fault
from kiosk.adapters.printing import printer_fault
from kiosk.config import (
    ConfigError,
    FileLinkConfig,
    IppLinkConfig,
    PrinterConfig,
    SerialLinkConfig,
    TcpLinkConfig,
    UsbLinkConfig,
    load_config,
)
from kiosk.flow.codes import DEVICE_FAULTS as ERROR_KEYS
from kiosk.wiring import build_wiring, transport_opener, transport_spec
from printer.transport import errors as pe
from printer.transport.file import FileTransport
from printer.transport.ipp import IppPrinter
from printer.transport.pdf import PdfFileSink

REPO = Path(__file__).resolve().parents[3]
HIL = REPO / "kiosk" / "examples" / "kiosk-hil.toml"


def test_the_hil_example_points_at_the_local_chain() -> None:
    cfg = load_config(HIL)
    assert cfg.center.url == "https://127.0.0.1:8443"
    assert cfg.center.data_dir == HIL.parent / "../../var/center"
    assert cfg.card.reader == "Virtual PCD 00 00"
    t = cfg.printer.transport
    assert isinstance(t, SerialLinkConfig) and t.path == HIL.parent / "../../var/hil/printer.tty"
    assert transport_spec(t) == f"serial://{t.path}?baud=115200&flow=xonxoff"
    assert cfg.receipt is not None and cfg.receipt.transport == TcpLinkConfig("tcp", "127.0.0.1", 9101)
    assert cfg.flow_settings().languages == ("ja", "en", "zh", "ko", "pt", "vi")


def test_transport_specs() -> None:
    assert transport_spec(TcpLinkConfig("tcp", "127.0.0.1", 9100)) == "tcp://127.0.0.1:9100"
    spec = transport_spec(SerialLinkConfig("serial", Path("/dev/ttyUSB0"), 9600, "rtscts"))
    assert spec == "serial:///dev/ttyUSB0?baud=9600&flow=rtscts"
    assert transport_spec(UsbLinkConfig("usb", Path("/dev/usb/lp0"))) == "usb:///dev/usb/lp0"
    assert transport_spec(UsbLinkConfig("usb", None, "04b8:0e28")) == "usb://04b8:0e28"


def test_an_ipp_link_opens_an_ipp_printer() -> None:
    link = IppLinkConfig("ipp", "ipp://127.0.0.1:8631/ipp/print")
    opener = transport_opener(PrinterConfig("a4-laser-600", link))
    printer = opener()
    assert isinstance(printer, IppPrinter) and printer.url == "http://127.0.0.1:8631/ipp/print"
    printer.close()


def test_a_file_transport_is_a_capture_for_escpos_and_a_pdf_for_page_printers(tmp_path: Path) -> None:
    escpos = transport_opener(PrinterConfig("a4-thermal-203", FileLinkConfig("file", tmp_path / "cap.bin")))()
    assert isinstance(escpos, FileTransport)
    escpos.close()
    page = transport_opener(PrinterConfig("a4-laser-600", FileLinkConfig("file", tmp_path / "out.pdf")))()
    assert isinstance(page, PdfFileSink)


@pytest.mark.parametrize(("error", "code"), [
    (ce.CardRemovedError("gone"), "card_removed"),
    (ce.NoCardError("none"), "card_removed"),
    (ce.ReaderUnavailableError("unplugged"), "reader_offline"),
    (ce.PcscServiceError("no pcscd"), "reader_offline"),
    (ce.NotJpkiCardError("other card"), "card_unsupported"),
    (ce.FileNotFoundOnCardError(0x6A82), "card_unsupported"),
    (ce.CardProtocolError("garbage"), "card_unreadable"),
    (ce.CardTimeoutError("slow"), "card_unreadable"),
])
def test_card_errors_map_to_the_flows_codes(error: ce.CardError, code: str) -> None:
    assert card_fault(error) == code and code in ERROR_KEYS


@pytest.mark.parametrize(("error", "code"), [
    (pe.PaperEndError("out"), "printer_paper_end"),
    (pe.CoverOpenError("open"), "printer_cover_open"),
    (pe.PrinterOfflineError("off"), "printer_offline"),
    (pe.PrinterTimeoutError("mute"), "printer_timeout"),
    (pe.PrinterLinkError("cable"), "printer_offline"),
    (pe.PrintCancelledError("stop"), "print_aborted"),
    (pe.CutterError("jam"), "printer_error"),
    (pe.StatusProtocolError("garbage"), "printer_error"),
    (pe.TransportConnectError("refused"), "printer_offline"),
])
def test_printer_errors_map_to_the_flows_codes(error: pe.PrinterError, code: str) -> None:
    assert printer_fault(error) == code and code in ERROR_KEYS


def test_build_wiring_names_a_missing_center_data_dir(tmp_path: Path) -> None:
    text = HIL.read_text(encoding="utf-8").replace("../../var/center", str(tmp_path / "nowhere"))
    text = text.replace("../../var/hil/kiosk", str(tmp_path / "kiosk"))
    cfg_file = tmp_path / "kiosk.toml"
    cfg_file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"center\.data_dir"):
        build_wiring(load_config(cfg_file))
    assert not (tmp_path / "kiosk" / "journal.db").exists()  # nothing opened before the center's files
