"""USB printer class (bInterfaceClass 7) transports: the usblp device node, or bulk endpoints via libusb.

Both carry the same ESC/POS conversation as serial and TCP (:class:`printer.transport.link.PrinterLink`
does flow control, status polling and typed faults), so a USB receipt or A4 thermal printer behaves
exactly like the others:

* :class:`UsbLpTransport` — ``/dev/usb/lpN``, the node Linux's usblp driver makes for a printer-class
  interface.  Writes go to the bulk OUT endpoint; reads return what the printer sent on bulk IN
  (usblp reads only on bidirectional interfaces, protocol 2), which is where DLE EOT and GS r answers
  come back.  Unplugging makes every call fail with ENODEV: a :class:`TransportClosedError`.
* :class:`UsbBulkTransport` — ``VID:PID`` through pyusb, for a printer no kernel driver binds (or
  after detaching usblp).  :func:`select_endpoints` (pure, over descriptors) picks the interface and
  its bulk OUT / IN endpoints.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import select
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from printer.transport.errors import TransportClosedError, TransportConnectError, TransportTimeoutError

__all__ = [
    "EndpointDesc",
    "InterfaceDesc",
    "UsbBulkTransport",
    "UsbEndpoints",
    "UsbLpTransport",
    "parse_vid_pid",
    "select_endpoints",
]

log = logging.getLogger(__name__)

PRINTER_CLASS = 7
_BULK = 0x02
_DIR_IN = 0x80
_VID_PID = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")


def parse_vid_pid(text: str) -> tuple[int, int] | None:
    """``04b8:0e28`` → (0x04b8, 0x0e28); None when ``text`` is not a VID:PID (a device path)."""
    m = _VID_PID.match(text)
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else None


# --- the device node ----------------------------------------------------------------------

class UsbLpTransport:
    """``/dev/usb/lpN`` (or a pty standing in for it in tests), opened read-write, non-blocking reads."""

    bidirectional = True

    def __init__(self, path: str, *, write_timeout: float = 10.0) -> None:
        """:raises TransportConnectError: when the node cannot be opened (absent, no permission)."""
        self.path = path
        self.write_timeout = write_timeout
        try:
            self._fd: int | None = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as e:
            hint = " (see README: udev rule for the printer group)" if e.errno == errno.EACCES else ""
            raise TransportConnectError(f"cannot open USB printer {path}: {e.strerror}{hint}") from e
        log.debug("opened USB printer node %s", path)

    def _fileno(self) -> int:
        if self._fd is None:
            raise TransportClosedError(f"{self.path} is closed")
        return self._fd

    def write(self, data: bytes) -> None:
        """Write all bytes.

        :raises TransportTimeoutError: when the printer takes nothing for ``write_timeout`` s.
        :raises TransportClosedError: when the device went away (unplugged: ENODEV, EIO).
        """
        fd = self._fileno()
        view = memoryview(data)
        while view:
            try:
                _, ready, _ = select.select([], [fd], [], self.write_timeout)
                if not ready:
                    raise TransportTimeoutError(f"USB printer accepted no data for {self.write_timeout} s")
                sent = os.write(fd, view)
            except OSError as e:
                raise TransportClosedError(f"USB printer {self.path} gone: {e.strerror}") from e
            view = view[sent:]

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes as soon as any arrive; ``b""`` after ``timeout`` s.

        :raises TransportClosedError: when the device went away.
        """
        fd = self._fileno()
        try:
            ready, _, _ = select.select([fd], [], [], max(timeout, 0))
            if not ready:
                return b""
            data = os.read(fd, n)
        except OSError as e:
            raise TransportClosedError(f"USB printer {self.path} gone: {e.strerror}") from e
        if not data:
            raise TransportClosedError(f"USB printer {self.path} closed")
        return data

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                log.debug("close of a vanished USB node")

    def __enter__(self) -> UsbLpTransport:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# --- libusb bulk endpoints (pure selection) -------------------------------------------------

@dataclass(frozen=True)
class EndpointDesc:
    address: int  # bEndpointAddress: bit 7 = IN
    attributes: int  # bmAttributes: bits 0-1 = transfer type
    max_packet: int = 64


@dataclass(frozen=True)
class InterfaceDesc:
    number: int
    alternate: int
    cls: int
    subclass: int
    protocol: int  # printer class: 1 unidirectional, 2 bidirectional, 3 IEEE 1284.4
    endpoints: tuple[EndpointDesc, ...]


@dataclass(frozen=True)
class UsbEndpoints:
    interface: int
    alternate: int
    out_address: int
    in_address: int | None  # None: a unidirectional printer (the job then runs blind)


