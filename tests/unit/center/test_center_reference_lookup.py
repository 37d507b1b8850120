"""The short reference: what operators may type, and the center's index that resolves it (real SQLite)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, text

from contracts.reference import ReferenceFormatError, normalise_reference, short_reference
from server_stub import audit
from server_stub.errors import CenterError
from server_stub.ops.lookup import ReferenceIndex, handle, order_refs, refund_of
from server_stub.store import audit_log, make_engine, metadata, orders

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # written out here, not imported


def _expected(order_id: str) -> str:
    """The reference by hand: 40 bits of SHA-256, 5 bits a character."""
    n = int(hashlib.sha256(order_id.encode()).hexdigest()[:10], 16)
    s = "".join(CROCKFORD[(n >> (35 - 5 * i)) & 31] for i in range(8))
    return s[:4] + "-" + s[4:]


@pytest.mark.parametrize("typed", ["7vcd-r602", "7VCDR602", " 7VCD R602 ", "７ＶＣＤ－Ｒ６０２", "7vcd–r602"])
def test_case_width_spaces_and_dashes_are_forgiven(typed: str) -> None:
    assert normalise_reference(typed) == "7VCD-R602"


@pytest.mark.parametrize(("typed", "said"), [
    ("7VCD-R6O2", "did you mean '0'"), ("7VCD-RI02", "did you mean '1'"), ("7vcd-rl02", "did you mean '1'"),
    ("7VCD-RU02", "did you mean 'V'"), ("7VCD-R60", "8 characters, not 7"), ("7VCD-R6022", "not 9"),
    ("7VCD-R60#", "'#' is not a reference character"), ("", "not 0"),
])
def test_look_alikes_and_wrong_lengths_get_a_clear_message(typed: str, said: str) -> None:
    with pytest.raises(ReferenceFormatError, match=said) as e:
        normalise_reference(typed)
    assert "受付番号" in str(e.value)  # the Japanese half for the operator


@given(st.text(min_size=1, max_size=40))
def test_the_reference_is_the_hash_prefix_and_always_normalises_to_itself(order_id: str) -> None:
    ref = short_reference(order_id)
    assert ref == _expected(order_id)
    assert normalise_reference(ref) == ref == normalise_reference(ref.lower().replace("-", ""))


def test_refund_states() -> None:
    assert refund_of("failed", 300) == "due"
    assert refund_of("printed", 300) == "none"
    assert refund_of("issued", 300) == "open"
    assert refund_of("failed", 0) == refund_of("ordered", 0) == "not_paid"


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        audit.init_head(conn)
    return engine


def _order(engine: Engine, oid: str, at: float, state: str = "printed", charged: int = 300) -> None:
    row = {"order_id": oid, "session_id": "S-x", "kiosk_id": "K0007", "resident_id": "R-SYNTH-01",
           "municipality": "131016", "relation": "residence", "certificate": "juminhyo", "options": "{}",
           "copies": 1, "fee_each": 300, "fee_total": 300, "state": state, "created_at": at,
           "charged": charged, "completed_at": at + 60}
    with engine.begin() as conn:
        conn.execute(insert(orders).values(**row))


def test_lookup_finds_the_order_indexes_each_once_and_audits_the_operator(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    for i in range(50):
        _order(engine, f"O-synthetic-{i:03d}", 1_800_000_000.0 + i)
    _order(engine, "O-refund-me", 1_800_000_100.0, state="failed", charged=500)
    index = ReferenceIndex(engine, lambda: 1_800_000_500.0)
    ref = _expected("O-refund-me")
    got_ref, found = index.lookup(ref.lower(), "operator-01")
    assert got_ref == ref and [f.order_id for f in found] == ["O-refund-me"]
    f = found[0]
    assert (f.kiosk_id, f.state, f.charged, f.refund) == ("K0007", "failed", 500, "due")
    assert "resident_id" not in json.dumps([f.__dict__ for f in found])
    assert index.refresh() == 0  # everything already indexed
    _order(engine, "O-late", 1_800_000_200.0)
    assert index.refresh() == 1
    with engine.connect() as conn:
        assert conn.execute(select(order_refs.c.order_id)).scalars().all().__len__() == 52
        entry = conn.execute(select(audit_log).where(audit_log.c.event == "ops_reference_lookup")).one()
        plans = " ".join(str(r) for r in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT order_id FROM order_refs WHERE reference = 'X'")))
    assert json.loads(entry.detail) == {"operator": "operator-01", "reference": ref, "found": 1}
    assert entry.kiosk_id == "K0007"
    assert "ix_order_refs_reference" in plans  # an indexed read, not a scan


def test_unknown_and_malformed_references_are_404_and_400_and_still_audited(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    _order(engine, "O-one", 1_800_000_000.0)
    index = ReferenceIndex(engine, lambda: 1_800_000_500.0)
    unknown = next(r for r in ("0000-0000", "0000-0001") if r != _expected("O-one"))
    with pytest.raises(CenterError) as e:
        index.lookup(unknown, "operator-02")
    assert (e.value.http_status, e.value.error_code) == (404, "order_unknown")
    assert f"受付番号 {unknown} の取引は見つかりません" in e.value.message
    status, ctype, body, code = handle(index, "/api/lookup", {"ref": ["7VCD-R6O2"]}, "operator-02")
    assert (status, ctype, code) == (400, "application/json", "field_invalid")
    assert "did you mean '0'" in json.loads(body)["error"]["message"]
    status, _, page, _ = handle(index, "/lookup", {"ref": [unknown]}, "operator-02")
    assert status == 404 and "見つかりません" in page.decode()
    with engine.connect() as conn:
        details = [json.loads(d) for d in conn.execute(
            select(audit_log.c.detail).where(audit_log.c.event == "ops_reference_lookup")).scalars()]
    assert details == [{"operator": "operator-02", "reference": unknown, "found": 0}] * 2


def test_two_orders_with_one_reference_are_both_shown(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    _order(engine, "O-a", 1_800_000_000.0)
    _order(engine, "O-b", 1_800_000_001.0)
    index = ReferenceIndex(engine, lambda: 1_800_000_500.0)
    index.refresh()
    with engine.begin() as conn:  # force a collision: 40 bits make a real one too rare to wait for
        conn.execute(order_refs.update().values(reference="AAAA-BBBB"))
    status, _, page, _ = handle(index, "/lookup", {"ref": ["aaaa bbbb"]}, "operator-01")
    html = page.decode()
    assert status == 200 and 'id="collision"' in html
    assert html.index('id="order-O-a"') < html.index('id="order-O-b"')
