"""What the emulator keeps of each page: finished or aborted, its image, text and command log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from printer.escpos import commands as c

__all__ = ["PageRecord", "describe"]


@dataclass
class PageRecord:
    """One page the printer finished (``printed``) or lost (``aborted``)."""

    number: int
    status: str
    reason: str | None
    image: Image.Image | None
    text: list[str]
    commands: list[dict[str, Any]]
    height: int
    #: commands not emulated (or refused), each with its bytes in hex and the reason
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "page": self.number, "status": self.status, "reason": self.reason,
            "height": self.height, "text": self.text, "commands": len(self.commands),
            "skipped": len(self.skipped),
        }


def describe(cmd: c.Command) -> dict[str, Any]:
    """A command for the JSON log: its type and parameters; payloads by length (hex when short)."""
    out: dict[str, Any] = {"cmd": type(cmd).__name__}
    for name, value in vars(cmd).items():
        if isinstance(value, bytes):
            out[f"{name}_len"] = len(value)
            if len(value) <= 16:
                out[name] = value.hex()
        else:
            out[name] = value
    return out
