"""``python -m card.virtual``: make a test card profile, or serve a virtual card to pcscd's vpcd.

    python -m card.virtual profile --out FILE [--kind card|smartphone|nextgen] [--pin 1234]
                                   [--sign-password ABC123] [--seed S]
    python -m card.virtual serve --profile FILE [--vpcd HOST:PORT] [--state FILE]
                                 [--control HOST:PORT] [--removed] [--max-response N]
                                 [--throttle-kbps N --latency-ms M]

``serve`` runs until SIGTERM or SIGINT (exit 0).  SIGUSR1 removes the card, SIGUSR2 inserts it;
``--control`` also opens the HTTP control of ``card.virtual.control``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import threading
from types import FrameType
from typing import Literal

from card.contract import TokenKind
from card.errors import CardError
from card.profile import CardProfile, PersonAttributes, SeededRandom, make_card_profile, make_jpki_ca
from card.virtual.control import ControlServer
from card.virtual.model import VirtualJpkiCard
from card.virtual.state import StateFile
from card.virtual.vpcd import DEFAULT_PORT, Throttle, VpcdLink, parse_hostport, reader_name_for_port

log = logging.getLogger("card.virtual")
VIRTUAL_KINDS = (TokenKind.CARD, TokenKind.SMARTPHONE, TokenKind.NEXTGEN)  # no iPhone: protocol unknown

# A synthetic person for self-contained profiles (見本 = "sample"; no real person).
SAMPLE_PERSON = PersonAttributes("見本　花子", "東京都見本市見本町一丁目1番1号", dt.date(1985, 4, 1), 2)


def make_profile(pin: str, sign_password: str, seed: str | None, kind: str = "card") -> CardProfile:
    """A self-contained profile of a token of ``kind`` with its own two test CAs (EC for nextgen).

    :raises card.errors.ProfileError: bad PIN or password format.
    """
    rng = SeededRandom(seed) if seed is not None else None
    algorithm: Literal["rsa", "ec"] = "ec" if kind == TokenKind.NEXTGEN else "rsa"
    auth_ca = make_jpki_ca("auth", rng=rng.child("auth-ca") if rng else None, algorithm=algorithm)
    sign_ca = make_jpki_ca("sign", rng=rng.child("sign-ca") if rng else None, serial=0x067C6A21,
                           algorithm=algorithm)
    return make_card_profile(auth_ca, sign_ca, SAMPLE_PERSON, pin=pin, sign_password=sign_password,
                             rng=rng.child("card") if rng else None, kind=kind,
                             meta={"source": "card.virtual profile"})


def _cmd_profile(args: argparse.Namespace) -> int:
    profile = make_profile(args.pin, args.sign_password, args.seed, args.kind)
    profile.save(args.out)
    print(f"wrote {args.kind} profile {args.out}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    profile = CardProfile.load(args.profile)
    host, port = parse_hostport(args.vpcd)
    state = StateFile(args.state) if args.state else None
    card = VirtualJpkiCard(profile, state_file=state, max_response=args.max_response)
    throttle = Throttle(args.throttle_kbps, args.latency_ms) if args.throttle_kbps else None
    link = VpcdLink(card, host, port, throttle=throttle)
    if args.removed:
        link.remove()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGUSR1:
            link.remove()
        elif signum == signal.SIGUSR2:
            link.insert()
        else:
            stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, on_signal)
    control = None
    if args.control:
        c_host, c_port = parse_hostport(args.control, default_port=0)
        control = ControlServer(link, c_host, c_port).start()
    link.start()
    where = f"vpcd {host}:{port} ({reader_name_for_port(port)})"
    ctl = f", control http://{control.address[0]}:{control.address[1]}" if control else ""
    print(f"serving virtual card to {where}{ctl}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        if control is not None:
            control.stop()
        link.stop()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m card.virtual", description="virtual My Number card")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    prof = sub.add_parser("profile", help="write a self-contained test card profile (own test CAs)")
    prof.add_argument("--out", required=True)
    prof.add_argument("--kind", choices=[k.value for k in VIRTUAL_KINDS], default=TokenKind.CARD.value,
                      help="card (today's), smartphone (Android SE) or nextgen (ECDSA P-384)")
    prof.add_argument("--pin", default="1234")
    prof.add_argument("--sign-password", default="ABC123")
    prof.add_argument("--seed", help="make the keys reproducible")
    serve = sub.add_parser("serve", help="serve the card to pcscd's vpcd driver until SIGTERM")
    serve.add_argument("--profile", required=True)
    serve.add_argument("--vpcd", default=f"127.0.0.1:{DEFAULT_PORT}", help="HOST:PORT of the vpcd slot")
    serve.add_argument("--state", help="JSON file where PIN tries and lock persist")
    serve.add_argument("--control", help="HOST:PORT for the HTTP control (port 0 = any)")
    serve.add_argument("--removed", action="store_true", help="start with the card out of the reader")
    serve.add_argument("--max-response", type=int, help="answer longer data via 61xx/GET RESPONSE")
    serve.add_argument("--throttle-kbps", type=float, help="emulate a link of this bit rate")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="extra delay per APDU")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _cmd_profile(args) if args.command == "profile" else _cmd_serve(args)
    except (CardError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
