"""``init``'s municipal part: the closed network's CA and certificates, the registry copy, the directory.

Layout (docs/center.md "Tiers"):

* ``DIR/munet/``: the network CA (``ca.pem``, ``ca-key.pem``) and the center's client certificate
  (``center.pem``, ``center-key.pem``): a separate CA from the kiosks' and the public TLS one.
* ``DIR/municipal/``: what the municipal servers run from: ``tls/`` (network CA, server certificate),
  ``registry.db`` (their database), ``seals/`` (their 公印 images) and ``directory.json`` (which server
  serves which codes; addresses are filled in when the servers are started).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from cryptography.x509.oid import ExtendedKeyUsageOID

from server_stub import pki
from server_stub.municipal.storage import copy_registry
from server_stub.store import make_engine

__all__ = ["CENTER_CN", "directory_template", "init_municipal"]

# The CN a municipal server accepts as its caller: only the center talks to municipalities.
CENTER_CN = "jlis-center"


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(0o600)


def directory_template(codes: list[str], servers: int) -> dict[str, Any]:
    """Codes spread round-robin over ``servers`` municipal processes (``m1``…); no addresses yet."""
    n = max(1, min(servers, len(codes)))
    spread: list[list[str]] = [[] for _ in range(n)]
    for i, code in enumerate(sorted(codes)):
        spread[i % n].append(code)
    return {
        "version": 1,
        "servers": [{"name": f"m{i + 1}", "municipalities": c} for i, c in enumerate(spread)],
    }


def init_municipal(
    d: Path, center_db: str, *, codes: list[str], servers: int, rng: Any, now: dt.datetime
) -> dict[str, Any]:
    """Create ``DIR/munet`` and ``DIR/municipal`` (see the module doc); returns the municipal config."""
    ca = pki.make_ec_ca("Konbini Municipal Network CA TEST", rng.child("munet-ca") if rng else None, now)
    _write(d / "munet" / "ca.pem", pki.pem(ca[0]))
    pki.write_key(d / "munet" / "ca-key.pem", ca[1])
    client = pki._leaf(
        CENTER_CN, ca, rng.child("munet-center") if rng else None, now, ExtendedKeyUsageOID.CLIENT_AUTH, None
    )
    _write(d / "munet" / "center.pem", pki.pem(client[0]))
    pki.write_key(d / "munet" / "center-key.pem", client[1])
    srv = pki.make_server_cert(ca, rng.child("munet-server") if rng else None, now)
    m = d / "municipal"
    _write(m / "tls" / "ca.pem", pki.pem(ca[0]))
    _write(m / "tls" / "server.pem", pki.pem(srv[0]) + pki.pem(ca[0]))
    pki.write_key(m / "tls" / "server-key.pem", srv[1])
    for code in codes:
        (m / "seals").mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(d / "seals" / f"{code}.b64", m / "seals" / f"{code}.b64")
    url = f"sqlite:///{m / 'registry.db'}"
    src, dst = make_engine(center_db), make_engine(url)
    try:
        counts = copy_registry(src, dst)
    finally:
        src.dispose()
        dst.dispose()
    _write(m / "directory.json", json.dumps(directory_template(codes, servers), indent=2) + "\n")
    cfg = {"version": 1, "db": url, "servers": servers, "municipalities": len(codes), "rows": counts}
    _write(m / "municipal.json", json.dumps(cfg, indent=2) + "\n")
    return cfg
