"""Sealing and storing the documents of one order, inside the caller's (issuing) transaction.

The content comes from the municipality (server_stub/municipal: a municipal issuance server, or the
in-process backend when no directory is configured), already checked against the order's resident
(:func:`server_stub.municipal.protocol.check_answer`).  The center adds the anti-forgery information:
the issue number, the seal id and the digital seal (docs/center.md "Tiers").
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection

from server_stub import queries as sql
from server_stub import rules
from server_stub.dbexec import run, send
from server_stub.documents import issue_number
from server_stub.municipalities import Municipality
from server_stub.seal import SealClaims, content_digest, seal_document
from server_stub.store import dumps

__all__ = ["Issuer"]


class Issuer:
    """Immutable issuing material (catalogue, seal key); thread-safe."""

    def __init__(
        self,
        catalogue: dict[str, Municipality],
        seal_png: dict[str, str],
        seal_key: ec.EllipticCurvePrivateKey,
        *,
        postgres: bool,
    ) -> None:
        self.catalogue = catalogue
        self.seal_png = seal_png
        self.seal_key = seal_key

    @staticmethod
    def _reserve_serials(conn: Connection, name: str, n: int) -> range:
        """``n`` consecutive numbers of counter ``name`` in one statement (queries.COUNTER_RESERVE).

        The row lock of the upsert serializes numbering across center processes.
        """
        last = int(run(conn, sql.COUNTER_RESERVE, {"name": name, "n": n}).scalar_one())
        return range(last - n + 1, last + 1)

    def documents(
        self,
        conn: Connection,
        *,
        kiosk_id: str,
        order: Any,
        contents: list[dict[str, Any]],
        holder_name: str,
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """One ``{"content", "seal"}`` per copy, stored with status ``valid``; returned in copy order."""
        muni = self.catalogue[order.municipality]
        issued = now.astimezone(rules.JST).date()
        out, rows = [], []
        serials = self._reserve_serials(conn, f"issue:{muni.code}:{issued.isoformat()}", order.copies)
        for i, (serial, municipal) in enumerate(zip(serials, contents, strict=True), start=1):
            number = issue_number(issued, muni, kiosk_id, serial)
            seal_id = "S-" + secrets.token_urlsafe(18)
            content = {**municipal, "issue_number": number, "seal_id": seal_id}
            digest = content_digest(content)
            claims = SealClaims(
                seal_id=seal_id,
                certificate=order.certificate,
                municipality=muni.code,
                issued_date=issued,
                issue_number=number,
                holder=order.resident_id,
                holder_name=holder_name,
                digest=digest,
                copy=(i, order.copies),
            )
            doc = {"content": content, "seal": seal_document(claims, self.seal_key)}
            rows.append(
                {
                    "seal_id": seal_id,
                    "order_id": order.order_id,
                    "copy_index": i,
                    "resident_id": order.resident_id,
                    "certificate": order.certificate,
                    "status": "valid",
                    "digest": digest.hex(),
                    "document": dumps(doc),
                }
            )
            out.append(doc)
        send(conn, sql.DOC_INSERT, rows)  # all copies in one batch, queued with the transaction's tail
        return out
