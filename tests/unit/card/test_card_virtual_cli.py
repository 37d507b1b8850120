"""``python -m card.virtual``: profile generation, and serve (signals, control port) against a fake vpcd."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.pcsc import FakeVpcd

from card.errors import ProfileError
from card.profile import CardProfile
from card.virtual.state import CardState, StateFile

REPO = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def test_profile_command(tmp_path: Path) -> None:
    out = tmp_path / "card.json"
    cmd = [sys.executable, "-m", "card.virtual", "profile", "--out", str(out), "--pin", "4321"]
    run = subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    profile = CardProfile.load(out)
    assert profile.pin == "4321" and profile.atr == "3BE000FF8131FE4514"
    assert profile.auth.cert().issuer == profile.auth.ca_cert().subject
    assert json.loads(out.read_text())["test_material"] is True


def test_profile_command_rejects_bad_pin(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "card.virtual", "profile", "--out", str(tmp_path / "x.json"),
                          "--pin", "12"], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr


@pytest.fixture
def served(card_profile_file: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], FakeVpcd, str]]:
    driver = FakeVpcd()
    proc = subprocess.Popen(
        [sys.executable, "-m", "card.virtual", "serve", "--profile", str(card_profile_file),
         "--vpcd", f"127.0.0.1:{driver.port}", "--state", str(tmp_path / "state.json"),
         "--control", "127.0.0.1:0"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving virtual card" in line
        yield proc, driver, line.rsplit("control ", 1)[1].strip()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        driver.close()


def _post(url: str, body: bytes | None = None) -> dict[str, object]:
    req = urllib.request.Request(url, data=body or b"", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


def test_serve_signals_control_and_clean_exit(served: tuple[subprocess.Popen[str], FakeVpcd, str]) -> None:
    proc, driver, control = served
    conn = driver.accept()
    assert driver.ask(conn, b"\x04") == bytes.fromhex("3BE000FF8131FE4514")
    proc.send_signal(signal.SIGUSR1)  # remove
    conn.settimeout(5)
    assert conn.recv(10) == b""
    proc.send_signal(signal.SIGUSR2)  # insert
    conn = driver.accept()
    assert driver.ask(conn, bytes.fromhex("00A4040C0AD392F000260100000001")) == b"\x90\x00"
    with urllib.request.urlopen(control + "/state", timeout=5) as resp:
        state = json.loads(resp.read())
    assert state["inserted"] is True and state["auth_tries_left"] == 3 and state["apdus"] == 1
    assert _post(control + "/remove")["inserted"] is False
    assert conn.recv(10) == b""
    assert _post(control + "/state", b'{"inserted": true}')["inserted"] is True
    conn = driver.accept()
    assert driver.ask(conn, b"\x04") == bytes.fromhex("3BE000FF8131FE4514")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


def test_control_rejects_bad_body(served: tuple[subprocess.Popen[str], FakeVpcd, str]) -> None:
    _, _, control = served
    with pytest.raises(urllib.error.HTTPError) as exc:
        _post(control + "/state", b'{"inserted": "yes"}')
    assert exc.value.code == 400


def test_state_file_errors_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(ProfileError):
        StateFile(path).load("x")
    path.write_text(json.dumps({"cards": {"x": {"auth_tries_left": 9}}}))
    with pytest.raises(ProfileError):
        StateFile(path).load("x")


def test_state_file_keeps_other_cards(tmp_path: Path) -> None:
    store = StateFile(tmp_path / "s.json")
    store.save("a", CardState(auth_tries_left=1))
    store.save("b", CardState(sign_tries_left=2))
    assert store.load("a").auth_tries_left == 1
    assert store.load("b").sign_tries_left == 2
    assert store.load("c") == CardState()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("s.json.")] == ["s.json.lock"]
