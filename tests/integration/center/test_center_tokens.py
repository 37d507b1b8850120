"""Every token kind at the center over real TLS (issue 11): smartphone, nextgen, old-CA and expired-CA
tokens made by ``server_stub init``, and malformed ECDSA signatures."""

from __future__ import annotations

import base64

from fixtures.center import CenterData, CenterProcess

from server_stub.client import sign_challenge

P384_N = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
             "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16)


def test_init_tags_every_token_kind(center_data: CenterData) -> None:
    by_tag = {t: e for e in center_data.index for t in e["tags"]}
    kinds = {t: by_tag[t].get("token_kind") for t in ("smartphone", "nextgen", "old-ca", "expired-ca")}
    assert kinds == {"smartphone": "smartphone", "nextgen": "nextgen", "old-ca": "card", "expired-ca": "card"}
    _, phone = center_data.card("smartphone")
    assert phone.token_label == "JPKIAPGPSETOKEN"
    _, nxt = center_data.card("nextgen")
    assert nxt.token_label == "JPKIAPICCTOKEN3"


def test_each_token_kind_authenticates_expired_ca_is_refused(
    center: CenterProcess, center_data: CenterData
) -> None:
    k = center_data.kiosks[5]
    with center.client(k) as c:
        for tag in ("smartphone", "nextgen", "old-ca"):
            _, prof = center_data.card(tag)
            r = c.authenticate(prof, k.kiosk_id)
            assert r.status == 201, (tag, r.body)
        _, prof = center_data.card("expired-ca")
        r = c.authenticate(prof, k.kiosk_id)
        assert (r.status, r.error, r.body.get("reason")) == (401, "ca_expired", "issuing_ca_expired")


def test_bad_ecdsa_signatures_are_refused(center: CenterProcess, center_data: CenterData) -> None:
    k = center_data.kiosks[6]
    _, prof = center_data.card("nextgen")
    with center.client(k) as c:
        body = sign_challenge(prof, c.challenge().body, k.kiosk_id)
        raw = base64.b64decode(body["signature"])
        r, s = int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")
        high = r.to_bytes(48, "big") + (P384_N - s).to_bytes(48, "big")
        body["signature"] = base64.b64encode(high).decode()
        assert c.call("POST", "/v1/auth/response", body).error == "signature_invalid"

        body = sign_challenge(prof, c.challenge().body, k.kiosk_id)
        raw = base64.b64decode(body["signature"])

        def der_int(v: bytes) -> bytes:
            v = v.lstrip(b"\x00")
            v = b"\x00" + v if v[0] & 0x80 else v
            return bytes([0x02, len(v)]) + v

        seq = der_int(raw[:48]) + der_int(raw[48:])
        body["signature"] = base64.b64encode(bytes([0x30, len(seq)]) + seq).decode()
        assert c.call("POST", "/v1/auth/response", body).error == "signature_format"

        # Signed for another kiosk: a valid signature over another message.
        body = sign_challenge(prof, c.challenge().body, center_data.kiosks[0].kiosk_id)
        assert c.call("POST", "/v1/auth/response", body).error == "signature_invalid"
