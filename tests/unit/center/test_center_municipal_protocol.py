"""Center ↔ municipality protocol v1: the request's shape and the center's checks of an answer."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from server_stub.directory import load_directory
from server_stub.errors import ConfigError, RequestError
from server_stub.municipal.openapi import OPENAPI
from server_stub.municipal.protocol import CertificateRequest, MunicipalError, check_answer
from server_stub.municipal.setup import directory_template

NAME = "見本　花子"
REQ = CertificateRequest(
    request_id="O-test1",
    municipality="139991",
    resident_id="R000123",
    certificate="juminhyo",
    options={"scope": "self"},
    copies=2,
    issued=dt.date(2026, 11, 25),
    deadline_ms=2000,
)


def _doc() -> dict[str, Any]:
    # Written out by hand (not by server_stub.documents): what a correct municipality sends.
    return {
        "schema": "konbini-doc/1",
        "type": "juminhyo",
        "title": "住　民　票",
        "municipality": {
            "code": "139991",
            "prefecture": "東京都",
            "name": "見本市",
            "mayor": "東京都見本市長",
        },
        "official_seal": {"text": "見本市長之印", "png_b64": "iVBORw0KGgo="},
        "issued_on": "令和8年11月25日",
        "issued_date": "2026-11-25",
        "certification": "この写しは、住民票の原本と相違ないことを証明する。",
        "notes": ["この印は黒色です"],
        "body": {"address": "東京都見本市さくら町1-2-3", "persons": [{"name": NAME}]},
    }


def _answer(**over: Any) -> dict[str, Any]:
    a: dict[str, Any] = {
        "version": 1,
        "request_id": "O-test1",
        "municipality": "139991",
        "resident_id": "R000123",
        "certificate": "juminhyo",
        "documents": [_doc(), _doc()],
    }
    a.update(over)
    return a


def _bind(answer: dict[str, Any]) -> dict[str, Any]:
    """The binding as docs/center.md defines it, written out here: SHA-256 over a fixed prefix and the
    answer's JSON without ``binding``, keys sorted, no spaces, UTF-8."""
    body = {k: v for k, v in answer.items() if k != "binding"}
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {**body, "binding": hashlib.sha256(b"konbini-m1-binding\x00" + canon).hexdigest()}


def _problem(answer: Any, raw: bytes | None = None, *, bind: bool = True) -> str | None:
    if raw is None:
        raw = json.dumps(_bind(answer) if bind else answer).encode()
    try:
        check_answer(raw, REQ, NAME)
    except MunicipalError as exc:
        assert exc.error_code == "municipal_bad_answer"
        assert exc.http_status == 424
        return exc.problem
    return None


def test_a_correct_answer_passes_with_every_copy() -> None:
    docs = check_answer(json.dumps(_bind(_answer())).encode(), REQ, NAME)
    assert len(docs) == 2
    assert docs[0]["body"]["persons"][0]["name"] == NAME


def test_an_answer_whose_parts_belong_to_different_requests_is_refused() -> None:
    # The 2023 overwrite: this request's header (ids echoed right) over a body bound for another.
    theirs = _bind(_answer(request_id="O-other"))
    ours = {**_answer(), "binding": theirs["binding"]}
    assert _problem(ours, bind=False) == "binding_mismatch"
    bound = _bind(_answer())
    bound["documents"][1]["body"]["address"] = "東京都見本市もみじ台9-9-9"  # changed after binding
    assert _problem(bound, bind=False) == "binding_mismatch"
    assert _problem(_answer(), bind=False) == "binding_mismatch"  # no binding at all


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"<html>502 Bad Gateway</html>", "garbage"),
        (b"\xff\xfe", "garbage"),
        (b"[]", "garbage"),
        (b'{"version": 1, "documents": "x"}', "garbage"),
    ],
)
def test_garbage_is_refused(raw: bytes, problem: str) -> None:
    assert _problem(None, raw) == problem


def test_answer_for_another_request_or_resident_or_municipality_is_refused() -> None:
    assert _problem(_answer(request_id="O-other")) == "wrong_request"
    assert _problem(_answer(resident_id="R999999")) == "wrong_resident"
    assert _problem(_answer(municipality="019993")) == "wrong_municipality"


