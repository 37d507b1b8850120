"""The kiosk runner against the real center stub: HTTPS with mutual TLS on loopback, real journal,
simulated cash; the card is a ``CardDevice`` holding a test card profile's key (the PC/SC path is the
HIL run's), the printer a recording fake.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from fixtures.kiosk_fakes import FakePrinter, FakeReceipt

from kiosk.center_client import CenterClient
from kiosk.devices import PinCheck
from kiosk.flow import Flow, FlowSettings, State
from kiosk.flow import events as evt
from kiosk.journal import Journal
from kiosk.payment import SimulatedCashDevice
from kiosk.runtime import DeviceSet, Runner

REPO = Path(__file__).resolve().parents[3]
NOW = "2026-11-26T10:00:00+09:00"  # a weekday morning: inside every service's hours

pytestmark = pytest.mark.slow


class ProfileCard:
    """A ``CardDevice`` backed by a test card profile (its JPKI user-auth key signs)."""

    def __init__(self, profile: dict[str, Any], pin: str) -> None:
        key = serialization.load_pem_private_key(profile["auth"]["key_pem"].encode(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._key = key
        self._cert = x509.load_pem_x509_certificate(profile["auth"]["cert_pem"].encode()).public_bytes(
            serialization.Encoding.DER)
        self._pin, self.tries, self.verified = pin, 3, False

    def present(self) -> bool:
        return True

    def wait_for_change(self, present: bool | None, timeout: float) -> bool:
        if present:
            time.sleep(timeout)
        return True

    def read_auth_certificate(self) -> bytes:
        return self._cert

    def pin_tries_left(self) -> int:
        return self.tries

    def verify_pin(self, pin: str) -> PinCheck:
        if pin == self._pin:
            self.tries, self.verified = 3, True
            return PinCheck(True, 3)
        self.tries -= 1
        return PinCheck(False, self.tries)

    def sign_auth(self, digest: bytes) -> bytes:
        assert self.verified
        return self._key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))

    def release(self) -> None:
        self.verified = False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Center:
    data: Path
    url: str

    def card(self, tag: str) -> tuple[ProfileCard, str]:
        index = json.loads((self.data / "cards" / "index.json").read_text(encoding="utf-8"))
        entry = next(e for e in index if tag in e["tags"])
        profile = json.loads((self.data / entry["card"]).read_text(encoding="utf-8"))
        return ProfileCard(profile, entry["pin"]), entry["pin"]

    def client(self) -> CenterClient:
        k = json.loads((self.data / "kiosks" / "index.json").read_text(encoding="utf-8"))[0]
        return CenterClient(self.url, k["kiosk_id"],
                            tls=(self.data / "tls" / "ca.pem", self.data / k["cert"], self.data / k["key"]))


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Center]:
    data = tmp_path_factory.mktemp("center")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "server_stub", "init", "--data", str(data), "--residents", "8",
                    "--kiosks", "1", "--now", NOW], cwd=REPO, env=env, check=True, capture_output=True,
                   timeout=240)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server_stub", "serve", "--data", str(data), "--port",
                             str(port), "--now", NOW], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "center stub did not start"
                time.sleep(0.1)
        yield Center(data, f"https://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(10)


def _runner(center: Center, tag: str, tmp_path: Path) -> tuple[Runner, ProfileCard, str, Any, Any, Journal]:
    card, pin = center.card(tag)
    printer, cash = FakePrinter(), SimulatedCashDevice(poll_seconds=0.005)
    journal = Journal(tmp_path / "journal.db")
    runner = Runner(Flow(FlowSettings()), DeviceSet(card, printer, cash, FakeReceipt()), center.client(),
                    journal, kiosk_id="K0001", store_name="見本マート")
    runner.start(ticker=False)
    assert runner.wait_idle(20)
    return runner, card, pin, printer, cash, journal


def _send(runner: Runner, *events: evt.Event) -> None:
    for e in events:
        runner.submit(e)
        assert runner.wait_idle(30)


def _until(runner: Runner, *states: State) -> None:
    deadline = time.monotonic() + 30
    while runner.view.state not in states:
        assert time.monotonic() < deadline, runner.view
        time.sleep(0.02)
        runner.wait_idle(1)


def test_household_juminhyo_end_to_end(center: Center, tmp_path: Path) -> None:
    runner, _, pin, printer, cash, journal = _runner(center, "household", tmp_path)
    try:
        assert runner.view.state is State.ATTRACT
        _send(runner, evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(),
              evt.PinSubmitted(pin))
        # One municipality: straight to its certificates (issue 18); several: choose the first.
        assert runner.view.state in (State.MUNICIPALITY, State.CERTIFICATE)
        if runner.view.state is State.MUNICIPALITY:
            muni = runner.view.choices[0]
            _send(runner, evt.MunicipalityChosen(muni.key, muni.relation or "residence"))
        _send(runner, evt.CertificateChosen("juminhyo"), evt.WhoseChosen("household"),
              evt.OptionsChosen(frozenset({"householder_relationship"})), evt.CopiesChosen(2), evt.Confirm())
        assert runner.view.state is State.PAYMENT
        fee = runner.view.fee
        assert fee is not None
        cash.insert(1000)
        _until(runner, State.TAKE_CARD)
        assert len(printer.printed) == 2
        assert all(d["content"]["type"] == "juminhyo" and d["seal"].startswith("KJ1:")
                   for d in printer.printed)
        deadline = time.monotonic() + 10
        while journal.counters().issued != 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert journal.counters().revenue == fee and journal.open_orders() == []
    finally:
        runner.stop()
        journal.close()


@pytest.mark.parametrize(("tag", "key"), [("revoked", "error.certificate_revoked"),
                                          ("expired", "error.certificate_expired")])
def test_refused_certificates(center: Center, tmp_path: Path, tag: str, key: str) -> None:
    runner, _, pin, _, _, journal = _runner(center, tag, tmp_path)
    try:
        _send(runner, evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(),
              evt.PinSubmitted(pin))
        assert (runner.view.state, runner.view.message_key) == (State.ERROR, key)
    finally:
        runner.stop()
        journal.close()


def test_moved_out_resident_sees_the_reason_on_the_button(center: Center, tmp_path: Path) -> None:
    runner, _, pin, _, _, journal = _runner(center, "moved-out", tmp_path)
    try:
        _send(runner, evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(),
              evt.PinSubmitted(pin))
        if runner.view.state is State.MUNICIPALITY:  # one municipality is skipped (issue 18)
            muni = runner.view.choices[0]
            _send(runner, evt.MunicipalityChosen(muni.key, muni.relation or "residence"))
        juminhyo = next(c for c in runner.view.choices if c.key == "juminhyo")
        assert (juminhyo.available, juminhyo.reason_key) == (False, "reason.moved_out")
    finally:
        runner.stop()
        journal.close()
