"""``python -m card.virtual serve`` and ``python -m card`` as processes, through pcscd."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from fixtures.pcsc import PcscdHandle, VirtualCardHandle, slot_lock

from card.errors import PinIncorrectError
from card.jpki import JpkiClient
from card.pcsc import CardMonitor, PcscTransport
from card.profile import CardProfile

pytestmark = pytest.mark.pcsc

REPO = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
READER = "Virtual PCD 00 00"


@contextmanager
def serve(profile: Path, state: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "card.virtual", "serve", "--profile", str(profile), "--state", str(state),
         "--vpcd", "127.0.0.1:35963"],
        cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        with CardMonitor(READER) as monitor:
            monitor.wait_for(True, 15)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
        with CardMonitor(READER) as monitor:
            monitor.wait_for(False, 10)
        assert code == 0  # SIGTERM is a clean exit


def _wrong_pin(times: int) -> None:
    with PcscTransport(READER) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        for _ in range(times):
            with pytest.raises(PinIncorrectError):
                client.verify_pin("9999")


def _tries_left() -> int:
    with PcscTransport(READER) as transport:
        client = JpkiClient(transport)
        client.select_ap()
        return client.pin_status().tries_left


def test_pin_tries_persist_across_serve_restart(pcscd: PcscdHandle, card_profile_file: Path,
                                                tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with slot_lock(35963):
        with serve(card_profile_file, state):
            assert _tries_left() == 3
            _wrong_pin(2)
            assert _tries_left() == 1
        with serve(card_profile_file, state):
            assert _tries_left() == 1  # the counter survived the restart
        assert json.loads(state.read_text())["version"] == 1


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "card", *args], cwd=REPO, env=ENV, capture_output=True,
                          text=True, timeout=60, check=False)


def test_info_json(virtual_card: VirtualCardHandle, card_profile: CardProfile) -> None:
    run = _run_cli("info", "--json", "--reader", "PCD 00 00")
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert set(info) == {"atr", "token_label", "token_kind", "key_algorithm", "auth_cert", "pin_tries_left"}
    cert = card_profile.auth.cert()
    der = cert.public_bytes(serialization.Encoding.DER)
    assert info == {
        "atr": "3BE000FF8131FE4514",
        "token_label": "JPKIAPICCTOKEN2",
        "token_kind": "card",
        "key_algorithm": "RSA-2048/SHA-256",
        "auth_cert": {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial": f"{cert.serial_number:X}",
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "sha256": hashlib.sha256(der).hexdigest(),
        },
        "pin_tries_left": 3,
    }


@pytest.mark.parametrize(("kind", "label", "algorithm", "atr"), [
    ("smartphone", "JPKIAPGPSETOKEN", "RSA-2048/SHA-256", "3B8480014A504B491D"),
    ("nextgen", "JPKIAPICCTOKEN3", "ECDSA-P384/SHA-384", "3BE000FF8131FE4514"),
])
def test_info_json_other_tokens(pcscd: PcscdHandle, kind: str, label: str, algorithm: str, atr: str) -> None:
    from fixtures.pcsc import serve_virtual_card

    from card.virtual.__main__ import make_profile

    profile = make_profile("1234", "ABC123", f"info-{kind}", kind)
    with serve_virtual_card(profile):
        run = _run_cli("info", "--json", "--reader", "PCD 00 00")
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert (info["atr"], info["token_label"], info["token_kind"], info["key_algorithm"]) == (
        atr, label, kind, algorithm)
    if kind == "smartphone":
        assert info["auth_cert"] is None  # behind the PIN, which info never asks for
    else:
        assert info["auth_cert"]["serial"] == f"{profile.auth.cert().serial_number:X}"


def test_info_unknown_label_names_it(pcscd: PcscdHandle, card_profile: CardProfile) -> None:
    import dataclasses

    from fixtures.pcsc import serve_virtual_card

    with serve_virtual_card(dataclasses.replace(card_profile, token_label="JPKIAPFUTURETOKEN")):
        run = _run_cli("info", "--json", "--reader", "PCD 00 00")
    assert run.returncode == 8 and "JPKIAPFUTURETOKEN" in run.stderr


def test_readers_command(virtual_card: VirtualCardHandle) -> None:
    run = _run_cli("readers")
    assert run.returncode == 0
    assert run.stdout.splitlines()[:2] == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
    listed = json.loads(_run_cli("readers", "--json").stdout)
    assert listed[0] == {"name": READER, "card_present": True, "atr": "3BE000FF8131FE4514"}
    assert listed[1]["card_present"] is False


def test_info_errors_are_one_line(virtual_card: VirtualCardHandle) -> None:
    no_card = _run_cli("info", "--json", "--reader", "PCD 00 01")
    assert no_card.returncode == 5
    assert no_card.stdout == "" and no_card.stderr.count("\n") == 1 and no_card.stderr.startswith("error: ")
    no_reader = _run_cli("info", "--json", "--reader", "no such reader")
    assert no_reader.returncode == 4 and no_reader.stderr.startswith("error: no PC/SC reader")
