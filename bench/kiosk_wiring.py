"""Kiosk wiring benchmark (run by hand): the real adapters of ``kiosk.adapters`` on the local chain.

    python bench/kiosk_wiring.py [--repeat 3] [--json FILE]

Times what a transaction asks of the devices through the adapters the runner uses:

- card (``PcscCard`` → pyscard → pcscd → vpcd → virtual card, slot "Virtual PCD 00 01"): read the
  authentication certificate + PIN status (ReadCard), VERIFY (VerifyPin), sign the auth digest;
- certificate printer (``EscposDocumentPrinter``, a4-thermal-203): one 住民票 sample, parse + render +
  print to the in-process emulator over TCP and over a pty (serial, 115200 baud nominal, XON/XOFF);
- receipt printer (``EscposReceiptPrinter``): one 利用明細 over TCP.

Prints a table (median and max of ``--repeat`` runs, ms) and JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures.emulator import running_emulator  # noqa: E402
from fixtures.pcsc import ensure_pcscd, serve_virtual_card  # noqa: E402

from card.virtual.__main__ import make_profile  # noqa: E402
from kiosk.adapters.card import PcscCard  # noqa: E402
from kiosk.adapters.printing import EscposDocumentPrinter, EscposReceiptPrinter  # noqa: E402
from kiosk.devices import ReceiptHeader  # noqa: E402
from kiosk.flow.effects import PrintReceipt  # noqa: E402
from printer.samples import sample_path  # noqa: E402
from printer.transport import open_transport  # noqa: E402

SLOT = 35964  # "Virtual PCD 00 01": leaves slot 00 00 to a test run


def _time(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def bench_card(repeat: int) -> dict[str, dict[str, float]]:
    profile = make_profile("1234", "ABC123", seed=None)
    out: dict[str, dict[str, float]] = {}
    with ensure_pcscd(), serve_virtual_card(profile, SLOT) as handle:
        card = PcscCard(handle.reader)

        def read() -> None:
            card.release()
            assert len(card.read_auth_certificate()) > 500 and card.pin_tries_left() == 3

        def verify() -> None:
            assert card.verify_pin("1234").ok

        out["card: read certificate + PIN status"] = _time(read, repeat)
        out["card: verify PIN"] = _time(verify, repeat)
        digest = hashlib.sha256(b"bench").digest()

        def sign() -> None:
            assert len(card.sign_auth(digest)) == 256

        out["card: sign auth digest"] = _time(sign, repeat)
        card.close()
    return out


def bench_print(repeat: int) -> dict[str, dict[str, float]]:
    doc = json.loads(sample_path("juminhyo").read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for link in ("tcp", "pty"):
            with running_emulator(Path(tmp) / link, "a4-thermal-203", tcp=link == "tcp",
                                  pty=link == "pty") as emu:
                if link == "tcp":
                    host, port = emu.tcp_address or ("", 0)
                    spec = f"tcp://{host}:{port}"
                else:
                    spec = f"serial://{emu.pty_path}?baud=115200&flow=xonxoff"
                printer = EscposDocumentPrinter("a4-thermal-203", lambda s=spec: open_transport(s))
                out[f"住民票 1 page, {link}"] = _time(
                    lambda p=printer: p.print_documents([doc], lambda d, t: None, lambda: False), repeat)
        with running_emulator(Path(tmp) / "receipt", "receipt-80-203") as emu:
            host, port = emu.tcp_address or ("", 0)
            receipt = EscposReceiptPrinter("receipt-80-203", lambda: open_transport(f"tcp://{host}:{port}"))
            effect = PrintReceipt("O-bench-0001", "juminhyo", 2, 600, 1000, 400,
                                  certificate_name="住民票の写し", municipality="東京都見本市")
            header = ReceiptHeader("見本マート", "012345", "K0001")
            out["receipt, tcp"] = _time(
                lambda: receipt.print_receipt(effect, header, dt.datetime.now(dt.UTC)), repeat)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = {**bench_card(args.repeat), **bench_print(args.repeat)}
    width = max(len(k) for k in results)
    print(f"{'operation':<{width}}  {'median ms':>10}  {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<{width}}  {r['median_ms']:>10.1f}  {r['max_ms']:>8.1f}")
    text = json.dumps(results, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
