"""The libusb path (UsbBulkTransport) with a stand-in for pyusb's Device whose endpoints reach the
printer emulator: bulk OUT bytes go to the emulator, bulk IN returns its replies.

No USB printer exists on this machine, so the device object is a fake, but it speaks what pyusb's
Device does (descriptors as attributes, ``write``/``read`` on endpoint addresses with millisecond
timeouts, ``USBTimeoutError`` on silence, ``USBError`` errno 19 once unplugged) and the emulator
behind it is the real ESC/POS printer model.  The interface layout is a composite device: a HID
interface first, the bidirectional printer interface second.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import usb.core
from fixtures.emulator import running_emulator
from fixtures.pages import text_page

from printer.job import JobOptions, print_pages
from printer.profiles import get_profile
from printer.transport.errors import PrinterLinkError
from printer.transport.link import LinkConfig
from printer.transport.usb import UsbBulkTransport

RECEIPT = get_profile("receipt-80-203")
FAST = JobOptions(link=LinkConfig(status_timeout=1.0, poll_interval=0.05, progress_timeout=3.0))


@dataclass
class _Ep:
    bEndpointAddress: int  # noqa: N815 - USB descriptor field names, as pyusb exposes them
    bmAttributes: int  # noqa: N815
    wMaxPacketSize: int = 64  # noqa: N815


class _Itf(list[_Ep]):
    def __init__(self, number: int, cls: int, protocol: int, eps: list[_Ep]) -> None:
        super().__init__(eps)
        self.bInterfaceNumber, self.bAlternateSetting = number, 0
        self.bInterfaceClass, self.bInterfaceSubClass, self.bInterfaceProtocol = cls, 1, protocol


class _Ctx:
    def __init__(self) -> None:
        self.claimed: set[int] = set()

    def managed_claim_interface(self, device: Any, interface: int) -> None:
        self.claimed.add(interface)

    def managed_release_interface(self, device: Any, interface: int) -> None:
        self.claimed.discard(interface)

    def dispose(self, device: Any) -> None:
        self.claimed.clear()


class FakePrinterDevice:
    """A composite USB device whose printer interface (1: OUT 0x02, IN 0x83) is the emulator."""

    def __init__(self, address: tuple[str, int]) -> None:
        self._sock = socket.create_connection(address)
        self._ctx = _Ctx()
        self.kernel_driver = True
        self.unplugged = False
        self.config = [_Itf(0, 3, 0, [_Ep(0x81, 0x03)]),
                       _Itf(1, 7, 2, [_Ep(0x02, 0x02), _Ep(0x83, 0x02)])]

    def get_active_configuration(self) -> list[_Itf]:
        return self.config

    def set_configuration(self) -> None:
        pass

    def is_kernel_driver_active(self, interface: int) -> bool:
        return self.kernel_driver

    def detach_kernel_driver(self, interface: int) -> None:
        self.kernel_driver = False

    def _check(self) -> None:
        if self.unplugged:
            raise usb.core.USBError("No such device", errno=errno.ENODEV)

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self._check()
        assert endpoint == 0x02 and 1 in self._ctx.claimed and not self.kernel_driver
        self._sock.sendall(data)
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        self._check()
        assert endpoint == 0x83
        self._sock.settimeout(timeout / 1000)
        try:
            return self._sock.recv(size)
        except TimeoutError as e:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT) from e

    def unplug(self) -> None:
        self.unplugged = True
        self._sock.close()


def test_pages_over_bulk_endpoints(tmp_path: Path) -> None:
    pages = [text_page(RECEIPT, seed, height=400, lines=5) for seed in range(2)]
    with running_emulator(tmp_path / "p") as emu:
        assert emu.tcp_address is not None
        dev = FakePrinterDevice(emu.tcp_address)
        t = UsbBulkTransport(0x04B8, 0x0E28, device=dev)  # type: ignore[arg-type]
        assert (t.endpoints.interface, t.endpoints.out_address, t.endpoints.in_address) == (1, 0x02, 0x83)
        assert t.bidirectional and not dev.kernel_driver  # usblp detached, interface claimed
        report = print_pages(pages, RECEIPT, t, options=FAST)
        t.close()
        assert report.pages_printed == 2 and dev._ctx.claimed == set()
        for page, record in zip(pages, emu.wait_pages(2), strict=True):
            assert np.array_equal(np.asarray(record.image), np.asarray(page))


def test_unplugged_mid_job(tmp_path: Path) -> None:
    pages = [text_page(RECEIPT, seed, height=400, lines=5) for seed in range(3)]
    with running_emulator(tmp_path / "p") as emu:
        assert emu.tcp_address is not None
        dev = FakePrinterDevice(emu.tcp_address)
        t = UsbBulkTransport(0x04B8, 0x0E28, device=dev)  # type: ignore[arg-type]

        def unplug_after_first(done: int, total: int) -> None:
            if done == 1:
                dev.unplug()

        with pytest.raises(PrinterLinkError) as info:
            print_pages(pages, RECEIPT, t, options=FAST, on_progress=unplug_after_first)
        assert info.value.pages_completed == 1
        assert len(emu.wait_pages(1)) == 1


def test_reads_keep_what_does_not_fit(tmp_path: Path) -> None:
    with running_emulator(tmp_path / "p") as emu:
        assert emu.tcp_address is not None
        dev = FakePrinterDevice(emu.tcp_address)
        t = UsbBulkTransport(0x04B8, 0x0E28, device=dev)  # type: ignore[arg-type]
        t.write(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04")  # DLE EOT 1, 2, 4: three status bytes
        got = b""
        for _ in range(6):  # one byte at a time: the rest of each packet is kept for the next read
            got += t.read(1, 0.5)
        assert len(got) == 3 and t.read(1, 0.1) == b""
        t.close()
