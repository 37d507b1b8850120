"""``make demo``: the whole chain on this machine (docs/hil.md).

Initialises the center's data once (``var/center``), starts the tiers (the municipal issuance servers
of its directory, then the center routing to them), pcscd with the vpcd reader, a
virtual card for a demo resident, the printer emulator on a pty serial link and the receipt printer,
then the kiosk.  With a display it opens the kiosk window (you place/take the card with the commands it
prints); without one it runs the happy path headless and writes ``var/demo/`` (screens, printed pages,
receipt, result.json).  Everything it started stops on exit or Ctrl-C.

    python -m scripts.demo [--headless] [--data DIR] [--out DIR]
"""

# ruff: noqa: T201 - a command-line tool: it talks to the person who ran it

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.hil.errors import HilError
from kiosk.hil.options import VPCD_PORTS, RunOptions
from kiosk.hil.run import run_scenario
from kiosk.hil.scenarios import SCENARIOS
from kiosk.hil.services import (
    IN_HOURS,
    REPO,
    Interrupted,
    Supervisor,
    child_env,
    init_center,
    install_signal_handlers,
)
from kiosk.hil.setup import STAFF_PIN, KioskSetup, kiosk_config
from kiosk.hil.tiers import default_layout, start_tiers


def _resident(data: Path) -> dict[str, object]:
    index = json.loads((data / "cards" / "index.json").read_text(encoding="utf-8"))
    bad = {"revoked", "expired", "moved-out", "support-measure", "deceased", "no-seal", "no-tax-return"}
    return dict(next(e for e in index if not bad & set(e["tags"])))


def _headless(data: Path, out: Path) -> int:
    print("no display: running the happy path headless (住民票の写し) ...", flush=True)
    # On the tiers init laid out: municipal issuance servers, then the center routing to them.
    sc = dataclasses.replace(SCENARIOS["happy-juminhyo"], tiers=default_layout(data))
    result = run_scenario("happy-juminhyo", out, RunOptions(data, "pty", None), scenario=sc)
    who = result["kiosks"][0] if result.get("kiosks") else {}
    print(f"\noutcome: {result['outcome']} (expected {result['expected']})")
    print(f"demo resident: {who.get('resident_id')}, PIN {_pin(data, str(who.get('resident_id')))}")
    for what, sub in (("screens", "screens"), ("printed pages", "prints"), ("receipt", "receipts"),
                      ("kiosk state and logs", "kiosk")):
        print(f"  {what:22} {out / sub}")
    print(f"  {'result':22} {out / 'result.json'}")
    return 0 if result["ok"] else 1


def _pin(data: Path, resident_id: str) -> str:
    index = json.loads((data / "cards" / "index.json").read_text(encoding="utf-8"))
    return next((str(e["pin"]) for e in index if e["resident_id"] == resident_id), "?")


def _windowed(data: Path, out: Path) -> int:
    entry = _resident(data)
    kiosks = json.loads((data / "kiosks" / "index.json").read_text(encoding="utf-8"))
    sc = SCENARIOS["happy-juminhyo"]
    with Supervisor(out / "logs") as sup:
        sup.pcscd()
        # The tiers, as init laid them out: municipal issuance servers, then the center routing to them.
        center = start_tiers(sup, data, IN_HOURS, default_layout(data))
        k = KioskSetup.make(0, out, data=data, entry=entry, kiosk=kiosks[0], person=sc.people[0], scenario=sc)
        k.card = sup.card(data / str(entry["card"]), VPCD_PORTS[0], k.dir / "card-state.json")
        k.printer = sup.printer(k.prints, "a4-thermal-300", link="pty", baud=115200,
                                tty=k.dir / "printer.tty")
        k.receipt = sup.printer(out / "receipts", "receipt-80-203", link="tcp", name="receipt")
        cfg = kiosk_config(k, center, RunOptions(data, "pty", 115200))
        ctl = k.card.info["control"]
        print(f"""
コンビニ交付 demo is running.
  demo resident: {entry['resident_id']} — PIN {entry['pin']}
  place the card:  curl -X POST {ctl}/insert
  take the card:   curl -X POST {ctl}/remove
  printed pages:   {k.prints}      receipts: {out / 'receipts'}
  service menu:    tap the four corners clockwise from top-left, staff PIN {STAFF_PIN}
Close the window or press Ctrl-C to stop everything.
""", flush=True)
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg), "--windowed"], cwd=REPO,
                                env=child_env())
        try:
            return proc.wait()
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    ap.add_argument("--headless", action="store_true", help="run the happy path even with a display")
    ap.add_argument("--data", default=str(REPO / "var" / "center"), help="center data dir (made once)")
    ap.add_argument("--out", default=str(REPO / "var" / "demo"))
    args = ap.parse_args(argv)
    data, out = Path(args.data).resolve(), Path(args.out).resolve()
    restore = install_signal_handlers()
    try:
        if init_center(data):
            print(f"initialised the center's data in {data}")
        if args.headless or not os.environ.get("DISPLAY"):
            return _headless(data, out)
        return _windowed(data, out)
    except HilError as e:
        print(f"demo: {e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted):
        print("\ndemo: stopped; everything it started has been stopped.", file=sys.stderr)
        return 130
    finally:
        restore()


if __name__ == "__main__":
    sys.exit(main())
