"""Machine time of one complete transaction through the whole chain (docs/hil.md §Numbers).

Runs the ``happy-juminhyo`` HIL scenario (real UI offscreen, pcscd + vpcd card, center over mTLS,
printer emulator) over the pty serial link at 115200 baud and over TCP, and splits the kiosk's own
working time — the scripted person's think time excluded — into:

- card: the READING screen (SELECT, read the certificate, PIN tries);
- center: AUTHENTICATING + ORDERING + ISSUING (challenge, card signature, authenticate, order, issue;
  the PIN VERIFY on the card is inside AUTHENTICATING);
- rendering: laying out and rasterising the page(s) for the certificate printer's profile
  (a4-thermal-300 unless --profile says otherwise; measured on the same documents, in this process);
- print transfer: the PRINTING screen minus rendering (ESC/POS over the link, status polls).

    python bench/e2e.py [--runs N] [--smoke] [--json FILE] [--profile a4-thermal-300]

Each run is checked: the scenario ends as expected with every one of its own checks passed (seals of
the printed pages verified by the center's tool, the center's records of the order), at least one page
printed, the center's documents found again and rendered, and every part of the split positive.
``--smoke`` is one run over TCP.  Prints a table and, last, one JSON line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk.hil.options import DEFAULT_DATA, RunOptions  # noqa: E402
from kiosk.hil.run import run_scenario  # noqa: E402
from printer.document import parse_issued  # noqa: E402
from printer.layout.render import render_pages  # noqa: E402
from printer.profiles import get_profile  # noqa: E402
from printer.samples import sample_path  # noqa: E402


def _render_seconds(data: Path, order_ids: list[str], profile_name: str) -> float:
    """Render again what the orders printed, as the kiosk's printer adapter does.

    The center keeps no document content after ``complete`` (docs/center.md "Retention"), so each
    order's certificate is rendered from the sample of the same type: the same layout code and page
    count class, not the resident's own data.
    """
    con = sqlite3.connect(f"file:{data / 'center.db'}?mode=ro", uri=True)
    try:
        kinds = [r[0] for oid in order_ids
                 for r in con.execute("SELECT certificate FROM documents WHERE order_id = ?", (oid,))]
    finally:
        con.close()
    profile = get_profile(profile_name)
    samples = [parse_issued(json.loads(sample_path(kind).read_text(encoding="utf-8"))) for kind in kinds]
    if samples:  # warm (fonts loaded, patterns cached) as in a kiosk that has printed before
        render_pages(samples[0].document, samples[0].seal, profile)
    t0 = time.perf_counter()
    for issued in samples:
        render_pages(issued.document, issued.seal, profile)
    return time.perf_counter() - t0


def one_run(link: str, baud: int | None, out: Path, profile: str, bad: list[str]) -> dict[str, float]:
    opts = RunOptions(DEFAULT_DATA, link, baud, timeout=900, profile=profile)
    res = run_scenario("happy-juminhyo", out, opts)
    if not res["ok"]:
        raise SystemExit(f"bench run failed: {res['outcome']} ({out / 'result.json'})")
    failed = sorted(k for k, v in res["checks"].items() if not v["ok"])
    pages = sorted((out / "prints").glob("*.png"))
    if failed or not pages:
        bad.append(f"{link}: scenario checks failed {failed}, {len(pages)} pages printed")
    t = res["timings"]
    orders = sorted({s["order_id"] for s in res["kiosks"][0]["journal"] if s.get("order_id")})
    if not orders:
        bad.append(f"{link}: no order in the kiosk's journal")
    render = _render_seconds(Path(res["center_data"]), orders, profile)
    printing = t.get("kiosk-1.print", 0.0)
    card, center = t.get("kiosk-1.card", 0.0), t.get("kiosk-1.center", 0.0)
    transfer = max(printing - render, 0.0)
    if not (card > 0 and center > 0 and render > 0 and printing > 0):
        bad.append(f"{link}: card {card}, center {center}, rendering {render}, printing {printing} s")
    return {"card": card, "center": center, "rendering": render, "print_transfer": transfer,
            "total": card + center + printing}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=None)
    ap.add_argument("--profile", default="a4-thermal-300", help="certificate printer profile")
    ap.add_argument("--smoke", action="store_true", help="one run over TCP, checked")
    args = ap.parse_args()
    links = (("serial 115200", "pty", 115200), ("tcp", "tcp", None))
    if args.smoke:
        args.runs, links = 1, links[1:]
    rows: dict[str, dict[str, float]] = {}
    bad: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        for label, link, baud in links:
            runs = [one_run(link, baud, Path(tmp) / f"{link}-{i}", args.profile, bad)
                    for i in range(args.runs)]
            rows[label] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    cols = ("card", "center", "rendering", "print_transfer", "total")
    print(f"median of {args.runs} runs, seconds of machine time per transaction (1 page, 住民票の写し)")
    print(f"{'link':15}" + "".join(f"{c:>16}" for c in cols))
    for label, r in rows.items():
        print(f"{label:15}" + "".join(f"{r[c]:16.3f}" for c in cols))
    for msg in bad:
        print(f"CHECK FAILED: {msg}", file=sys.stderr)
    doc = {"runs": args.runs, "seconds": rows, "checks": "failed" if bad else "passed"}
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    print(json.dumps(doc))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
