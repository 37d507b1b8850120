"""``python -m kiosk.voice --config FILE``: render every clip the config's languages need (``make voice``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import ConfigError, load_config
from kiosk.ui.i18n import Translator
from kiosk.voice.prompts import inventory
from kiosk.voice.render import render_clips


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.voice", description=__doc__)
    ap.add_argument("--config", required=True, help="kiosk TOML config")
    ap.add_argument("--out", type=Path, help="clip directory (default: the config's voice.clips)")
    ap.add_argument("--languages", help="comma-separated codes (default: the config's ui.languages)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config)
    except (ConfigError, OSError) as e:
        sys.stderr.write(f"config: {e}\n")
        return 2
    languages = tuple(args.languages.split(",")) if args.languages else cfg.ui.languages
    out = args.out or cfg.voice.clips
    report = render_clips(out, inventory(Translator(), languages), cfg.voice.rate, args.jobs)
    sys.stdout.write(f"voice clips in {out}: {report.rendered} rendered, {report.cached} cached, "
                     f"{report.failed} failed, {report.seconds:.1f} s\n")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
