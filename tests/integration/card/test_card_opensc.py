"""Middleware written by others must take the virtual card for a My Number card: OpenSC's jpki driver
(opensc-tool, pkcs15-tool, and the PKCS#11 module through pkcs11-tool), all through pcscd."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from fixtures.pcsc import PcscdHandle, VirtualCardHandle, serve_virtual_card

from card.profile import CardProfile

pytestmark = pytest.mark.pcsc

PKCS11_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} missing: install apt package opensc (scripts/bootstrap.sh)")
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)


def test_opensc_detects_jpki(virtual_card: VirtualCardHandle) -> None:
    run = _tool("opensc-tool", "--reader", virtual_card.reader, "--name")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().lower() == "jpki"


def test_pkcs15_lists_and_reads_certificates(virtual_card: VirtualCardHandle, card_profile: CardProfile,
                                             tmp_path: Path) -> None:
    listing = _tool("pkcs15-tool", "--reader", virtual_card.reader, "--list-certificates")
    assert listing.returncode == 0, listing.stderr
    text = listing.stdout
    assert "User Authentication Certificate" in text and "Path           : 000a" in text
    assert "Digital Signature Certificate CA" in text
    out = tmp_path / "auth.pem"
    read = _tool("pkcs15-tool", "--reader", virtual_card.reader, "--read-certificate", "01", "-o", str(out))
    assert read.returncode == 0, read.stderr
    assert x509.load_pem_x509_certificate(out.read_bytes()) == card_profile.auth.cert()
    pins = _tool("pkcs15-tool", "--reader", virtual_card.reader, "--list-pins")
    assert "User Authentication PIN" in pins.stdout and "Tries left     : 3" in pins.stdout


def test_pkcs11_sign_verifies(virtual_card: VirtualCardHandle, card_profile: CardProfile,
                              tmp_path: Path) -> None:
    message = tmp_path / "msg.bin"
    message.write_bytes(b"signed through OpenSC's PKCS#11 module")
    signature = tmp_path / "sig.bin"
    objects = _tool("pkcs11-tool", "--module", PKCS11_MODULE, "--slot-index", "0", "--list-objects")
    assert "User Authentication Certificate" in objects.stdout and "ID:         01" in objects.stdout
    run = _tool("pkcs11-tool", "--module", PKCS11_MODULE, "--slot-index", "0", "-l", "--pin", "1234",
                "--sign", "-m", "SHA256-RSA-PKCS", "--id", "01",
                "-i", str(message), "-o", str(signature))
    assert run.returncode == 0, run.stderr
    card_profile.auth.cert().public_key().verify(  # type: ignore[call-arg, union-attr]
        signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256())


def test_pkcs11_wrong_pin_counts_down(virtual_card: VirtualCardHandle) -> None:
    run = _tool("pkcs11-tool", "--module", PKCS11_MODULE, "--slot-index", "0", "-l", "--pin", "9999",
                "--list-objects")
    assert run.returncode != 0 and "CKR_PIN_INCORRECT" in run.stderr
    assert virtual_card.card.state.auth_tries_left == 2


def test_pkcs11_signs_with_the_signing_key(virtual_card: VirtualCardHandle, card_profile: CardProfile,
                                           tmp_path: Path) -> None:
    # Slot index 1 is the second PIN of the same card: the signing password (one slot per PIN, §7).
    message = tmp_path / "doc.bin"
    message.write_bytes("電子署名のテスト".encode())
    signature = tmp_path / "sig.bin"
    run = _tool("pkcs11-tool", "--module", PKCS11_MODULE, "--slot-index", "1", "-l", "--pin",
                card_profile.sign_password, "--sign", "-m", "SHA256-RSA-PKCS", "--id", "02",
                "-i", str(message), "-o", str(signature))
    assert run.returncode == 0, run.stderr
    card_profile.sign.cert().public_key().verify(  # type: ignore[call-arg, union-attr]
        signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256())


def test_blocked_pin_still_binds(virtual_card: VirtualCardHandle) -> None:
    # OpenSC aborts its bind when an empty VERIFY answers SW1 != 63; a blocked card must still list.
    card = virtual_card.card
    card.execute(bytes.fromhex("00A4040C0AD392F000260100000001"))
    for _ in range(3):
        card.execute(bytes.fromhex("002000980439393939"))
    pins = _tool("pkcs15-tool", "--reader", virtual_card.reader, "--list-pins")
    assert pins.returncode == 0, pins.stderr
    auth_block = pins.stdout.split("PIN [Digital Signature PIN]")[0]
    assert "User Authentication PIN" in auth_block and "Tries left     : 0" in auth_block


def test_opensc_with_the_smartphone_token(pcscd: PcscdHandle) -> None:
    """What OpenSC does with an Android token (docs/card.md "OpenSC and the other tokens"): its jpki
    driver takes it (by SELECT AP, the contactless ATR is not in its table) and lists the certificates
    from its static emulation, but reading EF 000A fails, because the token wants the PIN first."""
    from card.virtual.__main__ import make_profile

    phone = make_profile("1234", "ABC123", "opensc-phone", "smartphone")
    with serve_virtual_card(phone) as h:
        name = _tool("opensc-tool", "--reader", h.reader, "--name")
        assert (name.returncode, name.stdout.strip().lower()) == (0, "jpki")
        listing = _tool("pkcs15-tool", "--reader", h.reader, "--list-certificates")
        assert "User Authentication Certificate" in listing.stdout
        read = _tool("pkcs15-tool", "--reader", h.reader, "--read-certificate", "01")
        assert read.returncode != 0 and "BEGIN CERTIFICATE" not in read.stdout
        pins = _tool("pkcs15-tool", "--reader", h.reader, "--list-pins")
        assert "User Authentication PIN" in pins.stdout and "Tries left     : 3" in pins.stdout
