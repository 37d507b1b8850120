"""Page printers (profile kind "page", e.g. a4-laser-600): pages go out as one PDF, to a file or CUPS.

``lp`` is the CUPS client: ``lp [-d PRINTER] -t TITLE -`` reads the PDF from stdin and answers
``request id is QUEUE-N (1 file(s))``.  A page printer reports no status over this path, so
"printed" means "accepted by the spooler"; the kiosk should watch the queue for faults.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from printer.transport.errors import TransportClosedError, TransportConnectError, TransportTimeoutError

__all__ = ["LpSink", "LpTransport", "PageSink", "PdfFileSink", "PdfFileTransport", "pages_to_pdf"]

log = logging.getLogger(__name__)


@runtime_checkable
class PageSink(Protocol):
    """Where a page printer's PDF goes.  ``submit`` returns a job reference (path or spooler id)."""

    def submit(self, pdf: bytes, *, title: str) -> str: ...


def pages_to_pdf(pages: Sequence[Image.Image], dpi: int) -> bytes:
    """One PDF page per 1-bit image, at the device resolution (no resampling)."""
    if not pages:
        raise ValueError("no pages")
    buf = io.BytesIO()
    first, *rest = pages
    first.save(buf, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return buf.getvalue()


class PdfFileSink:
    """Writes the PDF atomically (temp file + rename) to ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def submit(self, pdf: bytes, *, title: str) -> str:
        """:raises TransportConnectError: when the file cannot be written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".print-", suffix=".pdf")
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            Path(tmp).replace(self.path)
        except OSError as e:
            raise TransportConnectError(f"cannot write {self.path}: {e}") from e
        return str(self.path)


class LpSink:
    """Hands the PDF to CUPS with ``lp``."""

    def __init__(self, printer: str | None = None, *, lp: str = "lp", timeout: float = 30.0) -> None:
        self.printer = printer
        self.lp = lp
        self.timeout = timeout

    def submit(self, pdf: bytes, *, title: str) -> str:
        """Spool the PDF; return the CUPS request id.

        :raises TransportConnectError: when ``lp`` is missing or refuses the job.
        :raises TransportTimeoutError: when ``lp`` does not finish in time.
        """
        exe = shutil.which(self.lp)
        if exe is None:
            raise TransportConnectError(f"{self.lp!r} not found: install the CUPS client (cups-client)")
        argv = [exe, *(["-d", self.printer] if self.printer else []), "-t", title, "-o", "media=A4", "-"]
        try:
            done = subprocess.run(argv, input=pdf, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as e:
            raise TransportTimeoutError(f"lp did not finish within {self.timeout} s") from e
        except OSError as e:
            raise TransportClosedError(f"cannot run lp: {e}") from e
        out = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            raise TransportConnectError(f"lp refused the job (exit {done.returncode}): {err}")
        match = re.search(r"request id is (\S+)", out)
        return match.group(1) if match else out.strip()


# The names the issue uses for these adapters.
PdfFileTransport = PdfFileSink
LpTransport = LpSink
