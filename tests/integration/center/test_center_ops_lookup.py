"""An operator resolves a short reference in the console (real chromium, operator certificate, mutual
TLS) and over the JSON route: a real order made and failed through the center's API, its reference
computed here by hand from the order id, typed the way staff read it out (lower case, no hyphen)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import operator_browser
from fixtures.center import CenterData, issued_order, start_center
from fixtures.ops import OpsClient, OpsProcess, operator_context, start_ops
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
World = tuple[Path, OpsProcess, dict[str, dict[str, Any]]]


def _reference(order_id: str) -> str:
    n = int(hashlib.sha256(order_id.encode()).hexdigest()[:10], 16)
    s = "".join(CROCKFORD[(n >> (35 - 5 * i)) & 31] for i in range(8))
    return s[:4] + "-" + s[4:]


@pytest.fixture(scope="module")
def world(center_data: CenterData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("lookup") / "data"
    shutil.copytree(center_data.path, data)  # orders of our own: the shared database stays as it was
    db = f"sqlite:///{data / 'center.db'}"  # center.json names the shared one: both children get this
    entry, prof = center_data.card("household")
    kiosk = center_data.kiosks[4]
    orders: dict[str, dict[str, Any]] = {}
    for center in start_center(data, db=db):
        c, failed, _ = issued_order(center, kiosk, prof, entry["municipality"])
        assert c.complete(failed["order_id"], "failed", 0).status == 200  # paper out: fee to refund
        c.close()
        c, printed, _ = issued_order(center, kiosk, prof, entry["municipality"])
        assert c.complete(printed["order_id"], "printed", 1).status == 200
        c.close()
        orders = {"failed": failed | {"kiosk_id": kiosk.kiosk_id}, "printed": printed}
    for ops in start_ops(data, "--unreachable-after", "3600", "--db", db):
        yield data, ops, orders


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("KONBINI_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_json_route_answers_the_facts_and_nothing_personal(world: World) -> None:
    data, ops, orders = world
    api = OpsClient(ops.port, operator_context(data))
    failed = orders["failed"]
    ref = _reference(failed["order_id"])
    r = api.request("GET", "/api/lookup?ref=" + ref.lower().replace("-", ""))
    assert r.status == 200 and r.headers["content-type"] == "application/json"
    body = json.loads(r.body)
    assert body["reference"] == ref
    (got,) = body["orders"]
    assert (got["order_id"], got["kiosk_id"], got["state"], got["refund"]) == \
        (failed["order_id"], failed["kiosk_id"], "failed", "due")
    assert got["charged"] == failed["fee_total"] > 0
    assert not {"resident_id", "session_id", "name", "my_number"} & set(got)
    assert "R-" not in r.body  # no resident id anywhere in the answer
    printed_ref = _reference(orders["printed"]["order_id"])
    printed = json.loads(api.request("GET", "/api/lookup?ref=" + printed_ref).body)
    assert printed["orders"][0]["refund"] == "none"
    unknown = "0000-0000" if ref != "0000-0000" else "0000-0001"
    miss = api.request("GET", "/api/lookup?ref=" + unknown)
    assert miss.status == 404 and json.loads(miss.body)["error"]["code"] == "order_unknown"
    bad = api.request("GET", "/api/lookup?ref=7VCD-R6O2")
    assert bad.status == 400 and "did you mean '0'" in json.loads(bad.body)["error"]["message"]


def test_the_operator_finds_it_in_chromium_and_the_lookup_is_audited(
    world: World, tmp_path: Path
) -> None:
    data, ops, orders = world
    failed = orders["failed"]
    ref = _reference(failed["order_id"])
    shots = _shots(tmp_path)
    with operator_browser(data, ops.port, tmp_path / "browser") as b:
        b.get(f"https://127.0.0.1:{ops.port}/")
        box = b.find_element(By.ID, "lookup-ref")  # the search box sits on the fleet page
        box.send_keys(ref.lower().replace("-", " "))
        page = b.find_element(By.TAG_NAME, "html")
        b.find_element(By.ID, "lookup-go").click()
        WebDriverWait(b, 20).until(staleness_of(page))
        assert b.title == "受付番号の照会 / Reference lookup"
        assert b.find_element(By.ID, "lookup-ref-shown").text == ref
        row = b.find_element(By.ID, f"order-{failed['order_id']}").text
        assert failed["kiosk_id"] in row and "不成立" in row and "返金対象" in row and "住民票の写し" in row
        assert f"{failed['fee_total']:,}円" in row
        b.save_screenshot(str(shots / "ops-lookup.png"))
        # A look-alike letter: the page says which, and keeps what was typed for correcting.
        box = b.find_element(By.ID, "lookup-ref")
        box.clear()
        box.send_keys(ref[:5] + "O" + ref[6:])
        page = b.find_element(By.TAG_NAME, "html")
        b.find_element(By.ID, "lookup-go").click()
        WebDriverWait(b, 20).until(staleness_of(page))
        assert "「O」は使われません" in b.find_element(By.ID, "lookup-error").text
        b.save_screenshot(str(shots / "ops-lookup-lookalike.png"))
        unknown = "0000-0000" if ref != "0000-0000" else "0000-0001"
        b.get(f"https://127.0.0.1:{ops.port}/lookup?ref={unknown}")
        assert f"受付番号 {unknown} の取引は見つかりません" in b.find_element(By.ID, "lookup-error").text
    engine = create_engine(f"sqlite:///{data / 'center.db'}")
    with engine.connect() as conn:
        rows = [json.loads(d) for d in conn.execute(text(
            "SELECT detail FROM audit_log WHERE event = 'ops_reference_lookup' ORDER BY seq")).scalars()]
    engine.dispose()
    assert {"operator": "operator-01", "reference": ref, "found": 1} in rows
    assert {"operator": "operator-01", "reference": unknown, "found": 0} in rows
