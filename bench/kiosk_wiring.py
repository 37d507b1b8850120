"""Kiosk wiring benchmark: the real adapters of ``kiosk.adapters`` on the local chain.

    python bench/kiosk_wiring.py [--repeat 3] [--smoke] [--json FILE]

Times what a transaction asks of the devices through the adapters the runner uses:

- card (``PcscCard`` → pyscard → pcscd → vpcd → virtual card, slot "Virtual PCD 00 01"): read the
  authentication certificate + PIN status (ReadCard), VERIFY (VerifyPin), sign the auth digest;
- certificate printer (``EscposDocumentPrinter``, a4-thermal-203): the 住民票 sample (2 pages), parse +
  render + print to the in-process emulator over TCP and over a pty (serial, 115200 baud nominal, XON/XOFF);
- receipt printer (``EscposReceiptPrinter``): one 利用明細 over TCP.

Every operation is checked as it is timed: the certificate parses and its key verifies the card's
signature (``cryptography``), the PIN is accepted with 3 tries left; every page the emulator printed is
dot for dot the page rendered for the profile and its QR (zxing-cpp) reads the document's seal; the
receipt's text names the order and the certificate.  ``--smoke`` times each once.  Prints a table
(median and max of ``--repeat`` runs, ms) and, last, one JSON line; exits 1 when a check fails.
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

import numpy as np
import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures.emulator import running_emulator  # noqa: E402
from fixtures.pcsc import ensure_pcscd, serve_virtual_card  # noqa: E402

from card.virtual.__main__ import make_profile  # noqa: E402
from kiosk.adapters.card import PcscCard  # noqa: E402
from kiosk.adapters.printing import EscposDocumentPrinter, EscposReceiptPrinter  # noqa: E402
from kiosk.devices import ReceiptHeader  # noqa: E402
from kiosk.flow.effects import PrintReceipt  # noqa: E402
from printer.document import parse_issued  # noqa: E402
from printer.emulator import Emulator  # noqa: E402
from printer.layout.render import render_pages  # noqa: E402
from printer.profiles import get_profile  # noqa: E402
from printer.samples import sample_path  # noqa: E402
from printer.transport import open_transport  # noqa: E402

SLOT = 35964  # "Virtual PCD 00 01": leaves slot 00 00 to a test run
PROFILE = "a4-thermal-203"


def _time(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def bench_card(repeat: int, bad: list[str]) -> dict[str, dict[str, float]]:
    profile = make_profile("1234", "ABC123", seed=None)
    out: dict[str, dict[str, float]] = {}
    certs: list[bytes] = []
    with ensure_pcscd(), serve_virtual_card(profile, SLOT) as handle:
        card = PcscCard(handle.reader)

        def read() -> None:
            card.release()
            certs.append(card.read_auth_certificate())
            if (tries := card.pin_tries_left()) != 3:
                bad.append(f"card: {tries} PIN tries left on a fresh card, not 3")

        def verify() -> None:
            if not card.verify_pin("1234").ok:
                bad.append("card: the right PIN was refused")

        out["card: read certificate + PIN status"] = _time(read, repeat)
        out["card: verify PIN"] = _time(verify, repeat)
        digest = hashlib.sha256(b"bench").digest()
        signatures: list[bytes] = []
        out["card: sign auth digest"] = _time(lambda: signatures.append(card.sign_auth(digest)), repeat)
        card.close()
    key = x509.load_der_x509_certificate(certs[0]).public_key()
    if len(set(certs)) != 1 or not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        bad.append("card: the authentication certificate is not one steady RSA-2048 certificate")
    else:
        for sig in signatures:  # PKCS#1 v1.5 over the SHA-256 DigestInfo, as the center checks it
            try:
                key.verify(sig, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            except InvalidSignature:
                bad.append("card: a signature does not verify with the certificate's key")
    return out


def _check_prints(emu: Emulator, doc: dict[str, Any], runs: int, link: str) -> list[str]:
    """The emulator's pages against the pages rendered for its profile: dot for dot, and the QR."""
    issued = parse_issued(doc)
    want = [np.asarray(p.image) for p in render_pages(issued.document, issued.seal, get_profile(PROFILE))]
    got = emu.wait_pages(runs * len(want))
    sent = runs * len(want)
    bad = [f"{link}: {len(got)} pages printed, {sent} sent"] if len(got) != sent else []
    for i, rec in enumerate(got):
        if rec.image is None or not np.array_equal(np.asarray(rec.image), want[i % len(want)]):
            bad.append(f"{link}: printed page {i + 1} differs from the rendered page")
            continue
        texts = [r.text for r in zxingcpp.read_barcodes(rec.image.convert("L"))]
        if issued.seal not in texts:
            bad.append(f"{link}: no QR reading the seal on printed page {i + 1}")
    if emu.aborted():
        bad.append(f"{link}: {len(emu.aborted())} pages aborted")
    return bad


def bench_print(repeat: int, bad: list[str]) -> dict[str, dict[str, float]]:
    doc = json.loads(sample_path("juminhyo").read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for link in ("tcp", "pty"):
            with running_emulator(Path(tmp) / link, PROFILE, tcp=link == "tcp",
                                  pty=link == "pty") as emu:
                if link == "tcp":
                    host, port = emu.tcp_address or ("", 0)
                    spec = f"tcp://{host}:{port}"
                else:
                    spec = f"serial://{emu.pty_path}?baud=115200&flow=xonxoff"
                printer = EscposDocumentPrinter(PROFILE, lambda s=spec: open_transport(s))
                done: list[int] = []
                out[f"住民票 (2 pages), {link}"] = _time(
                    lambda p=printer, d=done: d.append(p.print_documents([doc], lambda d, t: None,
                                                                         lambda: False)), repeat)
                if done != [2] * repeat:
                    bad.append(f"{link}: the printer reported {done} pages")
                bad.extend(_check_prints(emu, doc, repeat, link))
        with running_emulator(Path(tmp) / "receipt", "receipt-80-203") as emu:
            host, port = emu.tcp_address or ("", 0)
            receipt = EscposReceiptPrinter("receipt-80-203", lambda: open_transport(f"tcp://{host}:{port}"))
            effect = PrintReceipt("O-bench-0001", "juminhyo", 2, 600, 1000, 400,
                                  certificate_name="住民票の写し", municipality="東京都見本市")
            header = ReceiptHeader("見本マート", "012345", "K0001")
            out["receipt, tcp"] = _time(
                lambda: receipt.print_receipt(effect, header, dt.datetime.now(dt.UTC)), repeat)
            slips = emu.wait_pages(repeat)
            for slip in slips:
                text = "\n".join(slip.text)
                if not all(s in text for s in ("利用明細", "O-bench-0001", "住民票の写し", "見本マート")):
                    bad.append(f"receipt: the slip reads {text[:80]!r}…")
            if len(slips) != repeat:
                bad.append(f"receipt: {len(slips)} slips for {repeat} receipts")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="each operation once, checked")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    repeat = 1 if args.smoke else args.repeat
    bad: list[str] = []
    results = {**bench_card(repeat, bad), **bench_print(repeat, bad)}
    width = max(len(k) for k in results)
    print(f"{'operation':<{width}}  {'median ms':>10}  {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<{width}}  {r['median_ms']:>10.1f}  {r['max_ms']:>8.1f}")
    for msg in bad:
        print(f"CHECK FAILED: {msg}", file=sys.stderr)
    doc = {**results, "repeat": repeat, "checks": "failed" if bad else "passed"}
    if args.json:
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(doc, ensure_ascii=False))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
