"""Printer transports: TCP 9100, serial (pyserial), file, PDF sinks; the link with flow control.

:func:`open_transport` builds one from a configuration string:

* ``tcp://HOST:PORT`` (port defaults to 9100)
* ``serial:///dev/ttyS0?baud=115200&flow=xonxoff`` (flow: ``xonxoff``, ``rtscts``, ``none``)
* ``usb:///dev/usb/lp0`` (the usblp node) or ``usb://04b8:0e28`` (libusb, by vendor:product)
* ``file:///path/capture.bin`` (write-only capture)
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from printer.transport.base import PrinterTransport
from printer.transport.errors import TransportConnectError, TransportError

__all__ = ["PrinterTransport", "TransportError", "open_transport"]


def open_transport(spec: str, *, write_timeout: float = 10.0) -> PrinterTransport:
    """Open the transport a configuration string names.

    :raises TransportConnectError: on a malformed string or when the printer cannot be reached.
    """
    parts = urlsplit(spec)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        if parts.scheme == "tcp":
            from printer.transport.tcp import TcpTransport

            host = parts.hostname or "127.0.0.1"
            return TcpTransport(host, parts.port or 9100, write_timeout=write_timeout)
        if parts.scheme == "serial":
            from printer.transport.serial_port import FlowMode, SerialTransport

            flow = query.get("flow", "xonxoff")
            if flow not in ("xonxoff", "rtscts", "none"):
                raise ValueError(f"unknown flow control {flow!r}")
            mode: FlowMode = flow  # type: ignore[assignment]
            return SerialTransport(
                parts.path, baud=int(query.get("baud", "115200")), flow=mode, write_timeout=write_timeout
            )
        if parts.scheme == "usb":
            from printer.transport.usb import UsbBulkTransport, UsbLpTransport, parse_vid_pid

            ids = parse_vid_pid(parts.netloc) if parts.netloc else None
            if ids is not None:
                return UsbBulkTransport(*ids, write_timeout=write_timeout)
            return UsbLpTransport(unquote(parts.netloc + parts.path), write_timeout=write_timeout)
        if parts.scheme == "file":
            from printer.transport.file import FileTransport

            return FileTransport(parts.path)
    except ValueError as e:
        raise TransportConnectError(f"bad printer address {spec!r}: {e}") from e
    raise TransportConnectError(f"bad printer address {spec!r}: use tcp://, serial://, usb:// or file://")
