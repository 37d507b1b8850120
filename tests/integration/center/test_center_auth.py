"""Authentication over real mutual TLS: every error code of the challenge/response step."""

from __future__ import annotations

import base64
import datetime as dt
import ssl

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from fixtures.center import CenterData, CenterProcess, session, start_center

from card.profile import PersonAttributes, SeededRandom, make_card_profile, make_jpki_ca
from server_stub.client import CenterClient, client_ssl_context, sign_challenge
from server_stub.pki import issue_kiosk_cert, make_ec_ca, pem, write_key


def test_challenge_is_single_use_random_and_short_lived(
    center: CenterProcess, center_data: CenterData
) -> None:
    k = center_data.kiosks[0]
    with center.client(k) as c:
        a, b = c.challenge(), c.challenge()
    assert a.status == b.status == 201
    assert a.body["challenge_id"] != b.body["challenge_id"]
    assert len(base64.b64decode(a.body["nonce"])) == 32
    assert a.body["nonce"] != b.body["nonce"]
    exp = dt.datetime.fromisoformat(a.body["expires_at"])
    assert (
        dt.timedelta(0)
        < exp - dt.datetime.fromisoformat("2026-11-25T10:00:00+09:00")
        < dt.timedelta(minutes=5)
    )


def test_session_lists_municipalities_and_services(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    _, prof = center_data.card("honseki-other", "honseki-registered")
    with center.client(k) as c:
        s = session(c, k, prof)
    relations = [m["relation"] for m in s["municipalities"]]
    assert relations == ["residence", "honseki"]
    honseki = s["municipalities"][1]
    assert {x["certificate"] for x in honseki["services"]} == {"koseki", "fuhyo"}
    assert all(x["available"] for x in honseki["services"])


def test_no_client_certificate_fails_the_handshake(center: CenterProcess) -> None:
    """The API listener requires the certificate at the handshake (issue 12: slot exhaustion)."""
    with pytest.raises((ssl.SSLError, ConnectionError)), center.client(None) as c:
        c.call("GET", "/v1/seals/S-doesnotexist")


def test_public_listener_serves_only_the_seal_route(center: CenterProcess) -> None:
    with center.client(public=True) as c:
        r = c.seal_status("S-doesnotexist")
        assert (r.status, r.error) == (404, "seal_unknown")
        r = c.challenge()
        assert (r.status, r.error) == (401, "client_certificate_required")
        r = c.call("GET", "/openapi.json")
        assert r.error == "client_certificate_required"


def test_certificate_from_another_ca_fails_the_handshake(
    center: CenterProcess, center_data: CenterData, tmp_path
) -> None:
    now = dt.datetime.now(dt.UTC)
    rogue_ca = make_ec_ca("Rogue CA", SeededRandom("rogue"), now)
    cert, key = issue_kiosk_cert("K0001", rogue_ca, SeededRandom("rogue-kiosk"), now)
    (tmp_path / "c.pem").write_bytes(pem(cert))
    write_key(tmp_path / "k.pem", key)
    ctx = client_ssl_context(center_data.path / "tls" / "ca.pem", tmp_path / "c.pem", tmp_path / "k.pem")
    with pytest.raises((ssl.SSLError, ConnectionError)), CenterClient("127.0.0.1", center.port, ctx) as c:
        c.challenge()


def test_replayed_and_unknown_and_foreign_challenges(center: CenterProcess, center_data: CenterData) -> None:
    k1, k2 = center_data.kiosks[:2]
    _, prof = center_data.card("household")
    with center.client(k1) as c1, center.client(k2) as c2:
        ch = c1.challenge().body
        body = sign_challenge(prof, ch, k1.kiosk_id)
        # Another kiosk cannot use this kiosk's challenge (its id is bound to the TLS identity).
        assert c2.call("POST", "/v1/auth/response", body).error == "challenge_unknown"
        assert c1.call("POST", "/v1/auth/response", body).status == 201
        r = c1.call("POST", "/v1/auth/response", body)
        assert (r.status, r.error) == (409, "challenge_used")
        r = c1.call("POST", "/v1/auth/response", {**body, "challenge_id": "C-nope"})
        assert (r.status, r.error) == (404, "challenge_unknown")


def test_signature_for_another_kiosk_id_or_by_another_key(
    center: CenterProcess, center_data: CenterData
) -> None:
    k1, k2 = center_data.kiosks[:2]
    _, prof = center_data.card("household")
    _, other = center_data.card("household", skip=1)
    with center.client(k1) as c:
        ch = c.challenge().body
        r = c.call("POST", "/v1/auth/response", sign_challenge(prof, ch, k2.kiosk_id))
        assert (r.status, r.error) == (401, "signature_invalid")
        ch = c.challenge().body
        forged = sign_challenge(other, ch, k1.kiosk_id)
        forged["certificate"] = sign_challenge(prof, ch, k1.kiosk_id)["certificate"]
        assert c.call("POST", "/v1/auth/response", forged).error == "signature_invalid"


def _respond_with_cert(c: CenterClient, kiosk_id: str, cert_der: bytes, key) -> object:
    ch = c.challenge().body
    from server_stub.pki import auth_message

    msg = auth_message(ch["challenge_id"], kiosk_id, base64.b64decode(ch["nonce"]))
    sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    return c.call(
        "POST",
        "/v1/auth/response",
        {
            "challenge_id": ch["challenge_id"],
            "certificate": base64.b64encode(cert_der).decode(),
            "signature": base64.b64encode(sig).decode(),
        },
    )


def test_certificate_checks(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    with center.client(k) as c:
        _, revoked = center_data.card("revoked")
        assert c.authenticate(revoked, k.kiosk_id).error == "certificate_revoked"
        _, expired = center_data.card("expired")
        assert c.authenticate(expired, k.kiosk_id).error == "certificate_expired"
        _, prof = center_data.card("household")
        # The signing (署名用) certificate is not a login certificate.
        r = _respond_with_cert(
            c, k.kiosk_id, prof.sign.cert().public_bytes(serialization.Encoding.DER), prof.sign.private_key()
        )
        assert r.error == "certificate_invalid"
        # A card from another (test) JPKI CA with the same name.
        now = dt.datetime.now(dt.UTC)
        rng = SeededRandom("rogue-jpki")
        rogue = make_card_profile(
            make_jpki_ca("auth", rng=rng.child("a")),
            make_jpki_ca("sign", rng=rng.child("s")),
            PersonAttributes("偽　造", "どこか", dt.date(1990, 1, 1), 1),
            rng=rng,
            not_before=now - dt.timedelta(days=1),
        )
        assert c.authenticate(rogue, k.kiosk_id).error == "certificate_invalid"
        ch = c.challenge().body
        r = c.call(
            "POST",
            "/v1/auth/response",
            {
                "challenge_id": ch["challenge_id"],
                "certificate": base64.b64encode(b"\x30\x03junk").decode(),
                "signature": base64.b64encode(b"x" * 256).decode(),
            },
        )
        assert (r.status, r.error) == (401, "certificate_invalid")


def test_deceased_resident_is_refused(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    _, prof = center_data.card("deceased")
    with center.client(k) as c:
        r = c.authenticate(prof, k.kiosk_id)
    assert (r.status, r.error) == (403, "resident_deceased")


def test_expired_challenge_and_session(center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    _, prof = center_data.card("household")
    for proc in start_center(center_data.path, "--challenge-ttl", "0", "--session-ttl", "0"):
        with proc.client(k) as c:
            r = c.authenticate(prof, k.kiosk_id)
            assert (r.status, r.error) == (401, "challenge_expired")
    for proc in start_center(center_data.path, "--session-ttl", "0"):
        with proc.client(k) as c:
            s = session(c, k, prof)
            r = c.order(s["session_id"], s["municipalities"][0]["code"], "juminhyo")
            assert (r.status, r.error) == (401, "session_expired")


def test_outside_hours(center_data: CenterData) -> None:
    k = center_data.kiosks[0]
    for now, reason in (
        ("2026-11-25T23:30:00+09:00", "closed_hours"),
        ("2026-12-30T10:00:00+09:00", "year_end"),
    ):
        for proc in start_center(center_data.path, now=now):
            with proc.client(k) as c:
                r = c.challenge()
                assert (r.status, r.error, r.body.get("reason")) == (403, "outside_hours", reason)
                assert "/" in r.body["message"]  # 日本語 / English
