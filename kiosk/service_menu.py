"""The store staff's service menu: every decision, no Kivy (docs/style.md §2.4, docs/architecture.md "staff").

The Kivy screens (``kiosk/ui/``) only render what this module says and call its actions:

- the staff PIN is checked by ``kiosk.flow.staff.StaffGate`` (hash in the config, lockout after repeated
  failures, clock injected); ``ServiceMenu.login`` audits each attempt;
- ``CornerGesture``: the hidden entry, a tap in each corner in order (top-left, top-right, bottom-right,
  bottom-left) within a few seconds, which a resident does not do by accident;
- ``AuditLog``: an append-only JSON-lines file; every staff action adds one line with the action name and
  codes only (no PIN, no resident data);
- ``IssueCounters``: certificates issued by day and certificate type (a small JSON file);
- ``ServiceMenu``: the actions of the menu over a ``ServiceBackend`` (device status, test print, ...),
  each one audited.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from kiosk.flow.staff import StaffGate

__all__ = [
    "AuditLog",
    "CornerGesture",
    "IssueCounters",
    "LoginState",
    "ServiceBackend",
    "ServiceMenu",
    "StatusLine",
]

log = logging.getLogger(__name__)

_MAX_LOG_BYTES = 256 * 1024  # the log view reads at most this much of the audit log's tail


Corner = Literal["tl", "tr", "br", "bl"]
_SEQUENCE: tuple[Corner, ...] = ("tl", "tr", "br", "bl")


class CornerGesture:
    """The hidden staff entry: the four corners tapped clockwise from top-left within ``window`` s."""

    def __init__(self, window: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._seen: list[tuple[Corner, float]] = []

    @staticmethod
    def corner_of(x: float, y: float, width: float, height: float, size: float) -> Corner | None:
        """Which corner square of side ``size`` a touch at (x, y) (origin bottom-left) falls into."""
        left, right = x <= size, x >= width - size
        bottom, top = y <= size, y >= height - size
        if top and left:
            return "tl"
        if top and right:
            return "tr"
        if bottom and right:
            return "br"
        if bottom and left:
            return "bl"
        return None

    def feed(self, corner: Corner | None) -> bool:
        """Register one tap; True when the sequence is complete (then it starts over)."""
        now = self._clock()
        self._seen = [(c, t) for c, t in self._seen if now - t <= self._window]
        if corner is None:
            self._seen.clear()
            return False
        expected = _SEQUENCE[len(self._seen)]
        if corner != expected:
            self._seen = [(corner, now)] if corner == _SEQUENCE[0] else []
            return False
        self._seen.append((corner, now))
        if len(self._seen) == len(_SEQUENCE):
            self._seen.clear()
            return True
        return False


_AUDIT_FIELD = frozenset("abcdefghijklmnopqrstuvwxyz_")
_AUDIT_VALUE = _AUDIT_FIELD | frozenset("0123456789.-")


class AuditLog:
    """Append-only JSON lines: ``{"at": ISO time, "action": name, ...codes}``.

    Values are restricted to short codes, booleans and integers so that no free text (and so no
    personal data) can be written by accident.
    """

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self._path = Path(path)
        self._clock = clock

    @property
    def path(self) -> Path:
        return self._path

    def append(self, action: str, **fields: str | int | bool) -> dict[str, object]:
        """Append one entry (flushed and fsynced: the audit trail must survive a power cut).

        :raises ValueError: an action or field that is not a short lower-case code.
        """
        for name in (action, *fields):
            if not name or len(name) > 40 or not set(name) <= _AUDIT_FIELD:
                raise ValueError(f"audit: {name!r} is not a lower-case code")
        for value in fields.values():
            if isinstance(value, str) and (len(value) > 40 or not set(value) <= _AUDIT_VALUE):
                raise ValueError("audit: string values must be short codes")
        at = dt.datetime.fromtimestamp(self._clock(), tz=dt.UTC).isoformat(timespec="seconds")
        entry: dict[str, object] = {"at": at, "action": action, **fields}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=True, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return entry

    def tail(self, n: int = 20) -> list[dict[str, object]]:
        """The last ``n`` entries (reads at most the last 256 KiB; unreadable lines are skipped)."""
        if not self._path.exists():
            return []
        with self._path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - _MAX_LOG_BYTES))
            data = f.read(_MAX_LOG_BYTES)
        out: list[dict[str, object]] = []
        for line in data.decode("utf-8", "replace").splitlines()[-n:]:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out


class IssueCounters:
    """Certificates issued, by day and certificate type, persisted as a small JSON file.

    The runner calls ``record`` when it prints a receipt (``PrintReceipt`` effect: type and copies).
    """

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._data: dict[str, dict[str, int]] = self._load()

    def _load(self) -> dict[str, dict[str, int]]:
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError) as e:
            log.warning("counters file unreadable, starting from zero: %s", type(e).__name__)
            return {}
        if not isinstance(raw, dict):
            return {}
        return {str(d): {str(k): int(v) for k, v in c.items()} for d, c in raw.items() if isinstance(c, dict)}

    def record(self, day: dt.date, certificate: str, copies: int) -> None:
        per_day = self._data.setdefault(day.isoformat(), {})
        per_day[certificate] = per_day.get(certificate, 0) + copies
        tmp = self._path.with_suffix(".tmp")
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(self._data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self._path)

    def by_day(self, days: int = 7) -> list[tuple[str, dict[str, int]]]:
        """The latest ``days`` days that have counts, newest first."""
        return [(d, dict(self._data[d])) for d in sorted(self._data, reverse=True)[:days]]


DeviceState = Literal["ok", "warning", "fault", "unknown"]


@dataclass(frozen=True)
class StatusLine:
    """One line of the status panel; ``detail`` is a message key (``service.detail.*``)."""

    device: Literal["reader", "printer", "payment", "center"]
    state: DeviceState
    detail: str | None = None
    latency_ms: float | None = None  # center round trip


class ServiceBackend(Protocol):
    """What the menu needs from the device wiring (the runner implements it; tests use a fake)."""

    def device_status(self) -> list[StatusLine]: ...

    def test_print(self) -> StatusLine: ...

    def test_reader(self) -> StatusLine: ...

    def paper_replenished(self) -> None: ...

    def restart(self) -> None: ...


LoginState = Literal["idle", "wrong", "locked"]


@dataclass
class ServiceMenu:
    """The menu's actions; each is appended to the audit log with its outcome code."""

    gate: StaffGate
    backend: ServiceBackend
    audit: AuditLog
    counters: IssueCounters
    out_of_service: bool = False
    last_result: str | None = None  # message key of the last action's outcome (shown on screen)
    _wrong: bool = False

    def login(self, pin: str) -> bool:
        """Check a staff PIN (refused while locked); audited without the PIN."""
        locked = self.gate.locked
        ok = self.gate.check(pin)
        self._wrong = not ok
        self.audit.append("staff_login", result="locked" if locked else ("ok" if ok else "wrong"))
        return ok

    @property
    def login_state(self) -> LoginState:
        """What the login screen says: nothing yet, wrong PIN, or locked out."""
        if self.gate.locked:
            return "locked"
        return "wrong" if self._wrong else "idle"

    def status(self) -> list[StatusLine]:
        return self.backend.device_status()

    def test_print(self) -> StatusLine:
        got = self.backend.test_print()
        self.audit.append("test_print", result=got.state)
        self.last_result = f"service.result.{got.state}"
        return got

    def test_reader(self) -> StatusLine:
        got = self.backend.test_reader()
        self.audit.append("test_reader", result=got.state)
        self.last_result = f"service.result.{got.state}"
        return got

    def paper_replenished(self) -> None:
        self.backend.paper_replenished()
        self.audit.append("paper_replenished")
        self.last_result = "service.result.ok"

    def set_out_of_service(self, value: bool) -> None:
        self.out_of_service = value
        self.audit.append("out_of_service", value=value)
        self.last_result = "service.result.ok"

    def restart(self) -> None:
        self.audit.append("restart")
        self.backend.restart()

    def leave(self) -> bool:
        """Audit the exit; returns whether the kiosk goes back into service."""
        self.audit.append("service_exit", in_service=not self.out_of_service)
        self.last_result, self._wrong = None, False
        return not self.out_of_service

    def log_lines(self, n: int = 12) -> list[str]:
        """The audit log's tail as display lines (codes only: nothing personal is ever written there)."""
        lines = []
        for e in self.audit.tail(n):
            extra = " ".join(f"{k}={e[k]}" for k in sorted(e) if k not in ("at", "action"))
            lines.append(f"{e.get('at', '')}  {e.get('action', '')}  {extra}".rstrip())
        return lines
