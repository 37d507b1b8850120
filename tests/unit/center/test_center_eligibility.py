"""``POST /m1/eligibility`` (server_stub/municipal/eligibility.py): the request's shape, the center's
checks of an answer, the municipality's own answer from a real registry, and the J-LIS mapping."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from server_stub.errors import AuthError, RequestError
from server_stub.holders import Scope, ensure_card_municipality, scope_json
from server_stub.municipal.eligibility import EligibilityRequest, OrderAsk, check_eligibility
from server_stub.municipal.openapi import OPENAPI
from server_stub.municipal.protocol import MunicipalError

NAME = "見本　花子"
REQ = EligibilityRequest("E-test1", "139991", "R000123", "residence", 2000)
ORDER = EligibilityRequest("O-test2", "139991", "R000123", "residence", 2000, OrderAsk("juminhyo", {}, 2))


def _bind(answer: dict[str, Any]) -> dict[str, Any]:
    """docs/center.md's binding, written out here (not the code under test)."""
    body = {k: v for k, v in answer.items() if k != "binding"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return {**body, "binding": hashlib.sha256(b"konbini-m1-binding\x00" + canon).hexdigest()}


def _answer(req: EligibilityRequest = REQ, **over: Any) -> dict[str, Any]:
    a: dict[str, Any] = {
        "version": 1,
        "request_id": req.request_id,
        "municipality": "139991",
        "resident_id": "R000123",
        "relation": "residence",
        "resident": {"name": NAME, "status": "active"},
        "honseki": "409994",
        "entry": {
            "code": "139991",
            "name": "東京都見本市",
            "reading": "とうきょうと　みほんし",
            "relation": "residence",
            "services": [
                {
                    "certificate": "juminhyo",
                    "name": "住民票の写し",
                    "available": True,
                    "fee": 200,
                    "options": {"scope": ["self", "household"]},
                    "members": [
                        {"id": "R000123", "name": NAME, "reading": "ミホン　ハナコ"},
                        {"id": "R000124", "name": "見本　太郎"},
                    ],
                    "injected": "<script>",
                },
                {
                    "certificate": "inkan",
                    "name": "印鑑登録証明書",
                    "available": False,
                    "fee": 200,
                    "reason": "no_seal_registered",
                    "message": "印鑑登録がありません",
                },
            ],
        },
    }
    if req.order is not None:
        a["order"] = {"certificate": "juminhyo", "options": {"scope": "self"}, "copies": 2, "fee_each": 200}
    a.update(over)
    return a


def _problem(answer: Any, req: EligibilityRequest = REQ, holder: str | None = None, bind: bool = True) -> str:
    raw = json.dumps(_bind(answer) if bind else answer).encode()
    with pytest.raises(MunicipalError) as exc:
        check_eligibility(raw, req, holder)
    assert (exc.value.error_code, exc.value.http_status) == ("municipal_bad_answer", 424)
    assert exc.value.problem is not None
    return exc.value.problem


def test_a_correct_answer_passes_and_only_known_fields_reach_the_kiosk() -> None:
    e = check_eligibility(json.dumps(_bind(_answer())).encode(), REQ)
    assert (e.name, e.status, e.honseki) == (NAME, "active", "409994")
    assert e.entry["reading"] == "とうきょうと　みほんし"
    svc = e.entry["services"][0]
    assert "injected" not in svc
    assert svc["members"][0] == {"id": "R000123", "name": NAME, "reading": "ミホン　ハナコ"}
    assert svc["members"][1] == {"id": "R000124", "name": "見本　太郎"}
    o = check_eligibility(json.dumps(_bind(_answer(ORDER))).encode(), ORDER, NAME)
    assert (o.options, o.fee_each) == ({"scope": "self"}, 200)


@pytest.mark.parametrize("raw", [b"<html>502</html>", b"\xff", b"[]", b'{"version": 1, "resident": "x"}'])
def test_garbage_is_refused(raw: bytes) -> None:
    with pytest.raises(MunicipalError) as exc:
        check_eligibility(raw, REQ)
    assert exc.value.problem == "garbage"


def test_another_request_resident_or_municipality_is_refused() -> None:
    assert _problem(_answer(request_id="E-other")) == "wrong_request"
    assert _problem(_answer(relation="honseki")) == "wrong_request"
    assert _problem(_answer(resident_id="R999999")) == "wrong_resident"
    assert _problem(_answer(municipality="019993")) == "wrong_municipality"
    a = _answer()
    a["entry"]["code"] = "019993"
    assert _problem(a) == "wrong_municipality"


def test_another_resident_s_household_or_name_is_refused() -> None:
    a = _answer()
    a["entry"]["services"][0]["members"][0]["name"] = "試験　太郎"  # the resident is not among them as named
    assert _problem(a) == "wrong_resident"
    # At order time the name must be the session's holder's.
    assert _problem(_answer(ORDER), ORDER, holder="試験　太郎") == "wrong_resident"


def test_parts_of_two_answers_do_not_bind() -> None:
    theirs = _bind(_answer(request_id="E-other"))
    assert _problem({**_answer(), "binding": theirs["binding"]}, bind=False) == "binding_mismatch"
    assert _problem(_answer(), bind=False) == "binding_mismatch"


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a["resident"].pop("name"),
        lambda a: a["resident"].update(status="unknown"),
        lambda a: a.update(honseki="東京"),
        lambda a: a.pop("entry"),
        lambda a: a["entry"].pop("services"),
        lambda a: a["entry"].update(reading=7),
        lambda a: a["entry"]["services"][0].update(fee=-1),
        lambda a: a["entry"]["services"][0].update(fee=True),
        lambda a: a["entry"]["services"][0].pop("options"),
        lambda a: a["entry"]["services"][1].pop("reason"),
        lambda a: a["entry"]["services"][0]["members"][1].pop("id"),
        lambda a: a["entry"]["services"][0]["members"][1].update(reading=""),
    ],
)
def test_missing_or_mistyped_fields_are_refused(damage: Any) -> None:
    a = _answer()
    damage(a)
    assert _problem(a) == "fields_missing"


