"""``python -m printer print`` usage errors for the USB/IPP/duplex options: exit 2, one JSON line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from printer.cli import print_main


@pytest.mark.parametrize(("argv", "words"), [
    (["--profile", "a4-thermal-203", "--ipp", "ipp://127.0.0.1:9/ipp/print"], "page printers"),
    (["--profile", "a4-thermal-203", "--tcp", "127.0.0.1:9", "--duplex"], "page printers"),
    (["--profile", "a4-laser-600", "--ipp", "ftp://printer/"], "not an IPP printer URI"),
    (["--profile", "a4-laser-600", "--out", "x.pdf", "--duplex"], "--duplex needs --ipp"),
])
def test_usage_errors(argv: list[str], words: str, capsys: pytest.CaptureFixture[str],
                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert print_main(["--sample", "juminhyo", *argv]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["result"] == "failed" and words in err["message"]
    assert not (tmp_path / "x.pdf").exists()


def test_missing_usb_node_is_unreachable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = print_main(["--sample", "juminhyo", "--profile", "a4-thermal-203", "--usb", str(tmp_path / "lp7")])
    assert code == 3
    assert json.loads(capsys.readouterr().err)["error"] == "printer_transport_connect"
