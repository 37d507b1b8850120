"""Sample documents shipped with the package (synthetic people and a demo seal); see _build.py."""

from __future__ import annotations

import json
from pathlib import Path

from printer.document import IssuedDocument, parse_issued
from printer.errors import PrinterError

__all__ = ["SAMPLES", "UnknownSampleError", "load_sample", "sample_path"]

SAMPLES = ("juminhyo", "kisaijiko", "inkan", "kazei", "koseki", "fuhyo")
_HERE = Path(__file__).resolve().parent


class UnknownSampleError(PrinterError, KeyError):
    """No sample of that name."""

    code = "printer_sample_unknown"


def sample_path(name: str) -> Path:
    """The JSON file of sample ``name``.

    :raises UnknownSampleError: naming the known samples.
    """
    if name not in SAMPLES:
        raise UnknownSampleError(f"unknown sample {name!r}; known: {', '.join(SAMPLES)}")
    return _HERE / f"{name}.json"


def load_sample(name: str) -> IssuedDocument:
    """The parsed ``{"content", "seal"}`` entry of sample ``name``.

    :raises UnknownSampleError: naming the known samples.
    """
    return parse_issued(json.loads(sample_path(name).read_text(encoding="utf-8")))
