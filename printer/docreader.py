"""Reading one JSON object of a document under a dotted path, with typed errors that name the key.

Every reader checks the type and records the key as read, so that ``done()`` can refuse the keys the
contract does not name.  Limits here bound what one document may make the printer do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from printer.docmodel import Pairs
from printer.errors import PrinterError

__all__ = [
    "MAX_LIST_ITEMS",
    "MAX_SEAL_CHARS",
    "MAX_SEAL_PNG_BYTES",
    "MAX_SEAL_PNG_PIXELS",
    "MAX_TEXT_CHARS",
    "QR_ALPHANUMERIC",
    "DocumentError",
    "Obj",
    "check_text",
    "nonempty",
]

# QR alphanumeric mode (ISO/IEC 18004 §7.4.4): the seal is `KJ1:` + Base45, all in this set.
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
MAX_SEAL_CHARS = 1200  # keeps the QR at <= version 25-M, i.e. < 50 mm wide even at 0.42 mm modules
MAX_TEXT_CHARS = 400  # one printed string; longer is a center bug, not something to lay out
MAX_LIST_ITEMS = 64
MAX_SEAL_PNG_BYTES = 512 * 1024
MAX_SEAL_PNG_PIXELS = 2048 * 2048


class DocumentError(PrinterError, ValueError):
    """A document does not follow docs/document-content.md; ``key`` names the offending key."""

    code = "document_invalid"

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Obj:
    """A JSON object under a dotted path; reading keys checks type and records what was read."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, Mapping):
            raise DocumentError(path or "$", f"expected an object, got {type(value).__name__}")
        self.d: Mapping[str, Any] = value
        self.path = path
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str, required: bool) -> Any:
        self.read.add(name)
        if name not in self.d:
            if required:
                raise DocumentError(self.key(name), "missing")
            return None
        return self.d[name]

    def text(self, name: str) -> str:
        return check_text(self.raw(name, True), self.key(name))

    def opt_text(self, name: str) -> str | None:
        v = self.raw(name, False)
        return None if v is None and name not in self.d else check_text(v, self.key(name))

    def obj(self, name: str) -> Obj:
        return Obj(self.raw(name, True), self.key(name))

    def items(self, name: str, required: bool = True) -> list[Any]:
        v = self.raw(name, required)
        if v is None and not required:
            return []
        if not isinstance(v, list):
            raise DocumentError(self.key(name), f"expected a list, got {type(v).__name__}")
        if len(v) > MAX_LIST_ITEMS:
            raise DocumentError(self.key(name), f"more than {MAX_LIST_ITEMS} items")
        return v

    def texts(self, name: str, required: bool = False) -> tuple[str, ...]:
        return tuple(
            check_text(v, f"{self.key(name)}[{i}]") for i, v in enumerate(self.items(name, required))
        )

    def pairs(self, name: str) -> Pairs:
        out = []
        for i, v in enumerate(self.items(name)):
            k = f"{self.key(name)}[{i}]"
            if not isinstance(v, list) or len(v) != 2:
                raise DocumentError(k, "expected a [label, value] pair")
            out.append((check_text(v[0], f"{k}[0]"), check_text(v[1], f"{k}[1]")))
        return tuple(out)

    def done(self) -> None:
        """Unknown keys are refused: a key the printer would silently drop is a contract bug."""
        extra = sorted(set(self.d) - self.read)
        if extra:
            raise DocumentError(self.key(extra[0]), "unknown key")


def check_text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise DocumentError(key, f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise DocumentError(key, "empty string (absent keys are omitted; blanks are 【空欄】)")
    if len(value) > MAX_TEXT_CHARS:
        raise DocumentError(key, f"longer than {MAX_TEXT_CHARS} characters")
    if any(ord(c) < 0x20 for c in value):
        raise DocumentError(key, "control character")
    return value


def nonempty(values: Sequence[object], key: str) -> None:
    if not values:
        raise DocumentError(key, "must not be empty")
