"""Resolve a short reference (「7VCD-R602」) to its transaction, for operators (docs/center.md
"Looking up a short reference").

Store staff read the reference off the refund-failed screen or slip; the operator types it into the
console (``GET /lookup?ref=…``, a page) or a script asks ``GET /api/lookup?ref=…`` (JSON), both on the
operators' mutual-TLS listener.  The answer is what staff need and nothing about the resident: state,
amount charged, whether the fee is owed back, kiosk, times.  Every lookup, found or not, is written to
the audit log with the operator's certificate name.

The reference is a one-way hash of the order id (:mod:`contracts.reference`), so the center keeps its
own index: table ``order_refs`` (reference → order id), filled incrementally from ``orders`` before
each lookup (only orders created since the newest indexed one, less a margin for transactions that
committed late), so each order is hashed once and a lookup is two indexed reads.  The table is derived
data: dropping it only costs one full pass on the next lookup.  Several orders can share a reference
(40 bits); the page lists them all.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from html import escape
from typing import Literal

from sqlalchemy import Column, Engine, Float, Index, MetaData, String, Table, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from contracts.jst import JST
from contracts.reference import ReferenceFormatError, normalise_reference, short_reference
from server_stub import audit
from server_stub.errors import CenterError, api_error
from server_stub.municipalities import CERTIFICATES
from server_stub.ops.pages import CSS, search_box
from server_stub.store import orders

__all__ = ["ROUTES", "OrderFacts", "ReferenceIndex", "handle", "lookup_page", "order_refs"]

ROUTES = frozenset({"/lookup", "/api/lookup"})
# Orders whose transaction committed after a later one was indexed (several center processes) still get
# indexed: each refresh looks this far back behind the newest indexed order.
LATE_COMMIT_MARGIN = 300.0

_meta = MetaData()
order_refs = Table(
    "order_refs",
    _meta,
    Column("order_id", String(40), primary_key=True),
    Column("reference", String(9), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_order_refs_reference", "reference"),
    Index("ix_order_refs_created_at", "created_at"),
)

Refund = Literal["none", "not_paid", "open", "due"]
REFUND_LABEL: dict[str, str] = {
    "none": "返金なし（交付済み） / no refund: issued",
    "not_paid": "入金前（返金なし） / nothing was paid",
    "open": "処理中（端末の報告待ち） / in progress: the kiosk has not reported the outcome",
    "due": "返金対象：端末が手数料を返金 / fee to be refunded by the kiosk",
}
STATE_LABEL = {
    "ordered": "受付済み / ordered",
    "issued": "発行済み・印刷中 / issued, printing",
    "printed": "交付済み / printed",
    "failed": "不成立（証明書は無効） / failed (documents voided)",
}


@dataclass(frozen=True)
class OrderFacts:
    """What an operator sees about one transaction: no resident id, no session, no name."""

    reference: str
    order_id: str
    kiosk_id: str
    state: str
    certificate_type: str
    copies: int
    fee_total: int
    charged: int
    refund: Refund
    created_at: float
    completed_at: float | None
    pages_printed: int | None


def refund_of(state: str, charged: int) -> Refund:
    """Whether the fee goes back: a failed order that took money is refunded by the kiosk (its journal
    says whether the cash device paid; a refund-failed slip shows the amount owed)."""
    if charged <= 0:
        return "not_paid"
    if state == "failed":
        return "due"
    return "none" if state == "printed" else "open"


class ReferenceIndex:
    """The ``order_refs`` index over a center database, and the audited lookup."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine, self.clock = engine, clock
        self.postgres = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()  # one refresh at a time in this process
        _meta.create_all(engine, tables=[order_refs])  # data dirs made before the lookup existed
        with engine.begin() as conn:
            # The refresh reads orders by creation time; without this, each one is a full scan.
            conn.execute(text("CREATE INDEX IF NOT EXISTS ix_orders_created_at ON orders (created_at)"))

    def refresh(self) -> int:
        """Index the orders created since the newest indexed one; returns how many were added."""
        with self._lock:
            try:
                return self._refresh()
            except IntegrityError:  # another ops process indexed the same orders first
                return self._refresh()

    def _refresh(self) -> int:
        with self.engine.begin() as conn:
            newest = conn.execute(select(func.max(order_refs.c.created_at))).scalar()
            since = float(newest) - LATE_COMMIT_MARGIN if newest is not None else float("-inf")
            known = set(conn.execute(select(order_refs.c.order_id).where(order_refs.c.created_at >= since))
                        .scalars())
            rows = [
                {"order_id": oid, "reference": short_reference(oid), "created_at": at}
                for oid, at in conn.execute(
                    select(orders.c.order_id, orders.c.created_at).where(orders.c.created_at >= since))
                if oid not in known
            ]
            if rows:
                conn.execute(insert(order_refs), rows)
            return len(rows)

    def lookup(self, typed: str, operator: str) -> tuple[str, list[OrderFacts]]:
        """(normalised reference, its orders, oldest first), audited with ``operator``.

        :raises CenterError: ``field_invalid`` (400) for text that cannot be a reference (a look-alike
            letter, a foreign character, the wrong length); ``order_unknown`` (404) when no order has it.
        """
        try:
            ref = normalise_reference(typed)
        except ReferenceFormatError as e:
            raise api_error("request", "field_invalid", str(e), "reference invalid", status=400) from e
        self.refresh()
        with self.engine.begin() as conn:
            found = self._facts(conn, ref)
            audit.append(conn, at=self.clock(), kiosk_id=found[0].kiosk_id if len(found) == 1 else None,
                         event="ops_reference_lookup",
                         detail={"operator": operator, "reference": ref, "found": len(found)},
                         postgres=self.postgres)
        if not found:
            raise api_error("order", "order_unknown",
                            f"受付番号 {ref} の取引は見つかりません。番号を読み直してください",
                            f"no transaction has reference {ref}; please check the reading", status=404)
        return ref, found

    @staticmethod
    def _facts(conn: Connection, ref: str) -> list[OrderFacts]:
        o = orders.c
        q = (select(o.order_id, o.kiosk_id, o.state, o.certificate, o.copies, o.fee_total, o.charged,
                    o.created_at, o.completed_at, o.pages_printed)
             .join_from(order_refs, orders, order_refs.c.order_id == o.order_id)
             .where(order_refs.c.reference == ref).order_by(o.created_at))
        return [
            OrderFacts(ref, r.order_id, r.kiosk_id, r.state, r.certificate, int(r.copies), int(r.fee_total),
                       int(r.charged or 0), refund_of(r.state, int(r.charged or 0)), float(r.created_at),
                       r.completed_at, r.pages_printed)
            for r in conn.execute(q)
        ]


