"""The command line: verify (payload and QR image, offline signature + void status), revoke, audit log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import qrcode
from fixtures.center import TEST_NOW, CenterData, CenterProcess, issued_order, run_cli, start_center
from sqlalchemy import select

from server_stub import audit
from server_stub.base45 import b45decode, b45encode
from server_stub.initdata import load_config
from server_stub.store import audit_log, make_engine


def _verify(*args: str) -> tuple[int, dict]:
    r = run_cli("verify", *args)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout)


def _flip(seal: str) -> str:
    raw = bytearray(b45decode(seal[4:]))
    raw[len(raw) // 2] ^= 0x01
    return "KJ1:" + b45encode(bytes(raw))


def test_verify_payload_image_and_void(center_data: CenterData, tmp_path: Path) -> None:
    k = center_data.kiosks[6]
    entry, prof = center_data.card("household")
    data = str(center_data.path)
    for proc in start_center(center_data.path):
        c, o, issued = issued_order(proc, k, prof, entry["municipality"], "juminhyo", {}, 1)
        doc = issued["documents"][0]
        code, out = _verify("--payload", doc["seal"], "--data", data)
        assert code == 0 and out["valid"] and out["status"] == "valid"
        assert out["claims"]["holder"] == entry["resident_id"]
        (tmp_path / "doc.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        code, out = _verify("--payload", doc["seal"], "--data", data, "--content", str(tmp_path / "doc.json"))
        assert code == 0 and out["content_digest"] == "match"
        doc["content"]["body"]["persons"][0]["name"] = "改ざん　太郎"
        (tmp_path / "forged.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        code, out = _verify(
            "--payload", doc["seal"], "--data", data, "--content", str(tmp_path / "forged.json")
        )
        assert code == 1 and out["content_digest"] == "mismatch"
        img = qrcode.make(doc["seal"], error_correction=qrcode.constants.ERROR_CORRECT_M)
        img.save(tmp_path / "qr.png")
        code, out = _verify("--image", str(tmp_path / "qr.png"), "--data", data)
        assert code == 0 and out["claims"]["seal_id"] == doc["content"]["seal_id"]
        # Offline only (public key, no database): the signature is checked, the status cannot be.
        code, out = _verify(
            "--payload", doc["seal"], "--public-key", str(center_data.path / "seal" / "public.pem")
        )
        assert code == 1 and out["signature"] == "valid" and out["status"] == "unchecked"
        # ... unless the running center is asked over its public route.
        code, out = _verify(
            "--payload",
            doc["seal"],
            "--public-key",
            str(center_data.path / "seal" / "public.pem"),
            "--center",
            f"https://localhost:{proc.public_port}",  # the public listener
            "--ca",
            str(center_data.path / "tls" / "ca.pem"),
        )
        assert code == 0 and out["status"] == "valid"
        code, out = _verify("--payload", _flip(doc["seal"]), "--data", data)
        assert (
            code == 1
            and out["valid"] is False
            and out["error"] in ("seal_signature_invalid", "seal_malformed")
        )
        code, out = _verify("--payload", "KJ1:not base45 ~~", "--data", data)
        assert code == 1 and out["error"] == "seal_malformed"
        assert c.complete(o["order_id"], "failed", 0).status == 200
        code, out = _verify("--payload", doc["seal"], "--data", data)
        assert code == 1 and out["status"] == "voided" and out["signature"] == "valid"
        c.close()


def test_seal_by_another_key_is_rejected(center_data: CenterData, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from server_stub.seal import read_seal, seal_document

    k = center_data.kiosks[6]
    entry, prof = center_data.card("household")
    for proc in start_center(center_data.path):
        c, _, issued = issued_order(proc, k, prof, entry["municipality"])
        c.close()
    forged = seal_document(read_seal(issued["documents"][0]["seal"]), ec.generate_private_key(ec.SECP256R1()))
    code, out = _verify("--payload", forged, "--data", str(center_data.path))
    assert code == 1 and out["error"] == "seal_signature_invalid"
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "other.pem").write_bytes(
        other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    code, out = _verify(
        "--payload", issued["documents"][0]["seal"], "--public-key", str(tmp_path / "other.pem")
    )
    assert code == 1 and out["error"] == "seal_signature_invalid"


def test_revoke_updates_the_crl_of_a_running_center(center_data: CenterData, tmp_path: Path) -> None:
    # A copy of the data dir: the revocation stays out of the other tests' CRL (the DB is shared and
    # untouched by ``revoke``).
    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    from card.profile import CardProfile

    entry = center_data.plain_cards()[-1][0]  # a classic card of the current CA (its CRL is revoked into)
    prof = CardProfile.load(data / entry["card"])
    k = center_data.kiosks[7]
    for proc in start_center(data):
        with proc.client(k) as c:
            assert c.authenticate(prof, k.kiosk_id).status == 201
            serial = f"{prof.auth.cert().serial_number:X}"
            r = run_cli("revoke", "--data", str(data), "--serial", serial, "--now", TEST_NOW)
            assert r.returncode == 0, r.stderr
            assert c.authenticate(prof, k.kiosk_id).error == "certificate_revoked"
    assert run_cli("revoke", "--data", str(data), "--serial", "zz").returncode == 2


def test_audit_chain_is_intact_and_free_of_personal_data(
    center: CenterProcess, center_data: CenterData
) -> None:
    entry, prof = center_data.card("household")
    issued_order(center, center_data.kiosks[0], prof, entry["municipality"], "juminhyo", {"my_number": True})[
        0
    ].close()
    url = center.db or load_config(center_data.path)["db"]
    engine = make_engine(url)
    with engine.connect() as conn:
        assert audit.verify_chain(conn) is None
        text = "\n".join(r.detail for r in conn.execute(select(audit_log)))
    engine.dispose()
    assert "issued" in text or "order_id" in text
    for e in center_data.index:
        assert e["name"] not in text
    assert "BEGIN CERTIFICATE" not in text and "my_number" not in text


def test_unknown_resident_and_unusable_crl(center_data: CenterData, tmp_path: Path) -> None:
    """A genuine card of the JPKI CA that the registry does not know; then a CRL that fails to verify."""
    import datetime as dt

    from card.profile import JpkiCA, PersonAttributes, SeededRandom, make_card_profile

    data = tmp_path / "data"
    shutil.copytree(center_data.path, data)
    pki = data / "pki"
    auth = JpkiCA.from_pem("auth", (pki / "auth-ca.pem").read_text(), (pki / "auth-ca-key.pem").read_text())
    sign = JpkiCA.from_pem("sign", (pki / "sign-ca.pem").read_text(), (pki / "sign-ca-key.pem").read_text())
    start = dt.datetime.fromisoformat("2026-11-01T00:00:00+00:00")
    stranger = make_card_profile(
        auth,
        sign,
        PersonAttributes("外部　一郎", "どこか", dt.date(1980, 1, 1), 1),
        rng=SeededRandom("stranger"),
        not_before=start,
        not_after=start + dt.timedelta(days=365),
    )
    _, known = center_data.card("household")
    k = center_data.kiosks[7]
    for proc in start_center(data):
        with proc.client(k) as c:
            r = c.authenticate(stranger, k.kiosk_id)
            assert (r.status, r.error) == (403, "resident_unknown")
            (pki / "auth-crl.pem").write_text("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
            r = c.authenticate(known, k.kiosk_id)
            assert (r.status, r.error) == (503, "crl_unavailable")


def test_operator_errors_exit_2_without_traceback(center_data: CenterData, tmp_path: Path) -> None:
    r = run_cli("serve", "--data", str(center_data.path), "--port", "0", "--db", "postgresql://127.0.0.1:1/none")
    assert r.returncode == 2 and json.loads(r.stderr)["error"] == "store_failed"
    assert "Traceback" not in r.stderr
    r = run_cli("serve", "--data", str(tmp_path / "missing"), "--port", "0")
    assert r.returncode == 2 and json.loads(r.stderr)["error"] == "config_invalid"
    r = run_cli("verify", "--payload", "KJ1:X")
    assert r.returncode == 1 and json.loads(r.stdout)["valid"] is False
