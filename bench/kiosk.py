"""Kiosk UI benchmark: start-up to first frame, memory (RSS) and tap → next frame.

    python bench/kiosk.py [--runs 2] [--transactions 20] [--smoke]

Each run is a fresh process (``python -m kiosk.ui.probe``: offscreen SDL, 1280×800) running the real
flow with the simulated devices.  Start-up is measured from ``Popen`` to the first frame drawn; then N
whole transactions (印鑑登録証明書, 2 copies) are tapped through, every control found by its stable
``Tile.key``, and for every tap the time from the touch to the flip of the first frame showing the
change is recorded (frame pacing included, as on the device).  RSS is read at the first frame and
after every transaction, and broken down by mapping (``/proc/self/smaps``: heap vs libLLVM and the
other libraries) to show where it goes (docs/benchmarks.md).

Every run is checked: each transaction must pass through exactly the resident's screens and end on the
attract loop, print once, complete the order as printed, and ask for a receipt of 2 copies of 印鑑登録
証明書 at twice the fee per copy.  ``--smoke`` is one run of 2 transactions.  Prints a table and, last,
one JSON line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# The resident's path through the screens, as docs/kiosk-ui.md §2 describes it (READING, PAYMENT and
# PRINTING pass within the same frame with the simulated devices, so they are never drawn).
SCREENS = ["attract", "language", "notice", "place_card", "pin", "municipality", "certificate", "copies",
           "confirm", "take_card", "take_documents", "thank_you", "attract"]
TAPS_PER_TRANSACTION = 14
INKAN_FEE = 200  # per copy, in the simulated center's data (kiosk/simulated_devices.py)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


VOICE_CLIPS = REPO / "var" / "voice"  # `make voice`; with --voice the Japanese clips are rendered first


def run_once(transactions: int, voice: bool = False) -> dict[str, Any]:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONFIG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": str(REPO),
           "SDL_AUDIODRIVER": "dummy"}  # clips decoded and mixed as on the device, to no speaker
    extra = ["--voice", str(VOICE_CLIPS)] if voice else []
    t0 = time.time()
    done = subprocess.run([sys.executable, "-m", "kiosk.ui.probe", "--transactions", str(transactions),
                           *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60 + 30 * transactions,
                          check=False)
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    errors = [x for x in lines if "error" in x]
    if done.returncode != 0 or errors or len(lines) != 2:
        detail = errors[0]["traceback"] if errors else done.stderr[-2000:]
        raise SystemExit(f"probe failed (exit {done.returncode}):\n{detail}")
    ready, result = lines
    return {**result, "startup_s": ready["ready"] - t0, "rss_mb": ready["rss_mb"]}


def check(run: dict[str, Any], transactions: int) -> list[str]:
    """What must hold for the figures to mean anything: the transactions really happened."""
    bad: list[str] = []
    for i, seen in enumerate(run["screens"], start=1):
        if seen != SCREENS:
            bad.append(f"transaction {i} went through {seen}, not {SCREENS}")
    if len(run["screens"]) != transactions or run["final_state"] != "attract":
        bad.append(f"{len(run['screens'])} transactions ended on {run['final_state']}")
    if run["effects"]["Print"] != transactions or run["completed"] != ["printed"] * transactions:
        bad.append(f"prints {run['effects']['Print']}, completed {run['completed']}")
    if run["effects"]["WipeResident"] < transactions:
        bad.append(f"resident data wiped only {run['effects']['WipeResident']} times")
    for certificate, copies, fee, paid, change in run["receipts"]:
        if (certificate, copies, fee, paid - change) != ("inkan", 2, 2 * INKAN_FEE, 2 * INKAN_FEE):
            bad.append(f"receipt {certificate} ×{copies} fee {fee} paid {paid} change {change}")
    if len(run["receipts"]) != transactions:
        bad.append(f"{len(run['receipts'])} receipts for {transactions} transactions")
    if len(run["taps"]) != TAPS_PER_TRANSACTION * transactions:
        bad.append(f"{len(run['taps'])} taps timed")
    if not all(0 < ms < 10_000 for _, ms in run["taps"]):
        bad.append("a tap → frame time outside (0, 10 s)")
    if not 0 < run["startup_s"] < 60 or not 20 < run["rss_mb"] < run["rss_after_mb"] < 4096:
        bad.append(f"start-up {run['startup_s']:.2f} s, "
                   f"RSS {run['rss_mb']:.0f} → {run['rss_after_mb']:.0f} MB")
    return bad


def _voice_cost(plain: list[dict[str, Any]], voiced: list[dict[str, Any]]) -> dict[str, Any]:
    """What voice guidance adds: tap → next screen with and without it, RSS, clips played."""
    if not voiced:
        return {}
    def screen_taps(runs: list[dict[str, Any]]) -> list[float]:
        return [ms for r in runs for name, ms in r["taps"] if "→" in name]
    on, off = screen_taps(voiced), screen_taps(plain)
    return {
        "voice_tap_to_next_screen_ms_p50": round(statistics.median(on), 1),
        "voice_tap_to_next_screen_ms_p95": round(percentile(on, 0.95), 1),
        "voice_added_ms_p50": round(statistics.median(on) - statistics.median(off), 1),
        "voice_added_rss_mb": round(statistics.median(r["rss_after_mb"] for r in voiced)
                                    - statistics.median(r["rss_after_mb"] for r in plain), 1),
        "voice_clips": {k: sum(r["voice"][k] for r in voiced) for k in ("played", "no_audio", "missing")},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--transactions", type=int, default=20)
    ap.add_argument("--smoke", action="store_true", help="one run of 2 transactions, checked")
    ap.add_argument("--voice", action="store_true",
                    help="also run with voice guidance on and report its added cost")
    args = ap.parse_args()
    if args.smoke:
        args.runs, args.transactions = 1, 2
    runs = [run_once(args.transactions) for _ in range(args.runs)]
    bad = [f"run {i}: {msg}" for i, r in enumerate(runs, start=1) for msg in check(r, args.transactions)]
    voiced: list[dict[str, Any]] = []
    if args.voice or args.smoke:
        if args.voice:  # `make voice` for Japanese (a subprocess: this file's name shadows the package)
            subprocess.run([sys.executable, "-m", "kiosk.voice", "--config", "kiosk/examples/kiosk.toml",
                            "--languages", "ja", "--out", str(VOICE_CLIPS)], cwd=REPO, check=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
        voiced = [run_once(args.transactions, voice=True) for _ in range(args.runs)]
        bad += [f"voice run {i}: {msg}" for i, r in enumerate(voiced, start=1)
                for msg in check(r, args.transactions)]
        bad += [f"voice run {i}: nothing said" for i, r in enumerate(voiced, start=1)
                if not sum(r["voice"].values())]
    taps = [ms for r in runs for _, ms in r["taps"]]
    screen = [ms for r in runs for name, ms in r["taps"] if "→" in name]
    summary = {
        "startup_to_first_frame_s": round(statistics.median(r["startup_s"] for r in runs), 3),
        "rss_mb_at_start": round(statistics.median(r["rss_mb"] for r in runs), 1),
        f"rss_mb_after_{args.transactions}_transactions": round(
            statistics.median(r["rss_after_mb"] for r in runs), 1),
        "tap_to_next_screen_ms_p50": round(statistics.median(screen), 1),
        "tap_to_next_screen_ms_p95": round(percentile(screen, 0.95), 1),
        "tap_to_frame_ms_p50_all": round(statistics.median(taps), 1),
        "tap_to_frame_ms_p95_all": round(percentile(taps, 0.95), 1),
        **_voice_cost(runs, voiced),
        "runs": args.runs, "transactions": args.transactions, "resolution": "1280x800",
        "video": "offscreen (Mesa llvmpipe)", "checks": "failed" if bad else "passed",
    }
    print(f"{'metric':36} {'value':>12}")
    for key, value in summary.items():
        print(f"{key:36} {value!s:>12}")
    print("per tap (median ms):")
    for name in dict.fromkeys(name for name, _ in runs[0]["taps"]):
        print(f"  {name:34} {statistics.median(ms for r in runs for n, ms in r['taps'] if n == name):8.1f}")
    curve = runs[0]["rss_per_transaction"]
    print("RSS after each transaction (run 1, MB):", " ".join(f"{mb:.0f}" for mb in curve))
    print("where the RSS is after the last one (run 1, MB):")
    for path, mb in runs[0]["rss_where"][:6]:
        print(f"  {mb:8.1f}  {path}")
    summary["rss_mb_after_each_transaction_run1"] = curve
    for msg in bad:
        print(f"CHECK FAILED: {msg}", file=sys.stderr)
    print(json.dumps(summary))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
