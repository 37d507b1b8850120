"""Audit anchors: the chain head, signed with a key that is not in the database.

The hash chain (server_stub/audit.py) shows an edited entry, but someone who can write the database can
also delete an entry and recompute every later hash: the chain is then consistent again.  An *anchor*
is ``{"seq", "hash", "at"}`` of the head at some moment, signed (ECDSA P-256) with the anchor key,
``DIR/audit/anchor-key.pem`` by default (or any key given with ``--key``: in production the auditor's,
kept off the center's machine).  ``audit-anchor`` prints it and appends it to ``DIR/audit/anchors.jsonl``;
an auditor keeps copies.  ``verify --audit`` then refuses a chain that is broken *or* that no longer
holds, at an anchored sequence number, the hash the anchor signed: a rewritten chain.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, select

from server_stub import pki
from server_stub.errors import ConfigError
from server_stub.store import audit_head, audit_log

__all__ = ["make_anchor", "read_anchors", "verify_audit", "write_anchor_key"]

DOMAIN = "konbini-audit-anchor-v1"


def _message(seq: int, head: str, at: str) -> bytes:
    return json.dumps([DOMAIN, seq, head, at], separators=(",", ":")).encode()


def write_anchor_key(data_dir: Path) -> None:
    """A fresh anchor key pair under ``DIR/audit`` (private 0600)."""
    d = data_dir / "audit"
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pki.write_key(d / "anchor-key.pem", key)
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (d / "anchor-public.pem").write_bytes(pub)


def make_anchor(conn: Connection, key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> dict[str, Any]:
    """The signed head of the chain as it is in ``conn`` now."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    at = now.isoformat()
    sig = key.sign(_message(int(head.seq), str(head.hash), at), ec.ECDSA(hashes.SHA256()))
    return {
        "seq": int(head.seq),
        "hash": str(head.hash),
        "at": at,
        "signature": base64.b64encode(sig).decode(),
    }


def _check_anchor(conn: Connection, anchor: dict[str, Any], public: ec.EllipticCurvePublicKey) -> str | None:
    """None when ``anchor`` is genuine and the chain still holds its hash, else why not."""
    try:
        seq, head, at = int(anchor["seq"]), str(anchor["hash"]), str(anchor["at"])
        sig = base64.b64decode(anchor["signature"], validate=True)
    except (KeyError, TypeError, ValueError):
        return "anchor malformed"
    try:
        public.verify(sig, _message(seq, head, at), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return f"anchor at seq {seq}: signature invalid"
    if seq == 0:
        return None
    row = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).one_or_none()
    if row is None:
        return f"anchored entry {seq} is missing"
    if row.hash != head:
        return f"entry {seq} differs from its anchor: the chain was rewritten"
    return None


def verify_audit(conn: Connection, anchors: list[dict[str, Any]], public_pem: bytes) -> dict[str, Any]:
    """The chain's own check plus every anchor; ``{"valid", "entries", "anchors", "problems"}``."""
    from server_stub.audit import verify_chain

    try:
        public = serialization.load_pem_public_key(public_pem)
    except ValueError as exc:
        raise ConfigError("アンカー公開鍵を読めません / cannot read the anchor public key") from exc
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ConfigError("アンカー公開鍵が EC ではありません / anchor key is not EC")
    problems = []
    broken = verify_chain(conn)
    if broken is not None:
        problems.append(f"hash chain breaks at entry {broken}")
    for a in anchors:
        why = _check_anchor(conn, a, public)
        if why:
            problems.append(why)
    head = conn.execute(select(audit_head.c.seq)).scalar_one()
    return {"valid": not problems, "entries": int(head), "anchors": len(anchors), "problems": problems}


def read_anchors(path: Path) -> list[dict[str, Any]]:
    """Anchors from a JSON-lines file.  :raises ConfigError: when unreadable."""
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"アンカーを読めません / cannot read anchors {path}") from exc
