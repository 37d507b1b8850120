"""The staff-PIN lockout on disk, so that a restart does not reset it (kiosk.flow.staff.LockoutStore).

The file holds the failure count and the wall-clock end of the lockout (the gate itself counts on a
monotonic clock, which restarts with the process).  It is written atomically, 0600, and holds no PIN.
A file that cannot be read counts as a lockout in force: failing safe beats failing open.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["FileLockoutStore"]

log = logging.getLogger(__name__)


class FileLockoutStore:
    def __init__(self, path: Path, *, lockout_seconds: float = 300.0,
                 wall: Callable[[], float] = time.time) -> None:
        self.path = path
        self.lockout_seconds = lockout_seconds
        self.wall = wall

    def load(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            failures, until = int(data["failures"]), float(data["locked_until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("staff lockout state unreadable: locked for %.0f s", self.lockout_seconds)
            return 0, self.lockout_seconds
        return failures, max(0.0, until - self.wall())

    def save(self, failures: int, lock_remaining: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {"failures": failures, "locked_until": self.wall() + lock_remaining if lock_remaining else 0.0}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
