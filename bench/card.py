"""Card benchmark (run by hand): the JPKI operations a kiosk transaction needs, through the real stack.

    python bench/card.py [--repeat 5] [--kbps 212] [--latency-ms 5] [--json FILE] [--no-throttle]

For each link — the in-process model (no PC/SC, the floor of our own code), pyscard → pcscd → vpcd
→ virtual card at full speed, and the same throttled to a contactless link (212 kbit/s plus a fixed
latency per APDU) — it times: reading the user-authentication certificate (SELECT AP + EF 000A),
the PIN status query, VERIFY, and signing a SHA-256 DigestInfo.  It counts APDUs and bytes each way
and, for the throttled link, prints that link's physical minimum (bytes*8/bit rate + n*latency), so
the difference is what pcscd, vpcd and our code add.  Prints a table and JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures.pcsc import ensure_pcscd, serve_virtual_card  # noqa: E402

from card.jpki import JpkiClient  # noqa: E402
from card.pcsc import PcscTransport  # noqa: E402
from card.profile import CardProfile  # noqa: E402
from card.transport import ApduStats, MeteredTransport, Transmit  # noqa: E402
from card.virtual.__main__ import make_profile  # noqa: E402
from card.virtual.model import VirtualJpkiCard  # noqa: E402
from card.virtual.vpcd import Throttle  # noqa: E402


@dataclass
class Row:
    link: str
    op: str
    apdus: int
    bytes_out: int
    bytes_in: int
    median_ms: float
    min_ms: float
    physical_min_ms: float | None


OPS: list[tuple[str, Callable[[JpkiClient], object]]] = [
    ("read auth cert", lambda c: (c.select_ap(), c.read_auth_certificate())),
    ("PIN status", lambda c: c.pin_status()),
    ("verify PIN", lambda c: c.verify_pin("1234")),
    ("sign SHA-256", lambda c: c.sign_sha256(hashlib.sha256(b"bench").digest())),
]


def measure(link: str, transmit: Transmit, repeat: int, throttle: Throttle | None) -> list[Row]:
    stats = ApduStats()
    client = JpkiClient(MeteredTransport(transmit, stats))
    rows = []
    for name, op in OPS:
        times = []
        for _ in range(repeat):
            stats.reset()
            start = time.perf_counter()
            op(client)
            times.append((time.perf_counter() - start) * 1000)
        physical = None
        if throttle is not None:
            physical = throttle.delay(stats.bytes_out + stats.bytes_in) * 1000 + (
                stats.commands - 1) * throttle.latency_ms
        rows.append(Row(link, name, stats.commands, stats.bytes_out, stats.bytes_in,
                        round(statistics.median(times), 2), round(min(times), 2),
                        None if physical is None else round(physical, 2)))
    return rows


@contextmanager
def pcsc_link(profile: CardProfile, throttle: Throttle | None) -> Iterator[Transmit]:
    with serve_virtual_card(profile, throttle=throttle) as handle, PcscTransport(handle.reader) as transport:
        yield transport.transmit


def table(rows: list[Row]) -> str:
    head = f"{'link':<24} {'operation':<15} {'APDUs':>5} {'out B':>6} {'in B':>6} {'median ms':>10} " \
           f"{'min ms':>8} {'phys min ms':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        phys = f"{r.physical_min_ms:>11.1f}" if r.physical_min_ms is not None else f"{'-':>11}"
        lines.append(f"{r.link:<24} {r.op:<15} {r.apdus:>5} {r.bytes_out:>6} {r.bytes_in:>6} "
                     f"{r.median_ms:>10.2f} {r.min_ms:>8.2f} {phys}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kbps", type=float, default=212.0)
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--no-throttle", action="store_true", help="skip the contactless emulation")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    profile = make_profile("1234", "ABC123", seed="bench")
    rows = measure("in-process model", VirtualJpkiCard(profile).execute, args.repeat, None)
    with ensure_pcscd():
        with pcsc_link(profile, None) as transmit:
            rows += measure("pcscd+vpcd", transmit, args.repeat, None)
        if not args.no_throttle:
            throttle = Throttle(args.kbps, args.latency_ms)
            with pcsc_link(profile, throttle) as transmit:
                label = f"pcscd+vpcd {args.kbps:g}k+{args.latency_ms:g}ms"
                rows += measure(label, transmit, args.repeat, throttle)
    print(table(rows))
    doc = {"repeat": args.repeat, "kbps": args.kbps, "latency_ms": args.latency_ms,
           "rows": [asdict(r) for r in rows]}
    print(json.dumps(doc, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