def test_an_order_answer_must_echo_the_order_and_price_it() -> None:
    for damage, problem in (
        (lambda a: a.pop("order"), "fields_missing"),
        (lambda a: a["order"].update(fee_each="200"), "fields_missing"),
        (lambda a: a["order"].update(options=None), "fields_missing"),
        (lambda a: a["order"].update(copies=1), "wrong_request"),
        (lambda a: a["order"].update(certificate="inkan"), "wrong_request"),
    ):
        a = _answer(ORDER)
        damage(a)
        assert _problem(a, ORDER) == problem


def test_request_round_trips_never_carries_a_kiosk_and_matches_its_schema() -> None:
    for req in (REQ, ORDER):
        body = req.to_json()
        assert EligibilityRequest.from_json(copy.deepcopy(body)) == req
        assert not any("kiosk" in k for k in body)
        schema = OPENAPI["components"]["schemas"]["EligibilityRequest"]
        assert set(body) <= set(schema["properties"])
        assert set(schema["required"]) <= set(body)
    body = ORDER.to_json()
    for bad in ({"kiosk_id": "K0001"}, {"version": 2}, {"relation": "work"}, {"deadline_ms": 0},
                {"order": {"certificate": "juminhyo", "price": 1}}, {"order": []}):  # fmt: skip
        with pytest.raises(RequestError):
            EligibilityRequest.from_json({**body, **bad})


def test_the_municipality_answers_from_its_registry(tmp_path: Path) -> None:
    """MunicipalCore.eligibility on a registry made by ``init`` (what a municipal server runs)."""
    from fixtures.center import TEST_NOW, run_cli

    from server_stub.municipal.core import MunicipalCore
    from server_stub.municipalities import CATALOGUE

    data = tmp_path / "d"
    assert (
        run_cli("init", "--data", str(data), "--residents", "20", "--seed", "t", "--now", TEST_NOW).returncode
        == 0
    )
    index = json.loads((data / "cards" / "index.json").read_text())
    fam = next(e for e in index if "household" in e["tags"] and e["municipality"] == "139991")
    core = MunicipalCore({m.code: m for m in CATALOGUE}, {m.code: "x" for m in CATALOGUE})
    engine = create_engine(f"sqlite:///{data / 'municipal' / 'registry.db'}")
    now = dt.datetime.fromisoformat(TEST_NOW)
    with engine.connect() as conn:
        req = EligibilityRequest("E-1", "139991", fam["resident_id"], "residence", 1000)
        a = core.eligibility(conn, req, now)
        raw = json.dumps(a, ensure_ascii=False).encode()
        e = check_eligibility(raw, req)
        assert e.name == fam["name"]
        assert e.entry["name"] == "東京都見本市" and e.entry["reading"] == "とうきょうと　みほんし"
        # Not registered here: the card mapping and this registry disagree.
        with pytest.raises(AuthError):
            core.eligibility(
                conn, EligibilityRequest("E-2", "279992", fam["resident_id"], "residence", 1000), now
            )
        # An order is checked by the municipality's rules and priced from its catalogue (docs/center.md).
        o = EligibilityRequest(
            "O-1", "139991", fam["resident_id"], "residence", 1000, OrderAsk("juminhyo", {}, 3)
        )
        oe = check_eligibility(json.dumps(core.eligibility(conn, o, now)).encode(), o, fam["name"])
        assert oe.fee_each == 200 and oe.options is not None and oe.options["scope"] == "self"
        with pytest.raises(RequestError) as exc:
            core.eligibility(
                conn,
                EligibilityRequest(
                    "O-2", "139991", fam["resident_id"], "residence", 1000, OrderAsk("juminhyo", {"x": 1}, 1)
                ),
                now,
            )
        assert exc.value.error_code == "option_invalid"
    engine.dispose()


def test_an_old_data_dir_gets_the_card_municipality_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE card_certs (serial VARCHAR(40), resident_id VARCHAR(16), kind VARCHAR(8))")
        )
        conn.execute(text("CREATE TABLE residents (resident_id VARCHAR(16), municipality VARCHAR(6))"))
        conn.execute(text("INSERT INTO card_certs VALUES ('0A', 'R1', 'auth'), ('0B', 'R2', 'auth')"))
        conn.execute(text("INSERT INTO residents VALUES ('R1', '139991'), ('R2', '409994')"))
    assert ensure_card_municipality(engine) is True
    assert ensure_card_municipality(engine) is False
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT serial, municipality FROM card_certs")).all())
    engine.dispose()
    assert rows == {"0A": "139991", "0B": "409994"}


def test_a_session_scope_round_trips_and_reads_the_old_form() -> None:
    s = Scope.parse(scope_json([("139991", "residence", True), ("409994", "honseki", False)], NAME))
    assert s.municipalities == {"139991": ("residence", True), "409994": ("honseki", False)}
    assert s.holder == NAME
    old = Scope.parse('[["139991", "residence"]]')
    assert (old.municipalities, old.holder) == ({"139991": ("residence", True)}, None)
