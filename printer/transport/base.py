"""The transport protocol every printer link implements (composed, never inherited into a codec)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["PrinterTransport"]


@runtime_checkable
class PrinterTransport(Protocol):
    """Bytes to and from a printer.

    ``write`` sends all of ``data`` or raises :class:`~printer.transport.errors.TransportError`
    (:class:`~printer.transport.errors.TransportTimeoutError` when the printer stopped accepting).
    ``read`` returns between 1 and ``n`` bytes as soon as any arrive, or ``b""`` when ``timeout``
    seconds pass without any (0 = poll without waiting); a closed link raises
    :class:`~printer.transport.errors.TransportClosedError`.
    """

    #: False when the link cannot carry replies (a file): the job then runs blind.
    bidirectional: bool

    def write(self, data: bytes) -> None: ...

    def read(self, n: int, timeout: float) -> bytes: ...

    def close(self) -> None: ...
