"""The operations console in a real browser: Debian's chromium over mutual TLS, driven by selenium.

Screenshots go to ``$KONBINI_SCREENSHOTS`` (default: the test's tmp dir) and are asserted on as pages:
the paper-out kiosk's row is red, its alert is listed, a remote-command button queues a command the
kiosk receives, an unknown kiosk is a 404 page, and a forged operator certificate gets no page.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fixtures.browser import operator_browser
from fixtures.center import CenterData, CenterProcess, start_center
from fixtures.ops import OpsProcess, start_ops
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from card.profile import SeededRandom
from server_stub import pki

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path)


@pytest.fixture(scope="module")
def ops(center_data: CenterData) -> Iterator[OpsProcess]:
    yield from start_ops(center_data.path, "--unreachable-after", "3600")


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("KONBINI_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _report(**over: Any) -> dict[str, Any]:
    return {
        "reader": "ok",
        "printer": "ok",
        "cash_box": "ok",
        "in_service": True,
        "counters": {},
        "version": "0.1.0",
        "uptime": 5.0,
        "last_errors": [],
    } | over


def test_console_in_chromium(
    api: CenterProcess, ops: OpsProcess, center_data: CenterData, tmp_path: Path
) -> None:
    shots = _shots(tmp_path)
    out_k, other = center_data.kiosks[3], center_data.kiosks[5]
    with api.client(out_k) as c:
        assert (
            c.call(
                "POST",
                "/v1/kiosks/status",
                _report(printer="paper_end", last_errors=[{"at": 4.0, "code": "printer_paper_end"}]),
            ).status
            == 200
        )
    with api.client(other) as c:
        assert c.call("POST", "/v1/kiosks/status", _report()).status == 200
    with operator_browser(center_data.path, ops.port, tmp_path / "browser") as b:
        b.get(f"https://127.0.0.1:{ops.port}/")
        assert b.title == "運用コンソール / Operations console"
        b.save_screenshot(str(shots / "ops-fleet.png"))
        row = b.find_element(By.ID, f"row-{out_k.kiosk_id}")
        assert "st-fault" in row.get_attribute("class")
        assert row.value_of_css_property("background-color") == "rgba(248, 201, 196, 1)"  # #f8c9c4, red
        assert "用紙切れ / paper out" in row.text
        alerts = b.find_element(By.ID, "alerts").text
        assert f"{out_k.kiosk_id} 用紙切れ" in alerts
        assert int(b.find_element(By.CSS_SELECTOR, "#count-fault b").text) >= 1
        # Filter to faults only: the healthy kiosk is not listed.
        Select(b.find_element(By.NAME, "status")).select_by_value("fault")
        before = b.find_element(By.ID, f"row-{other.kiosk_id}")
        b.find_element(By.CSS_SELECTOR, "#filter button").click()
        WebDriverWait(b, 20).until(staleness_of(before))  # the filtered page has replaced this one
        assert b.find_elements(By.ID, f"row-{other.kiosk_id}") == []
        assert b.find_elements(By.ID, f"row-{out_k.kiosk_id}")
        # The other kiosk's page: out of service for an inspection, by button.
        b.get(f"https://127.0.0.1:{ops.port}/kiosks/{other.kiosk_id}")
        Select(b.find_element(By.ID, "reason")).select_by_value("inspection")
        page = b.find_element(By.TAG_NAME, "html")
        b.find_element(By.ID, "cmd-out_of_service").click()
        WebDriverWait(b, 20).until(staleness_of(page))  # the POST answered with a new page
        assert "指示を送りました" in b.find_element(By.ID, "notice").text
        log = b.find_element(By.ID, "command-log").text
        assert "休止 / Out of service" in log and "点検 / inspection" in log and "operator-01" in log
        b.save_screenshot(str(shots / "ops-kiosk.png"))
        with api.client(other) as c:
            cmds = c.call("POST", "/v1/kiosks/status", _report()).body["commands"]
        assert [(x["kind"], x.get("reason")) for x in cmds] == [("out_of_service", "inspection")]
        b.get(f"https://127.0.0.1:{ops.port}/kiosks/K9999")
        assert b.find_element(By.ID, "error").get_attribute("data-code") == "kiosk_unknown"
        assert b.find_element(By.TAG_NAME, "h1").text == "404"


def test_forged_operator_certificate_gets_no_page(
    ops: OpsProcess, center_data: CenterData, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    ca = pki.make_ec_ca("Konbini Operator CA TEST", SeededRandom("forger").child("ca"), now)
    cert, key = pki.issue_kiosk_cert("operator-01", ca, SeededRandom("forger").child("op"), now)
    p12 = tmp_path / "forged.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"operator-01", key, cert, [ca[0]], serialization.BestAvailableEncryption(b"forged")
        )
    )
    p12.with_suffix(".p12.txt").write_text("forged\n")
    with operator_browser(center_data.path, ops.port, tmp_path / "browser", p12=p12) as b:
        try:
            b.get(f"https://127.0.0.1:{ops.port}/")
            raised = ""
        except WebDriverException as exc:
            raised = str(exc.msg)
        # The handshake failed: the driver reports net::ERR_…, or chromium shows its own error page
        # (which of the two depends on timing); either way no page of the console arrives.
        source = b.page_source
        assert "net::ERR_" in raised or b.current_url.startswith("chrome-error://") or "ERR_" in source
        b.save_screenshot(str(_shots(tmp_path) / "ops-forged.png"))
        assert "運用コンソール" not in source and "Operations console" not in source