def select_endpoints(interfaces: Iterable[InterfaceDesc]) -> UsbEndpoints:
    """The printer-class interface to use and its bulk endpoints.

    Prefers the bidirectional protocol (2, status comes back on bulk IN), then 1284.4 (3), then
    unidirectional (1); a vendor-specific interface (class 0xFF, as some receipt printers expose)
    with a bulk OUT is the last resort.

    :raises TransportConnectError: when no interface has a bulk OUT endpoint.
    """
    rank = {2: 0, 3: 1, 1: 2}
    best: tuple[int, UsbEndpoints] | None = None
    for itf in interfaces:
        outs = [e for e in itf.endpoints if e.attributes & 0x03 == _BULK and not e.address & _DIR_IN]
        ins = [e for e in itf.endpoints if e.attributes & 0x03 == _BULK and e.address & _DIR_IN]
        if not outs:
            continue
        if itf.cls == PRINTER_CLASS:
            score = rank.get(itf.protocol, 3)
        elif itf.cls == 0xFF:
            score = 4
        else:
            continue
        if itf.cls == PRINTER_CLASS and itf.protocol == 1:
            ins = []  # unidirectional: an IN endpoint, if any, is not for status
        found = UsbEndpoints(itf.number, itf.alternate, outs[0].address, ins[0].address if ins else None)
        if best is None or score < best[0]:
            best = (score, found)
    if best is None:
        raise TransportConnectError("no USB printer interface with a bulk OUT endpoint")
    return best[1]


class _UsbDevice(Protocol):  # the part of pyusb's Device this module uses
    def is_kernel_driver_active(self, interface: int) -> bool: ...
    def detach_kernel_driver(self, interface: int) -> None: ...
    def set_configuration(self) -> None: ...
    def get_active_configuration(self) -> Any: ...
    def write(self, endpoint: int, data: bytes, timeout: int) -> int: ...
    def read(self, endpoint: int, size: int, timeout: int) -> Sequence[int]: ...


def _descriptors(config: Any) -> list[InterfaceDesc]:
    return [
        InterfaceDesc(i.bInterfaceNumber, i.bAlternateSetting, i.bInterfaceClass, i.bInterfaceSubClass,
                      i.bInterfaceProtocol,
                      tuple(EndpointDesc(e.bEndpointAddress, e.bmAttributes, e.wMaxPacketSize) for e in i))
        for i in config
    ]


class UsbBulkTransport:
    """A printer by VID:PID through libusb (pyusb), writing and reading its bulk endpoints."""

    def __init__(self, vid: int, pid: int, *, write_timeout: float = 10.0, device: _UsbDevice | None = None,
                 detach: bool = True) -> None:
        """:raises TransportConnectError: no such device, no access, or no usable interface."""
        self.write_timeout = write_timeout
        name = f"{vid:04x}:{pid:04x}"
        try:
            import usb.core
            import usb.util
        except ImportError as e:  # pragma: no cover - pyusb is a dependency
            raise TransportConnectError("pyusb is not installed") from e
        try:
            dev = device if device is not None else usb.core.find(idVendor=vid, idProduct=pid)
            if dev is None:
                raise TransportConnectError(f"no USB device {name}")
            try:
                config = dev.get_active_configuration()
            except usb.core.USBError:
                dev.set_configuration()
                config = dev.get_active_configuration()
            self.endpoints = select_endpoints(_descriptors(config))
            if detach and dev.is_kernel_driver_active(self.endpoints.interface):
                dev.detach_kernel_driver(self.endpoints.interface)  # usblp holds it otherwise
            usb.util.claim_interface(dev, self.endpoints.interface)
        except (usb.core.USBError, usb.core.NoBackendError, ValueError) as e:
            raise TransportConnectError(f"cannot open USB printer {name}: {e}") from e
        self._dev = dev
        self._usb = usb
        self.bidirectional = self.endpoints.in_address is not None
        self._packet = 64
        self._pending = b""
        self._closed = False

    def write(self, data: bytes) -> None:
        """:raises TransportTimeoutError: / :raises TransportClosedError: (unplugged)."""
        view = memoryview(data)
        try:
            while view:
                n = self._dev.write(self.endpoints.out_address, bytes(view[:16384]),
                                    int(self.write_timeout * 1000))
                view = view[n:]
        except self._usb.core.USBTimeoutError as e:
            raise TransportTimeoutError(f"USB printer accepted no data for {self.write_timeout} s") from e
        except self._usb.core.USBError as e:
            raise TransportClosedError(f"USB printer gone: {e}") from e

    def read(self, n: int, timeout: float) -> bytes:
        """:raises TransportClosedError: when the device went away."""
        if self.endpoints.in_address is None:
            return b""
        if not self._pending:
            try:
                # A bulk IN read asks for whole packets (a shorter buffer overflows), so what does not
                # fit in ``n`` waits for the next call.
                data = self._dev.read(self.endpoints.in_address, max(n, self._packet),
                                      max(1, int(timeout * 1000)))
            except self._usb.core.USBTimeoutError:
                return b""
            except self._usb.core.USBError as e:
                raise TransportClosedError(f"USB printer gone: {e}") from e
            self._pending = bytes(data)
        out, self._pending = self._pending[:n], self._pending[n:]
        return out

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._usb.util.release_interface(self._dev, self.endpoints.interface)
                self._usb.util.dispose_resources(self._dev)
            except self._usb.core.USBError:
                log.debug("release of a vanished USB device")
