"""The virtual card against docs/jpki-card.md §1-§7 and the §11 checklist, APDU by APDU."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from card.profile import CardProfile
from card.virtual.model import VirtualJpkiCard
from card.virtual.state import StateFile

SELECT_AP = "00A4040C0AD392F000260100000001"
DIGEST_INFO = "3031300d060960864801650304020105000420"


def tx(card: VirtualJpkiCard, hex_apdu: str) -> tuple[bytes, int]:
    resp = card.execute(bytes.fromhex(hex_apdu.replace(" ", "")))
    return resp[:-2], int.from_bytes(resp[-2:], "big")


def sw(card: VirtualJpkiCard, hex_apdu: str) -> int:
    return tx(card, hex_apdu)[1]


@pytest.fixture
def card(card_profile: CardProfile) -> VirtualJpkiCard:
    return VirtualJpkiCard(card_profile)


@pytest.fixture
def selected(card: VirtualJpkiCard) -> VirtualJpkiCard:
    assert sw(card, SELECT_AP) == 0x9000
    return card


def test_atr_is_the_one_opensc_matches(card: VirtualJpkiCard) -> None:
    assert card.atr == bytes.fromhex("3BE000FF8131FE4514")


@pytest.mark.parametrize("aid", [
    "A000000308000010000100",  # PIV
    "E82B0601040181C31F0201",  # sc-hsm
    "D27600012401",  # OpenPGP
    "A00000000101",  # MUSCLE
    "D392F0002601000000",  # JPKI AID truncated
])
def test_unknown_aids_answer_6a82(card: VirtualJpkiCard, aid: str) -> None:
    data, status = tx(card, f"00A4040C{len(aid) // 2:02X}{aid}")
    assert (data, status) == (b"", 0x6A82)


def test_select_ap_no_fci_and_other_aps(card: VirtualJpkiCard) -> None:
    assert tx(card, SELECT_AP) == (b"", 0x9000)
    assert sw(card, "00A4040C0AD3921000310001010408") == 0x9000  # text AP exists
    assert sw(card, "00A4020C02000A") == 0x6A82  # ... but JPKI files are not in it


def test_ef_selection(selected: VirtualJpkiCard) -> None:
    for fid in ("0001", "0002", "0006", "0008", "000A", "000B", "0017", "0018", "001A", "001B"):
        assert sw(selected, f"00A4020C02{fid}") == 0x9000, fid
    assert sw(selected, "00A4020C020099") == 0x6A82
    assert sw(selected, "00A4020C0100") == 0x6700
    assert sw(selected, "00A4050C02000A") == 0x6A86  # wrong P1
    assert sw(selected, "00A4020402000A") == 0x6A86  # P2 asking for FCP


def test_ef_select_needs_the_ap(card: VirtualJpkiCard) -> None:
    assert sw(card, "00A4020C02000A") == 0x6A82


def test_cert_files_follow_openSC_length_rule(selected: VirtualJpkiCard, card_profile: CardProfile) -> None:
    for fid, expected in (("000A", card_profile.auth.cert()), ("000B", card_profile.auth.ca_cert()),
                          ("0002", card_profile.sign.ca_cert())):
        assert sw(selected, f"00A4020C02{fid}") == 0x9000
        head, status = tx(selected, "00B0000004")
        assert status == 0x9000 and head[:2] == b"\x30\x82"
        size = (head[2] << 8 | head[3]) + 4
        der = b""
        while len(der) < size:
            le = min(256, size - len(der))
            chunk, status = tx(selected, f"00B0{len(der):04X}{le % 256:02X}")
            assert status == 0x9000
            der += chunk
        assert x509.load_der_x509_certificate(der) == expected


def test_read_binary_at_and_past_eof(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020008") == 0x9000
    assert tx(selected, "00B0000003") == (bytes.fromhex("8F8F00"), 0x9000)
    assert tx(selected, "00B0000000") == (bytes.fromhex("8F8F00"), 0x6282)  # short at EOF
    assert tx(selected, "00B0000200") == (bytes.fromhex("00"), 0x6282)
    assert tx(selected, "00B0000300") == (b"", 0x6B00)  # at EOF
    assert tx(selected, "00B0010000") == (b"", 0x6B00)  # past EOF
    assert sw(selected, "00B00000") == 0x6700  # no Le


def test_read_by_sfi(selected: VirtualJpkiCard) -> None:
    data, status = tx(selected, "00B08A0004")
    assert status == 0x9000 and data[:2] == b"\x30\x82"


def test_token_info_file(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020006") == 0x9000
    data, status = tx(selected, "00B00000A0")
    assert status == 0x9000 and len(data) == 160
    assert data[:32] == b"JPKIAPICCTOKEN2".ljust(32, b" ")
    assert tx(selected, "00B0000000")[1] == 0x6282  # exactly 160 bytes long


def test_sign_cert_needs_sign_password(selected: VirtualJpkiCard, card_profile: CardProfile) -> None:
    assert sw(selected, "00A4020C020001") == 0x9000
    assert sw(selected, "00B0000004") == 0x6982
    assert sw(selected, "00A4020C02001B") == 0x9000
    assert sw(selected, "00200080" + f"{len(card_profile.sign_password):02X}"
              + card_profile.sign_password.encode().hex()) == 0x9000
    assert sw(selected, "00A4020C020001") == 0x9000
    head, status = tx(selected, "00B0000004")
    assert status == 0x9000 and head[:2] == b"\x30\x82"


def test_keys_and_pins_are_not_readable(selected: VirtualJpkiCard) -> None:
    for fid in ("0017", "0018", "001A", "001B"):
        assert sw(selected, f"00A4020C02{fid}") == 0x9000
        assert sw(selected, "00B0000000") == 0x6981


def test_empty_verify_reports_tries_for_free(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020018") == 0x9000
    assert [sw(selected, "00200080") for _ in range(5)] == [0x63C3] * 5
    assert sw(selected, "00A4020C02001B") == 0x9000
    assert sw(selected, "00200080") == 0x63C5


def test_wrong_pin_count_down_block_and_6984(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020018") == 0x9000
    assert sw(selected, "002000800439393939") == 0x63C2
    assert sw(selected, "002000800439393939") == 0x63C1
    assert sw(selected, "002000800439393939") == 0x63C0  # the exhausting attempt
    assert sw(selected, "002000800431323334") == 0x6984  # even the right PIN, afterwards
    assert sw(selected, "00200080") == 0x63C0  # status query still answers 63Cx (OpenSC bind)
    assert selected.state.auth_tries_left == 0


def test_correct_pin_resets_counter(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020018") == 0x9000
    assert sw(selected, "002000800439393939") == 0x63C2
    assert sw(selected, "002000800431323334") == 0x9000
    assert sw(selected, "00200080") == 0x63C3
    assert sw(selected, "00200080053132333435") == 0x6700  # wrong length costs nothing
    assert sw(selected, "00200080") == 0x63C3


def test_verify_by_sfi_and_bad_p1(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "002000980431323334") == 0x9000
    assert sw(selected, "002001800431323334") == 0x6A86
    assert sw(selected, "00A4020C02000A") == 0x9000
    assert sw(selected, "002000800431323334") == 0x6986  # current EF is not a PIN


def _sign_apdu(digest: bytes) -> str:
    return "802A008033" + DIGEST_INFO + digest.hex() + "00"


def test_sign_requires_pin_then_verifies(selected: VirtualJpkiCard, card_profile: CardProfile) -> None:
    digest = hashlib.sha256(b"konbini").digest()
    assert sw(selected, "00A4020C020017") == 0x9000
    assert sw(selected, _sign_apdu(digest)) == 0x6982
    assert sw(selected, "00A4020C020018") == 0x9000
    assert sw(selected, "002000800431323334") == 0x9000
    assert sw(selected, "00A4020C020017") == 0x9000
    sig, status = tx(selected, _sign_apdu(digest))
    assert status == 0x9000 and len(sig) == 256
    card_profile.auth.cert().public_key().verify(  # type: ignore[call-arg, union-attr]
        sig, b"konbini", padding.PKCS1v15(), hashes.SHA256())
    # Any DigestInfo goes through the card's own RSASP1 (here SHA-384, 67 bytes); check it against
    # cryptography's verifier, and the bare type-1 block (P1=01) against the public key by hand.
    d384 = hashlib.sha384(b"konbini").digest()
    info384 = bytes.fromhex("3041300d060960864801650304020205000430") + d384
    sig384, status = tx(selected, f"802A0080{len(info384):02X}{info384.hex()}00")
    assert status == 0x9000
    pub = card_profile.auth.cert().public_key()
    pub.verify(sig384, b"konbini", padding.PKCS1v15(), hashes.SHA384())  # type: ignore[call-arg, union-attr]
    bare, status = tx(selected, "802A019707" + b"konbini".hex() + "00")
    nums = pub.public_numbers()  # type: ignore[union-attr]
    block = pow(int.from_bytes(bare, "big"), nums.e, nums.n).to_bytes(256, "big")
    assert block == b"\x00\x01" + b"\xff" * (256 - 3 - 32) + b"\x00" + digest
    block = pow(int.from_bytes(sig, "big"), nums.e, nums.n).to_bytes(256, "big")  # the SHA-256 path
    assert block == b"\x00\x01" + b"\xff" * (256 - 3 - 51) + b"\x00" + bytes.fromhex(DIGEST_INFO) + digest


def test_sign_key_needs_the_sign_password(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "002000980431323334") == 0x9000  # auth PIN does not open the signing key
    assert sw(selected, "00A4020C02001A") == 0x9000
    assert sw(selected, _sign_apdu(b"\x00" * 32)) == 0x6982


def test_sign_modes_and_errors(selected: VirtualJpkiCard, card_profile: CardProfile) -> None:
    pub = card_profile.auth.cert().public_key()
    assert sw(selected, "002000980431323334") == 0x9000
    digest = hashlib.sha256(b"abc").digest()
    sig2, s2 = tx(selected, "802A029720" + digest.hex() + "00")  # P1=02: card adds DigestInfo
    sig3, s3 = tx(selected, "802A039703616263" + "00")  # P1=03: card hashes too
    assert s2 == s3 == 0x9000 and sig2 == sig3
    pub.verify(sig2, b"abc", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg, union-attr]
    sig4, _s4 = tx(selected, "802A049720" + digest.hex() + "00")  # P1=04: PSS over the prehash
    pub.verify(sig4, b"abc", padding.PSS(padding.MGF1(hashes.SHA256()), 32),  # type: ignore[call-arg, union-attr]
               hashes.SHA256())
    assert sw(selected, "802A069703616263") == 0x6A86  # no such P1
    assert sw(selected, "802A00990161") == 0x6A86  # bad key reference
    assert sw(selected, "802A0097" + "F6" + "00" * 246) == 0x6700  # > 245 bytes
    assert sw(selected, "802A00970161" + "80") == 0x6700  # Le too short for 256 bytes
    assert sw(selected, "002A00970161") == 0x6E00  # wrong class for PSO


def test_secure_messaging_and_unknown_ins(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "0CA4040C0AD392F000260100000001") == 0x6882
    assert sw(selected, "08B0000004") == 0x6882
    assert sw(selected, "00CA010000") == 0x6D00
    assert sw(selected, "01B0000004") == 0x6881
    assert sw(selected, "80B0000004") == 0x6E00
    assert sw(selected, "00B0") == 0x6700  # not an APDU at all


def test_security_state_cleared_on_reselect_and_reset(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "002000980431323334") == 0x9000
    assert sw(selected, "00A4020C020017") == 0x9000
    assert sw(selected, SELECT_AP) == 0x9000  # re-select = logout
    assert sw(selected, "00A4020C020017") == 0x9000
    assert sw(selected, _sign_apdu(b"\x01" * 32)) == 0x6982
    assert sw(selected, "002000980431323334") == 0x9000
    selected.reset()
    assert sw(selected, "00A4020C020017") == 0x6A82  # nothing selected after reset
    assert sw(selected, SELECT_AP) == 0x9000
    assert sw(selected, "00A4020C020017") == 0x9000
    assert sw(selected, _sign_apdu(b"\x01" * 32)) == 0x6982


def test_change_pin(selected: VirtualJpkiCard) -> None:
    assert sw(selected, "00A4020C020018") == 0x9000
    assert sw(selected, "002401800435363738") == 0x6982  # not verified yet
    assert sw(selected, "002000800431323334") == 0x9000
    assert sw(selected, "0024018003353637") == 0x6A80  # 3 digits
    assert sw(selected, "002401800435363738") == 0x9000
    assert sw(selected, "002000800431323334") == 0x63C2
    assert sw(selected, "002000800435363738") == 0x9000


def test_get_response_chaining_mode(card_profile: CardProfile) -> None:
    card = VirtualJpkiCard(card_profile, max_response=100)
    assert sw(card, SELECT_AP) == 0x9000
    assert sw(card, "00A4020C02000A") == 0x9000
    first, status = tx(card, "00B0000000")
    assert len(first) == 100 and status == 0x619C
    rest, status = tx(card, "00C000009C")
    assert len(rest) == 156 and status == 0x9000
    assert sw(card, "00C0000010") == 0x6985  # nothing pending


def test_state_persists_across_instances(card_profile: CardProfile, tmp_path: Path) -> None:
    store = StateFile(tmp_path / "state.json")
    card = VirtualJpkiCard(card_profile, state_file=store)
    assert sw(card, SELECT_AP) == 0x9000
    assert sw(card, "002000980439393939") == 0x63C2
    assert sw(card, "002000980439393939") == 0x63C1
    again = VirtualJpkiCard(card_profile, state_file=store)
    assert sw(again, SELECT_AP) == 0x9000
    assert sw(again, "00200098") == 0x63C1
    data = json.loads((tmp_path / "state.json").read_text())
    assert data["cards"][card.card_id]["auth_tries_left"] == 1
    assert "1234" not in (tmp_path / "state.json").read_text()  # the PIN itself is not stored


@pytest.fixture(scope="module")
def shared_card(card_profile: CardProfile) -> VirtualJpkiCard:
    return VirtualJpkiCard(card_profile)


apdu_like = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda cla, ins, p1p2, body: bytes([cla, ins]) + p1p2 + body,
              st.sampled_from([0x00, 0x80, 0x0C, 0x01]),
              st.sampled_from([0xA4, 0xB0, 0x20, 0x24, 0x2A, 0xC0]),
              st.binary(min_size=2, max_size=2), st.binary(max_size=40)),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(apdu_like, max_size=8))
def test_random_apdus_never_crash(shared_card: VirtualJpkiCard, apdus: list[bytes]) -> None:
    card = shared_card
    card.reset()
    card.state.auth_tries_left = card.state.sign_tries_left = 3
    card.execute(bytes.fromhex(SELECT_AP))
    for apdu in apdus:
        resp = card.execute(apdu)
        assert len(resp) >= 2
    assert 0 <= card.state.auth_tries_left <= 3


def test_card_state_repr_hides_the_secrets() -> None:
    from card.virtual.state import CardState

    state = CardState(auth_pin="9876", sign_password="SECRET99")
    assert "9876" not in repr(state) and "SECRET99" not in repr(state)
