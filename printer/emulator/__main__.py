"""``python -m printer.emulator --out DIR (--tcp HOST:PORT | --pty PATH) [--profile NAME] [--baud N]
[--control HOST:PORT] [--speed-mm-s S]`` — runs until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from printer.emulator.server import Emulator
from printer.errors import PrinterError
from printer.profiles import PROFILES
from printer.transport.tcp import parse_hostport


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m printer.emulator", description=__doc__)
    p.add_argument("--out", required=True, help="directory for one PNG + JSON per cut")
    link = p.add_mutually_exclusive_group(required=True)
    link.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (port 9100 style)")
    link.add_argument("--pty", metavar="PATH", help="create a pty and symlink its slave at PATH")
    p.add_argument("--profile", default="receipt-80-203", choices=sorted(PROFILES))
    p.add_argument("--baud", type=int, default=None, help="throttle reception to this line rate")
    p.add_argument("--control", metavar="HOST:PORT", help="JSON/HTTP control port")
    p.add_argument("--speed-mm-s", type=float, default=0.0, help="print speed; 0 = infinitely fast")
    p.add_argument(
        "--structured-realtime", action="store_true",
        help="answer DLE EOT only between commands (default: also where 10 04 n occurs in image data)",
    )
    p.add_argument("--verbose", "-v", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        emu = Emulator(
            args.out, args.profile, speed_mm_s=args.speed_mm_s, baud=args.baud,
            realtime_in_data=not args.structured_realtime,
        )
        with emu:
            if args.tcp:
                host, port = emu.serve_tcp(*parse_hostport(args.tcp))
                print(f"printer emulator ({args.profile}) listening on tcp {host}:{port}", flush=True)
            else:
                print(f"printer emulator ({args.profile}) on pty {emu.serve_pty(args.pty)}", flush=True)
            if args.control:
                host, port = emu.serve_control(*parse_hostport(args.control, 0))
                print(f"control port http://{host}:{port}/state", flush=True)
            stop.wait()
    except (PrinterError, OSError, ValueError) as e:
        print(f"printer emulator: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
