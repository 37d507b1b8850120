"""Choosing the USB printer interface and its bulk endpoints from descriptors (no device needed).

The descriptor sets are those of real devices' layouts: a bidirectional printer-class interface, a
printer exposing both protocol 1 and 2 alternates, a vendor-specific receipt printer, and a
composite device whose first interface is not a printer.
"""

from __future__ import annotations

import pytest

from printer.transport.errors import TransportConnectError
from printer.transport.usb import EndpointDesc, InterfaceDesc, UsbEndpoints, parse_vid_pid, select_endpoints

BULK, INTR = 0x02, 0x03


def test_bidirectional_printer() -> None:
    itf = InterfaceDesc(0, 0, 7, 1, 2, (EndpointDesc(0x01, BULK), EndpointDesc(0x82, BULK)))
    assert select_endpoints([itf]) == UsbEndpoints(0, 0, 0x01, 0x82)


def test_protocol_2_preferred_over_1() -> None:
    uni = InterfaceDesc(0, 0, 7, 1, 1, (EndpointDesc(0x02, BULK),))
    bidi = InterfaceDesc(0, 1, 7, 1, 2, (EndpointDesc(0x02, BULK), EndpointDesc(0x81, BULK)))
    assert select_endpoints([uni, bidi]) == UsbEndpoints(0, 1, 0x02, 0x81)


def test_unidirectional_printer_runs_blind() -> None:
    uni = InterfaceDesc(0, 0, 7, 1, 1, (EndpointDesc(0x03, BULK), EndpointDesc(0x84, BULK)))
    assert select_endpoints([uni]).in_address is None


def test_composite_device_skips_other_classes() -> None:
    hid = InterfaceDesc(0, 0, 3, 0, 0, (EndpointDesc(0x81, INTR),))
    msc = InterfaceDesc(1, 0, 8, 6, 80, (EndpointDesc(0x02, BULK), EndpointDesc(0x83, BULK)))
    printer = InterfaceDesc(2, 0, 7, 1, 2, (EndpointDesc(0x04, BULK), EndpointDesc(0x85, BULK)))
    assert select_endpoints([hid, msc, printer]) == UsbEndpoints(2, 0, 0x04, 0x85)


def test_vendor_specific_interface_as_last_resort() -> None:
    vendor = InterfaceDesc(0, 0, 0xFF, 0, 0, (EndpointDesc(0x81, BULK), EndpointDesc(0x01, BULK)))
    assert select_endpoints([vendor]) == UsbEndpoints(0, 0, 0x01, 0x81)


def test_interrupt_endpoints_are_not_bulk() -> None:
    odd = InterfaceDesc(0, 0, 7, 1, 2, (EndpointDesc(0x01, INTR), EndpointDesc(0x82, INTR)))
    with pytest.raises(TransportConnectError):
        select_endpoints([odd])


def test_vid_pid_or_path() -> None:
    assert parse_vid_pid("04b8:0e28") == (0x04B8, 0x0E28)
    assert parse_vid_pid("/dev/usb/lp0") is None
    assert parse_vid_pid("4b8:e28") is None
