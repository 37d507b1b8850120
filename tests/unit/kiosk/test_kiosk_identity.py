"""Issue 12: the kiosk compares its configured id with its certificate's CN at start-up and refuses to
go into service on a mismatch, naming both."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, parse_config
from kiosk.wiring import build_wiring, check_kiosk_identity
from server_stub import pki

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "kiosk" / "examples" / "kiosk.toml"


def _config(tmp_path: Path, kiosk_id: str, cn: str):  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    ca = pki.make_ec_ca("Test Kiosk CA", None, now)
    cert, key = pki.issue_kiosk_cert(cn, ca, None, now)
    (tmp_path / "ca.pem").write_bytes(pki.pem(ca[0]))
    (tmp_path / "kiosk.pem").write_bytes(pki.pem(cert))
    pki.write_key(tmp_path / "kiosk-key.pem", key)
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["kiosk"]["id"] = kiosk_id
    del raw["center"]["data_dir"]
    raw["center"] |= {"ca": str(tmp_path / "ca.pem"), "cert": str(tmp_path / "kiosk.pem"),
                      "key": str(tmp_path / "kiosk-key.pem")}
    raw["paths"] = {"journal": str(tmp_path / "journal.db"), "logs": str(tmp_path / "logs")}
    return parse_config(raw, EXAMPLE.parent)


def test_a_kiosk_id_that_is_not_the_certificate_cn_refuses_service(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "K0001", "K0002")
    with pytest.raises(ConfigError) as e:
        build_wiring(cfg)  # refused before any device or journal is opened
    assert "'K0001'" in str(e.value) and "'K0002'" in str(e.value)
    assert not (tmp_path / "journal.db").exists()


def test_a_matching_kiosk_id_passes(tmp_path: Path) -> None:
    check_kiosk_identity(_config(tmp_path, "K0003", "K0003"))
