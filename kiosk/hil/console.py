"""The operators' console as an operator sees it, for the HIL ``fleet`` scenario and the tests: Debian's
chromium driven by selenium with the operator's certificate (docs/center.md "Operations console",
"Browser"), and a small HTTPS client with the same certificate for the console's pages and /metrics.

Headless chromium shows no certificate picker, so the choice is made beforehand the way Chrome stores a
remembered one: the operator's PKCS#12 is imported into an NSS database in the browser's ``HOME``
(``pk12util``; the center's TLS CA is trusted there with ``certutil``), and the profile's
``auto_select_certificate`` content setting selects the certificate issued by the operator CA for the
console's origin.  Nothing outside the given work directory is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["CHROMEDRIVER", "CHROMIUM", "OpsHttp", "operator_browser"]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def _nssdb(home: Path, data: Path, p12: Path | None) -> None:
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True, exist_ok=True)
    sql = f"sql:{db}"
    subprocess.run(["certutil", "-N", "-d", sql, "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            sql,
            "-n",
            "konbini-center-ca",
            "-t",
            "C,,",
            "-i",
            str(data / "tls" / "ca.pem"),
        ],
        check=True,
        capture_output=True,
    )
    if p12 is not None:
        password = p12.with_suffix(".p12.txt").read_text().strip()
        subprocess.run(
            ["pk12util", "-i", str(p12), "-d", sql, "-W", password], check=True, capture_output=True
        )


@contextmanager
def operator_browser(
    data: Path,
    port: int,
    workdir: Path,
    *,
    p12: Path | None = None,
    issuer_cn: str = "Konbini Operator CA TEST",
    size: str = "1280,1000",
) -> Iterator[Any]:
    """A selenium Chrome driver whose browser presents ``p12`` (default: the data dir's operator-01)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for tool in (CHROMIUM, CHROMEDRIVER):
        if not Path(tool).exists():
            raise RuntimeError(f"{tool} missing: apt install chromium chromium-driver (scripts/bootstrap.sh)")
    if shutil.which("pk12util") is None:
        raise RuntimeError("pk12util missing: apt install libnss3-tools (scripts/bootstrap.sh)")
    home, profile = workdir / "home", workdir / "profile"
    _nssdb(home, data, p12 if p12 is not None else data / "ops" / "operator-01.p12")
    prefs = {
        "profile": {
            "content_settings": {
                "exceptions": {
                    "auto_select_certificate": {
                        f"https://127.0.0.1:{port},*": {
                            "setting": {"filters": [{"ISSUER": {"CN": issuer_cn}}]}
                        }
                    }
                }
            }
        }
    }
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={size}"):
        opts.add_argument(flag)
    service = Service(CHROMEDRIVER, env=dict(os.environ, HOME=str(home)))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


class OpsHttp:
    """GET the console over mutual TLS with the operator's certificate (``DIR/ops/operator-01.pem``)."""

    def __init__(self, data: Path, port: int) -> None:
        import ssl

        self.port = port
        self.ctx = ssl.create_default_context(cafile=str(data / "tls" / "ca.pem"))
        ops = data / "ops"
        self.ctx.load_cert_chain(str(ops / "operator-01.pem"), str(ops / "operator-01-key.pem"))

    def get(self, path: str) -> str:
        import http.client

        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read().decode("utf-8")
            if r.status != 200:
                raise OSError(f"GET {path}: HTTP {r.status}")
            return body
        finally:
            conn.close()

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the console's /metrics (0 when absent)."""
        import re

        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in self.get("/metrics").splitlines():
            m = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
            if not m or m.group(1) != name or line.startswith("#"):
                continue
            got = ",".join(sorted(p for p in (m.group(2) or "").split(",") if p and not p.startswith("pid=")))
            if got == want:
                return float(m.group(3))
        return 0.0
