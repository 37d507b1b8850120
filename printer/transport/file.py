"""A write-only transport to a file or device node (captures a job's bytes; no status)."""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType

from printer.transport.errors import TransportClosedError, TransportConnectError

__all__ = ["FileTransport"]


class FileTransport:
    """Appends everything written to ``path``; reads never return data (``bidirectional`` is False)."""

    bidirectional = False

    def __init__(self, path: str | Path) -> None:
        """Open for writing.

        :raises TransportConnectError: when the file cannot be opened.
        """
        try:
            self._fh = Path(path).open("ab")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise TransportConnectError(f"cannot open {path} for writing: {e}") from e

    def write(self, data: bytes) -> None:
        """:raises TransportClosedError: when the write fails."""
        try:
            self._fh.write(data)
        except (OSError, ValueError) as e:
            raise TransportClosedError(f"write failed: {e}") from e

    def read(self, n: int, timeout: float) -> bytes:
        if timeout > 0:
            time.sleep(min(timeout, 0.05))
        return b""

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
