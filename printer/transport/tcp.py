"""Raw TCP (port 9100, "JetDirect") transport over a plain socket."""

from __future__ import annotations

import logging
import socket
from types import TracebackType

from printer.transport.errors import TransportClosedError, TransportConnectError, TransportTimeoutError

__all__ = ["TcpTransport", "parse_hostport"]

log = logging.getLogger(__name__)


def parse_hostport(text: str, default_port: int = 9100) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) → (host, port).

    :raises ValueError: on a malformed port.
    """
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, default_port
    if not port.isdigit() or not 0 <= int(port) < 65536:  # 0 = any free port (servers)
        raise ValueError(f"bad port in {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


class TcpTransport:
    """A TCP connection to a printer; writes use ``sendall`` bounded by ``write_timeout``."""

    bidirectional = True

    def __init__(
        self, host: str, port: int = 9100, *, connect_timeout: float = 5.0, write_timeout: float = 10.0
    ) -> None:
        """Connect.

        :raises TransportConnectError: when the connection cannot be made.
        """
        self.write_timeout = write_timeout
        try:
            self._sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as e:
            raise TransportConnectError(f"cannot connect to printer at {host}:{port}: {e}") from e
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._closed = False
        log.debug("connected to printer at %s:%d", host, port)

    def write(self, data: bytes) -> None:
        """Send all bytes.

        :raises TransportTimeoutError: when the printer does not take them within ``write_timeout``.
        :raises TransportClosedError: when the connection is gone.
        """
        try:
            self._sock.settimeout(self.write_timeout)
            self._sock.sendall(data)
        except TimeoutError as e:
            raise TransportTimeoutError(f"printer accepted no data for {self.write_timeout} s") from e
        except OSError as e:
            raise TransportClosedError(f"printer connection lost: {e}") from e

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes, ``b""`` after ``timeout`` seconds of silence.

        :raises TransportClosedError: when the printer closed the connection.
        """
        try:
            if timeout <= 0:
                self._sock.setblocking(False)
            else:
                self._sock.settimeout(timeout)
            data = self._sock.recv(n)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as e:
            raise TransportClosedError(f"printer connection lost: {e}") from e
        if not data:
            raise TransportClosedError("printer closed the connection")
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("shutdown on an already broken socket")
            self._sock.close()

    def __enter__(self) -> TcpTransport:
        return self

    def __exit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
