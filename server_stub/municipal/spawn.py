"""Municipal servers and the center as child processes on loopback (tests, HIL, bench, ``tiers``).

:class:`SpawnedTiers` starts the servers of ``DIR/municipal/directory.json`` (or of a layout given by
the caller), writes the directory with their addresses, and starts the center with ``--directory``.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from server_stub.childproc import start_child, stop_child
from server_stub.client import SpawnedCenter

__all__ = ["SpawnedMunicipal", "SpawnedTiers"]


class SpawnedMunicipal:
    """``python -m server_stub municipal serve`` on 127.0.0.1:<free port>, stopped by pid."""

    def __init__(
        self,
        mdir: Path,
        name: str,
        codes: list[str],
        *extra: str,
        now: str | None = None,
        quiet: bool = False,
    ) -> None:
        args = [sys.executable, "-m", "server_stub", "municipal", "serve", "--data", str(mdir)]
        args += ["--municipality", ",".join(codes), "--name", name, "--port", "0"]
        if now:
            args += ["--now", now]
        self.name, self.codes = name, codes
        self.proc, info = start_child([*args, *extra], f"municipal server {name}", quiet=quiet)
        self.port, self.pid = int(info["port"]), int(info["pid"])

    def stop(self) -> str:
        return stop_child(self.proc)


class SpawnedTiers:
    """M municipal servers and one center with a directory naming them.

    :param layout: ``[{"name", "municipalities": [...], "extra": [...]}]``; default: directory.json.
    :param center_extra: further ``serve`` options.
    """

    def __init__(
        self,
        data: Path,
        *center_extra: str,
        layout: list[dict[str, Any]] | None = None,
        now: str | None = None,
        db: str | None = None,
        quiet: bool = False,
    ) -> None:
        self.data = data
        mdir = data / "municipal"
        if layout is None:
            layout = json.loads((mdir / "directory.json").read_text())["servers"]
        self.municipal: list[SpawnedMunicipal] = []
        self.center: SpawnedCenter | None = None
        try:
            for s in layout:
                self.municipal.append(
                    SpawnedMunicipal(
                        mdir, s["name"], s["municipalities"], *s.get("extra", []), now=now, quiet=quiet
                    )
                )
            directory = {
                "version": 1,
                "servers": [
                    {"name": m.name, "address": f"127.0.0.1:{m.port}", "municipalities": m.codes}
                    for m in self.municipal
                ],
            }
            self.directory = data / "munet" / f"directory-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
            self.directory.write_text(json.dumps(directory, indent=2) + "\n")
            self.directory.chmod(0o600)  # the data dir's files are the owner's only
            self.center = SpawnedCenter(
                data, "--directory", str(self.directory), *center_extra, db=db, now=now, quiet=quiet
            )
        except BaseException:
            self.stop()
            raise

    def describe(self) -> dict[str, Any]:
        assert self.center is not None
        return {
            "center": {
                "port": self.center.port,
                "public_port": self.center.public_port,
                "pid": self.center.pid,
            },
            "municipal": [
                {"name": m.name, "port": m.port, "pid": m.pid, "municipalities": m.codes}
                for m in self.municipal
            ],
            "directory": str(self.directory),
        }

    def alive(self) -> bool:
        procs = [m.proc for m in self.municipal] + ([self.center.proc] if self.center else [])
        return all(p.poll() is None for p in procs)

    def server(self, name: str) -> SpawnedMunicipal:
        return next(m for m in self.municipal if m.name == name)

    def stop(self) -> str:
        """Stop the center, then the municipal servers; their stderr joined."""
        out = [self.center.stop()] if self.center is not None else []
        out += [m.stop() for m in self.municipal]
        d = getattr(self, "directory", None)
        if d is not None:
            d.unlink(missing_ok=True)
        return "\n".join(out)
