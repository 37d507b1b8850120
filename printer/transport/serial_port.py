"""Serial transport through pyserial.

Flow control (docs/printing.md §1, §2):

* ``rtscts``: hardware handshake, passed to pyserial (python-escpos forgets to).
* ``xonxoff``: handled by the *driver* (:class:`printer.transport.link.PrinterLink`), not the tty:
  the kernel would also hold back DLE EOT while the printer says XOFF, yet Epson serial models
  answer DLE EOT even with a full buffer, which is how a stalled job learns *why* it stalled.
  The printer's replies have fixed bits that keep them apart from XON/XOFF, so the driver can see both.
* ``dsrdtr`` is always off: a pty has no modem lines (pyserial EINVAL on a pty, PYS59).
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Literal

import serial

from printer.transport.errors import TransportClosedError, TransportConnectError, TransportTimeoutError

__all__ = ["FlowMode", "SerialTransport"]

log = logging.getLogger(__name__)
FlowMode = Literal["xonxoff", "rtscts", "none"]


class SerialTransport:
    """A serial port (or a pty standing in for one)."""

    bidirectional = True

    def __init__(
        self, path: str, *, baud: int = 115200, flow: FlowMode = "xonxoff", write_timeout: float = 10.0
    ) -> None:
        """Open the port 8N1.

        :raises TransportConnectError: when the port cannot be opened or configured.
        """
        self.flow: FlowMode = flow
        try:
            self._port = serial.Serial(
                port=path,
                baudrate=baud,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=0,
                write_timeout=write_timeout,
                xonxoff=False,
                rtscts=flow == "rtscts",
                dsrdtr=False,
                exclusive=True,
            )
        except (serial.SerialException, ValueError, OSError) as e:
            raise TransportConnectError(f"cannot open serial port {path}: {e}") from e
        log.debug("opened %s at %d baud, flow %s", path, baud, flow)

    def write(self, data: bytes) -> None:
        """Write all bytes.

        :raises TransportTimeoutError: when the port does not drain within the write timeout.
        :raises TransportClosedError: when the port went away.
        """
        try:
            self._port.write(data)
        except serial.SerialTimeoutException as e:
            raise TransportTimeoutError(f"serial write stalled: {e}") from e
        except (serial.SerialException, OSError) as e:
            raise TransportClosedError(f"serial port failed: {e}") from e

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes, returning as soon as any arrive; ``b""`` after ``timeout`` s.

        :raises TransportClosedError: when the port went away.
        """
        try:
            self._port.timeout = max(timeout, 0)
            first = self._port.read(1)
            if not first:
                return b""
            self._port.timeout = 0
            return bytes(first) + bytes(self._port.read(min(n - 1, self._port.in_waiting)))
        except (serial.SerialException, OSError) as e:
            raise TransportClosedError(f"serial port failed: {e}") from e

    def close(self) -> None:
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            log.debug("serial close failed on a broken port")

    def __enter__(self) -> SerialTransport:
        return self

    def __exit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
