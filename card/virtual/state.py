"""Persistent state of virtual cards: PIN try counters, lock state and changed PINs.

A real card keeps its retry counters in EEPROM; a virtual card keeps them in a JSON state file so a
lock survives a restart of ``python -m card.virtual serve`` (docs/architecture.md contract).  One file may
hold
several cards, keyed by the SHA-256 of the card's user-authentication certificate.  Writes are
atomic (temp file + fsync + rename) and serialised between processes with ``flock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from card.contract import AUTH_PIN_TRIES, SIGN_PASSWORD_TRIES
from card.errors import ProfileError

__all__ = ["AUTH_PIN_TRIES", "SIGN_PASSWORD_TRIES", "CardState", "StateFile"]

log = logging.getLogger(__name__)

MAX_STATE_FILE = 1 << 20  # bound the read


@dataclass
class CardState:
    """The mutable, persistent part of one card."""

    auth_tries_left: int = AUTH_PIN_TRIES
    sign_tries_left: int = SIGN_PASSWORD_TRIES
    # Secrets are kept out of repr so that a logged or asserted state never shows them.  The PIN is set
    # after CHANGE REFERENCE DATA; None means the profile's.
    auth_pin: str | None = field(default=None, repr=False)
    sign_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        """:raises ProfileError: when a field has the wrong type or range."""
        state = cls()
        for key, limit in (("auth_tries_left", AUTH_PIN_TRIES), ("sign_tries_left", SIGN_PASSWORD_TRIES)):
            value = data.get(key, limit)
            if not isinstance(value, int) or not 0 <= value <= limit:
                raise ProfileError(f"state key {key!r} must be an integer 0..{limit}")
            setattr(state, key, value)
        for key in ("auth_pin", "sign_password"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ProfileError(f"state key {key!r} must be a string")
            setattr(state, key, value)
        return state


class StateFile:
    """A JSON file ``{"version": 1, "cards": {card_id: CardState}}``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read_all(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_STATE_FILE + 1)
        except FileNotFoundError:
            return {"version": 1, "cards": {}}
        except OSError as exc:
            raise ProfileError(f"cannot read state file {self.path}: {exc.strerror}") from exc
        if len(raw) > MAX_STATE_FILE:
            raise ProfileError(f"state file {self.path} is larger than {MAX_STATE_FILE} bytes")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProfileError(f"state file {self.path} is not JSON: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("cards", {}), dict):
            raise ProfileError(f"state file {self.path} must be an object with 'cards'")
        data.setdefault("cards", {})
        return data

    def load(self, card_id: str) -> CardState:
        """The stored state of ``card_id``, or a fresh one.

        :raises ProfileError: when the file is unreadable or malformed.
        """
        with self._locked():
            entry = self._read_all()["cards"].get(card_id)
        if entry is None:
            return CardState()
        if not isinstance(entry, dict):
            raise ProfileError(f"state of card {card_id[:12]} must be an object")
        return CardState.from_dict(entry)

    def save(self, card_id: str, state: CardState) -> None:
        """Store ``state`` for ``card_id`` atomically (other cards in the file are kept).

        :raises ProfileError: when the file cannot be written.
        """
        with self._locked():
            data = self._read_all()
            data["version"] = 1
            data["cards"][card_id] = asdict(state)
            text = json.dumps(data, indent=2, sort_keys=True) + "\n"
            try:
                fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except OSError as exc:
                with contextlib.suppress(OSError, UnboundLocalError):
                    os.unlink(tmp)
                raise ProfileError(f"cannot write state file {self.path}: {exc.strerror}") from exc
