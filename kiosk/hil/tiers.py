"""The tiers for a HIL run: municipal issuance servers, then the center routing to them.

A scenario's ``tiers`` layout names the servers and which municipality codes each serves:
``"first"`` (the first person's municipality), ``"others"`` (every other code) or ``"all"``; each
server may get test options (``--delay-ms``).  docs/center.md "Tiers".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from kiosk.hil.errors import ServiceStartError
from kiosk.hil.services import REPO, Service, Supervisor, child_env

__all__ = ["default_layout", "ensure_municipal", "start_tiers"]


def ensure_municipal(data: Path) -> None:
    """A data dir made before the tiers existed gets its municipal tier once."""
    if (data / "municipal" / "municipal.json").exists():
        return
    r = subprocess.run([sys.executable, "-m", "server_stub", "municipal", "init", "--data", str(data)],
                       cwd=REPO, env=child_env(), text=True, capture_output=True, timeout=300, check=False)
    if r.returncode != 0:
        raise ServiceStartError(f"municipal init failed: {r.stderr[-2000:]}")


def default_layout(data: Path) -> tuple[dict[str, Any], ...]:
    """The servers of ``DIR/municipal/directory.json`` as made by ``init`` (``--municipal-servers``)."""
    ensure_municipal(data)
    doc = json.loads((data / "municipal" / "directory.json").read_text(encoding="utf-8"))
    return tuple({"name": s["name"], "municipalities": list(s["municipalities"])} for s in doc["servers"])


def _codes(spec: str | list[str], first: str, all_codes: list[str]) -> list[str]:
    if isinstance(spec, list):
        return spec
    if spec == "first":
        return [first]
    if spec == "others":
        return [c for c in all_codes if c != first]
    return list(all_codes)


def start_tiers(sup: Supervisor, data: Path, now: str, layout: tuple[dict[str, Any], ...], *, first: str = "",
                center_args: tuple[str, ...] = ()) -> Service:
    """Start the layout's municipal servers and a center with their directory; the center service."""
    ensure_municipal(data)
    template = json.loads((data / "municipal" / "directory.json").read_text(encoding="utf-8"))
    all_codes = sorted({c for s in template["servers"] for c in s["municipalities"]})
    servers = []
    for s in layout:
        codes = _codes(s["municipalities"], first, all_codes)
        svc = sup.spawn(f"municipal-{s['name']}", [
            sys.executable, "-m", "server_stub", "municipal", "serve", "--data", str(data / "municipal"),
            "--municipality", ",".join(codes), "--name", s["name"], "--port", "0", "--now", now,
            *s.get("extra", ())])
        port = int(json.loads(svc.wait_line(r'^\{.*"port"', 60).string)["port"])
        servers.append({"name": s["name"], "address": f"127.0.0.1:{port}", "municipalities": codes})
    directory = sup.logs / "directory.json"
    directory.write_text(json.dumps({"version": 1, "servers": servers}, indent=1), encoding="utf-8")
    svc = sup.spawn("center", [sys.executable, "-m", "server_stub", "serve", "--data", str(data), "--host",
                               "127.0.0.1", "--port", "0", "--public-port", "0", "--now", now,
                               "--directory", str(directory), *center_args])
    m = svc.wait_line(r'^\{.*"port"', 60)
    port = int(json.loads(m.string)["port"])
    svc.info.update(port=port, url=f"https://127.0.0.1:{port}", data=str(data), directory=servers)
    return svc
