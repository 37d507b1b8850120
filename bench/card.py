"""Card benchmark (run by hand): the JPKI operations a kiosk transaction needs, through the real stack.

    python bench/card.py [--repeat 5] [--kbps 212] [--latency-ms 5] [--json FILE] [--no-throttle]
                         [--kinds card,smartphone,nextgen] [--smoke]

For each link — the in-process model (no PC/SC, the floor of our own code), pyscard → pcscd → vpcd
→ virtual card at full speed, and the same throttled to a contactless link (212 kbit/s plus a fixed
latency per APDU) — it times: reading the user-authentication certificate (SELECT AP + EF 000A),
the PIN status query, VERIFY, and signing a SHA-256 DigestInfo.  It counts APDUs and bytes each way
and, for the throttled link, prints that link's physical minimum (bytes*8/bit rate + n*latency), so
the difference is what pcscd, vpcd and our code add.  Prints a table and JSON.

Rows per token kind (card.contract): ``card`` (RSA-2048), ``smartphone`` (RSA-2048, the PIN before the
certificate, contactless) and ``nextgen`` (ECDSA P-384/SHA-384, raw r||s).  Each kind runs its own
transaction order; the signature over the auth message is verified after timing.  ``--smoke`` runs one
round of everything and fails unless every row is there and every signature verifies.
"""

from __future__ import annotations

import argparse
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

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from fixtures.pcsc import ensure_pcscd, serve_virtual_card  # noqa: E402

from card.contract import rules_for  # noqa: E402
from card.jpki import JpkiClient  # noqa: E402
from card.pcsc import PcscTransport  # noqa: E402
from card.profile import CardProfile  # noqa: E402
from card.transport import ApduStats, MeteredTransport, Transmit  # noqa: E402
from card.virtual.__main__ import make_profile  # noqa: E402
from card.virtual.model import VirtualJpkiCard  # noqa: E402
from card.virtual.vpcd import Throttle  # noqa: E402


@dataclass
class Row:
    token: str
    link: str
    op: str
    apdus: int
    bytes_out: int
    bytes_in: int
    median_ms: float
    min_ms: float
    physical_min_ms: float | None


MESSAGE = b"konbini-kiosk-auth-v1\x00bench\x00K0001\x00" + bytes(32)
Op = tuple[str, Callable[[JpkiClient], object]]
KINDS = ("card", "smartphone", "nextgen")


def ops_for(kind: str) -> list[Op]:
    """One transaction's card operations in the order the token allows (a phone: PIN first)."""
    rules = rules_for(kind)
    read: Op = ("read auth cert", lambda c: (c.select_ap(), c.read_checked_auth_certificate(rules)))
    status: Op = ("PIN status", lambda c: c.pin_status())
    verify: Op = ("verify PIN", lambda c: c.verify_pin("1234"))
    sign: Op = (f"sign {rules.key_algorithm.value.split('-')[0]}",
                lambda c: c.sign_auth_message(MESSAGE, rules))
    if rules.pin_before_certificate:
        status = ("PIN status", lambda c: (c.select_ap(), c.pin_status()))
        read = ("read auth cert", lambda c: c.read_checked_auth_certificate(rules))
        return [status, verify, read, sign]
    return [read, status, verify, sign]


def check_signature(profile: CardProfile, client: JpkiClient, kind: str) -> None:
    """Smoke check: the token's signature over MESSAGE verifies with its certificate."""
    sig = client.sign_auth_message(MESSAGE, rules_for(kind))
    key = profile.auth.cert().public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        r, s_ = int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big")
        key.verify(encode_dss_signature(r, s_), MESSAGE, ec.ECDSA(hashes.SHA384()))
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA256())


def measure(kind: str, link: str, transmit: Transmit, repeat: int, throttle: Throttle | None, *,
            profile: CardProfile | None = None) -> list[Row]:
    stats = ApduStats()
    client = JpkiClient(MeteredTransport(transmit, stats))
    rows = []
    for name, op in ops_for(kind):
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
        rows.append(Row(kind, link, name, stats.commands, stats.bytes_out, stats.bytes_in,
                        round(statistics.median(times), 2), round(min(times), 2),
                        None if physical is None else round(physical, 2)))
    if profile is not None:
        check_signature(profile, client, kind)
    return rows


@contextmanager
def pcsc_link(profile: CardProfile, throttle: Throttle | None) -> Iterator[Transmit]:
    with serve_virtual_card(profile, throttle=throttle) as handle, PcscTransport(handle.reader) as transport:
        yield transport.transmit


def table(rows: list[Row]) -> str:
    head = f"{'token':<11} {'link':<24} {'operation':<15} {'APDUs':>5} {'out B':>6} {'in B':>6} " \
           f"{'median ms':>10} {'min ms':>8} {'phys min ms':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        phys = f"{r.physical_min_ms:>11.1f}" if r.physical_min_ms is not None else f"{'-':>11}"
        lines.append(f"{r.token:<11} {r.link:<24} {r.op:<15} {r.apdus:>5} {r.bytes_out:>6} {r.bytes_in:>6} "
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
    parser.add_argument("--kinds", default=",".join(KINDS), help="token kinds, comma separated")
    parser.add_argument("--smoke", action="store_true", help="one round, self-checking (seconds)")
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    kinds = [k for k in args.kinds.split(",") if k]
    rows: list[Row] = []
    for kind in kinds:
        profile = make_profile("1234", "ABC123", f"bench-{kind}", kind)
        check = profile if args.smoke else None
        model = VirtualJpkiCard(profile).execute
        rows += measure(kind, "in-process model", model, args.repeat, None, profile=check)
        with ensure_pcscd():
            with pcsc_link(profile, None) as transmit:
                rows += measure(kind, "pcscd+vpcd", transmit, args.repeat, None, profile=check)
            if not args.no_throttle:
                throttle = Throttle(args.kbps, args.latency_ms)
                with pcsc_link(profile, throttle) as transmit:
                    label = f"pcscd+vpcd {args.kbps:g}k+{args.latency_ms:g}ms"
                    rows += measure(kind, label, transmit, args.repeat, throttle, profile=check)
    print(table(rows))
    if args.smoke:
        links = 2 if args.no_throttle else 3
        want = sum(len(ops_for(k)) for k in kinds) * links
        if len(rows) != want or any(r.apdus < 1 or r.median_ms <= 0 for r in rows):
            print(f"smoke: expected {want} rows with APDUs and times, got {len(rows)}", file=sys.stderr)
            return 1
        print("smoke: ok (every token kind, every link, signatures verified)")
    doc = {"repeat": args.repeat, "kbps": args.kbps, "latency_ms": args.latency_ms,
           "rows": [asdict(r) for r in rows]}
    print(json.dumps(doc, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