def test_content_of_another_resident_under_the_right_id_is_refused() -> None:
    a = _answer()
    a["documents"][1]["body"]["persons"] = [{"name": "試験　太郎"}]
    assert _problem(a) == "wrong_resident"


def test_content_naming_another_municipality_is_refused() -> None:
    a = _answer()
    a["documents"][0]["municipality"]["code"] = "409994"
    assert _problem(a) == "wrong_municipality"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("certification"),
        lambda d: d.pop("official_seal"),
        lambda d: d["official_seal"].pop("png_b64"),
        lambda d: d["body"].pop("address"),
        lambda d: d["body"].update(persons=[]),
        lambda d: d.update(type="inkan"),
        lambda d: d.update(issued_date="2026-11-24"),
        lambda d: d.update(seal_id="S-forged"),  # the center's part, never the municipality's
        lambda d: d.update(issue_number="20261125 見本市 K0001 000001"),
    ],
)
def test_a_document_without_its_fields_is_refused(damage: Any) -> None:
    a = _answer()
    damage(a["documents"][0])
    assert _problem(a) == "fields_missing"


def test_fewer_copies_than_ordered_is_refused() -> None:
    a = _answer()
    a["documents"] = a["documents"][:1]
    assert _problem(a) == "fields_missing"


def test_request_round_trips_and_never_carries_a_kiosk() -> None:
    body = REQ.to_json()
    assert CertificateRequest.from_json(copy.deepcopy(body)) == REQ
    assert not any("kiosk" in k for k in body)
    with pytest.raises(RequestError):
        CertificateRequest.from_json({**body, "kiosk_id": "K0001"})
    for bad in ({"version": 2}, {"copies": 0}, {"copies": True}, {"issued": "25/11/2026"}, {"options": []}):
        with pytest.raises(RequestError):
            CertificateRequest.from_json({**body, **bad})


def test_openapi_request_schema_matches_the_dataclass() -> None:
    schema = OPENAPI["components"]["schemas"]["CertificateRequest"]
    assert set(schema["required"]) == set(REQ.to_json())
    assert schema["additionalProperties"] is False


def test_directory_template_spreads_codes_and_loads(tmp_path: Path) -> None:
    codes = [f"{i:06d}" for i in range(1, 1742)]
    t = directory_template(codes, 7)
    names = [s["name"] for s in t["servers"]]
    assert names == ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]
    served = [c for s in t["servers"] for c in s["municipalities"]]
    assert sorted(served) == codes  # each code exactly once
    sizes = {len(s["municipalities"]) for s in t["servers"]}
    assert max(sizes) - min(sizes) <= 1
    for i, s in enumerate(t["servers"]):
        s["address"] = f"127.0.0.1:{9000 + i}"
    t["servers"].append({"name": "m1b", "address": "127.0.0.1:9100", "municipalities": ["000001"]})
    p = tmp_path / "d.json"
    p.write_text(json.dumps(t))
    d = load_directory(p)
    assert [s.name for s in d.servers_for("000001")] == ["m1", "m1b"]
    assert d.servers_for("999999") == ()
    p.write_text('{"version": 1, "servers": [{"name": "x"}]}')
    with pytest.raises(ConfigError):
        load_directory(p)


def test_a_refused_connection_marks_the_municipality_down_for_a_while() -> None:
    import socket
    import ssl

    from server_stub.directory import Directory, RemoteMunicipal, Server

    # A port nobody listens on: bound then closed, so connecting is refused at once.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    now = [100.0]
    d = Directory({"m1": Server("m1", "127.0.0.1", port)}, {"139991": ("m1",)})
    remote = RemoteMunicipal(d, ssl.create_default_context(), down_for=10.0, clock=lambda: now[0])
    assert remote.available("139991")
    with pytest.raises(MunicipalError) as exc:
        remote.fetch(REQ)
    assert (exc.value.error_code, exc.value.reason, exc.value.problem) == (
        "municipal_unavailable",
        "municipal_unavailable",
        "connect_failed",
    )
    assert not remote.available("139991")
    assert remote.available("019993") is False  # not in the directory: nobody serves it
    now[0] += 10.5
    assert remote.available("139991")
