"""``python -m kiosk.hil list`` · ``python -m kiosk.hil run SCENARIO --out DIR [--link pty|tcp]
[--baud N] [--data DIR]`` · ``python -m kiosk.hil kiosk-process ...`` (internal: one kiosk).

``run`` exits 0 only when the outcome is the expected one (docs/architecture.md contract), 1 when it is not, 2
on
bad usage or a part that would not start.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from kiosk.hil.errors import HilError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["kiosk-process"]:
        from kiosk.hil.kiosk_process import main as kiosk_main

        return kiosk_main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m kiosk.hil", description="whole-chain HIL scenarios")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the built-in scenarios")
    run = sub.add_parser("run", help="run one scenario")
    run.add_argument("scenario")
    run.add_argument("--out", required=True, help="output directory (result.json, screens/, prints/, kiosk/)")
    run.add_argument("--link", choices=("pty", "tcp"), default="pty",
                     help="printer link (default: pty serial)")
    run.add_argument("--baud", type=int, default=None,
                     help="emulate this line rate on the printer link (default: as fast as possible)")
    run.add_argument("--data", default=None, help="center data dir (default var/hil/center; made once)")
    run.add_argument("--timeout", type=float, default=150.0)
    run.add_argument("--profile", default="a4-thermal-300",
                     help="certificate printer profile (a4-thermal-300, a4-thermal-203)")
    args = ap.parse_args(argv)
    from kiosk.hil.options import DEFAULT_DATA, RunOptions
    from kiosk.hil.run import run_scenario, scenario_names

    if args.command == "list":
        for name, expected, summary in scenario_names():
            print(f"{name:20} {expected:50} {summary}")
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from kiosk.hil.services import Interrupted, install_signal_handlers

    restore = install_signal_handlers()
    try:
        opts = RunOptions(Path(args.data) if args.data else DEFAULT_DATA, args.link, args.baud, args.timeout,
                          args.profile)
        result = run_scenario(args.scenario, Path(args.out), opts)
    except HilError as e:
        print(f"kiosk.hil: {e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted):
        print("kiosk.hil: interrupted; every part it started has been stopped", file=sys.stderr)
        return 130
    finally:
        restore()
    print(json.dumps({k: result[k] for k in ("scenario", "outcome", "expected", "ok")}, ensure_ascii=False))
    print(f"results in {Path(args.out).resolve()}/result.json")
    return 0 if result["ok"] else (2 if result["outcome"] == "setup_failed" else 1)


if __name__ == "__main__":
    sys.exit(main())