# --- pages ------------------------------------------------------------------------------------------


def _when(at: float | None) -> str:
    return "—" if at is None else dt.datetime.fromtimestamp(at, JST).strftime("%Y-%m-%d %H:%M:%S")


def _facts_table(found: list[OrderFacts]) -> str:
    rows = "".join(
        f'<tr id="order-{escape(f.order_id)}"><td>{escape(f.kiosk_id)}</td>'
        f"<td>{escape(STATE_LABEL.get(f.state, f.state))}</td>"
        f"<td>{escape(CERTIFICATES.get(f.certificate_type, f.certificate_type))}</td>"
        f"<td>{f.copies}</td><td>{f.charged:,}円</td>"
        f'<td class="{"st-warning" if f.refund == "due" else ""}">{escape(REFUND_LABEL[f.refund])}</td>'
        f"<td>{_when(f.created_at)}</td><td>{_when(f.completed_at)}</td>"
        f"<td><code>{escape(f.order_id)}</code></td></tr>"
        for f in found
    )
    many = ("<p id=\"collision\">同じ受付番号の取引が複数あります。端末と時刻で見分けてください / "
            "several transactions share this reference: tell them apart by kiosk and time.</p>"
            if len(found) > 1 else "")
    return (
        f'{many}<table id="orders"><thead><tr><th>端末 / Kiosk</th><th>状態 / State</th>'
        "<th>証明書 / Certificate</th><th>通数 / Copies</th><th>支払額 / Paid</th><th>返金 / Refund</th>"
        "<th>受付 / Ordered</th><th>完了 / Completed</th><th>取引番号 / Transaction</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def lookup_page(typed: str, ref: str = "", found: list[OrderFacts] | None = None, error: str = "") -> str:
    """The lookup page: the search box, then the transactions or the reason there are none."""
    parts = ["<h1>受付番号の照会 / Reference lookup</h1>",
             '<p><a href="/">← 運用コンソール / console</a></p>', search_box(typed)]
    if error:
        parts.append(f'<p class="st-fault" id="lookup-error">{escape(error)}</p>')
    if found:
        parts.append(f'<h2 id="lookup-ref-shown">{escape(ref)}</h2>{_facts_table(found)}')
    title = "受付番号の照会 / Reference lookup"
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def handle(index: ReferenceIndex, path: str, query: Mapping[str, list[str]],
           operator: str) -> tuple[int, str, bytes, str]:
    """(status, content type, body, outcome code) of ``GET /lookup`` or ``GET /api/lookup``."""
    typed = query.get("ref", [""])[0][:64]
    as_json = path == "/api/lookup"
    if not typed and not as_json:
        return 200, "text/html; charset=utf-8", lookup_page("").encode(), "ok"
    try:
        ref, found = index.lookup(typed, operator)
    except CenterError as e:
        if as_json:
            body = json.dumps({"error": {"code": e.error_code, "message": e.message}}, ensure_ascii=False)
            return e.http_status, "application/json", body.encode(), e.error_code
        page = lookup_page(typed, error=e.message)
        return e.http_status, "text/html; charset=utf-8", page.encode(), e.error_code
    if as_json:
        body2 = {"reference": ref, "orders": [asdict(f) for f in found]}
        return 200, "application/json", json.dumps(body2, ensure_ascii=False).encode(), "ok"
    return 200, "text/html; charset=utf-8", lookup_page(typed, ref, found).encode(), "ok"
