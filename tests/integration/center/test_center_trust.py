"""Issue 12: who the center trusts.  Kiosk revocation on a running center, the kiosk registry, CRL
rollback, keys from the OS random source, private files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import ssl
import stat
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fixtures.center import TEST_NOW, CenterData, run_cli, start_center

from card.profile import JpkiCA
from server_stub import pki
from server_stub.client import Kiosk


def _copy(center_data: CenterData, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    return data


def test_revoke_kiosk_takes_effect_on_a_running_center_within_a_second(
    center_data: CenterData, tmp_path: Path
) -> None:
    data = _copy(center_data, tmp_path)
    k, other = center_data.kiosks[3], center_data.kiosks[4]
    k = Kiosk(
        k.kiosk_id, data / k.cert.relative_to(center_data.path), data / k.key.relative_to(center_data.path)
    )
    for proc in start_center(data):
        with proc.client(k) as c:
            assert c.challenge().status == 201
            r = run_cli("revoke", "--data", str(data), "--kiosk", k.kiosk_id, "--now", TEST_NOW)
            assert r.returncode == 0, r.stderr
            t0 = time.monotonic()
            # The open keep-alive connection is refused at its next request ...
            r2 = c.challenge()
            assert (r2.status, r2.error) == (403, "kiosk_revoked")
            assert time.monotonic() - t0 < 1.0
        # ... and a new connection never gets a request through.
        with pytest.raises((ssl.SSLError, ConnectionError)), proc.client(k) as c:
            c.challenge()
        with proc.client(other) as c:  # other kiosks are unaffected
            assert c.challenge().status == 201


def test_a_kiosk_ca_certificate_for_an_unregistered_id_is_refused(
    center_data: CenterData, tmp_path: Path
) -> None:
    data = _copy(center_data, tmp_path)
    ca = (
        x509.load_pem_x509_certificate((data / "kiosks" / "ca.pem").read_bytes()),
        pki.load_ec_private(data / "kiosks" / "ca-key.pem"),
    )
    cert, key = pki.issue_kiosk_cert("K9999-EVIL", ca, None, dt.datetime.now(dt.UTC))
    (tmp_path / "c.pem").write_bytes(pki.pem(cert))
    pki.write_key(tmp_path / "k.pem", key)
    for proc in start_center(data):
        with (
            pytest.raises((ssl.SSLError, ConnectionError)),
            proc.client(Kiosk("K9999-EVIL", tmp_path / "c.pem", tmp_path / "k.pem")) as c,
        ):
            c.challenge()


def test_an_older_crl_put_back_or_one_from_the_future_fails_closed(
    center_data: CenterData, tmp_path: Path
) -> None:
    data = _copy(center_data, tmp_path)
    crl_path = data / "pki" / "auth-crl.pem"
    old = crl_path.read_bytes()
    ca = JpkiCA.from_pem(
        "auth", (data / "pki" / "auth-ca.pem").read_text(), (data / "pki" / "auth-ca-key.pem").read_text()
    )
    _entry, prof = center_data.card("household")
    k = center_data.kiosks[5]
    for proc in start_center(data):
        with proc.client(k) as c:
            assert c.authenticate(prof, k.kiosk_id).status == 201
            r = run_cli("revoke", "--data", str(data), "--serial", "ABCDEF", "--now", TEST_NOW)
            assert r.returncode == 0, r.stderr
            assert c.authenticate(prof, k.kiosk_id).status == 201  # the newer CRL is accepted
            crl_path.write_bytes(old)  # rollback: an older, still valid, correctly signed CRL
            assert c.authenticate(prof, k.kiosk_id).error == "crl_unavailable"
            future = dt.datetime.fromisoformat(TEST_NOW).astimezone(dt.UTC) + dt.timedelta(days=3)
            crl_path.write_bytes(
                pki.make_crl(ca, [], future, number=99).public_bytes(serialization.Encoding.PEM)
            )
            assert c.authenticate(prof, k.kiosk_id).error == "crl_unavailable"


def _init(path: Path, *extra: str) -> dict[str, object]:
    r = run_cli("init", "--data", str(path), "--residents", "2", "--kiosks", "1", "--now", TEST_NOW, *extra)
    assert r.returncode == 0, r.stderr
    return dict(json.loads((path / "center.json").read_text()))


def _public(path: Path, name: str) -> bytes:
    return (
        pki.load_ec_private(path / name)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_keys_come_from_the_os_random_source_and_files_are_private(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    cfg = _init(a, "--seed", "same")
    _init(b, "--seed", "same")
    for name in ("seal/key.pem", "kiosks/ca-key.pem", "tls/server-key.pem", "kiosks/K0001-key.pem"):
        assert _public(a, name) != _public(b, name), name
    assert "seed" not in cfg and "same" not in (a / "center.json").read_text()
    assert cfg["seeded_keys"] is False
    kcert = x509.load_pem_x509_certificate((a / "kiosks" / "K0001.pem").read_bytes())
    assert (kcert.not_valid_after_utc - kcert.not_valid_before_utc).days == 91  # 90 days + 1 back-dated
    assert cfg["kiosk_cert_days"] == 90
    # The synthetic registry still follows --seed: same people, same PINs.
    ia = json.loads((a / "cards" / "index.json").read_text())
    ib = json.loads((b / "cards" / "index.json").read_text())
    assert [(e["name"], e["pin"]) for e in ia] == [(e["name"], e["pin"]) for e in ib]
    assert stat.S_IMODE(a.stat().st_mode) == 0o700
    for p in a.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_insecure_seed_reproduces_keys_and_is_not_stored(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    cfg = _init(a, "--insecure-seed", "s3cret")
    _init(b, "--insecure-seed", "s3cret")
    assert _public(a, "seal/key.pem") == _public(b, "seal/key.pem")
    assert cfg["seeded_keys"] is True
    assert "s3cret" not in "".join(p.read_text(errors="replace") for p in a.rglob("*.json"))


def test_a_center_that_cannot_check_its_crl_puts_the_kiosk_out_of_service(
    center_data: CenterData, tmp_path: Path
) -> None:
    """Center side: the kiosk's health probe answers crl_unavailable; kiosk side: the service menu's
    center line says why, and the code takes the kiosk out of service with its own notice."""
    from kiosk.adapters.backend import DeviceBackend
    from kiosk.center_client import CenterClient as KioskCenterClient
    from kiosk.flow.codes import error_key, out_of_service_key
    from kiosk.ui.strings import UI_MESSAGES

    data = _copy(center_data, tmp_path)
    k = center_data.kiosks[5]
    for proc in start_center(data):
        client = KioskCenterClient(
            f"https://127.0.0.1:{proc.port}",
            k.kiosk_id,
            tls=(data / "tls" / "ca.pem", k.cert, k.key),
            retries=0,
        )
        backend = DeviceBackend(None, None, None, client, counters=None, audit=None)  # type: ignore[arg-type]
        assert backend.center_line().state == "ok"
        (data / "pki" / "auth-crl.pem").unlink()  # the CRL is gone: no card can be checked
        line = backend.center_line()
        assert (line.state, line.detail) == ("fault", "crl_unavailable")
        client.close()
    assert out_of_service_key("crl_unavailable") == "oos.center"
    assert error_key("crl_unavailable") != "error.other"
    assert "失効" in UI_MESSAGES["service.detail.crl_unavailable"][0]
