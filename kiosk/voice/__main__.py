"""``python -m kiosk.voice --config FILE``: render every clip the config's languages need (``make voice``):
the prompts, then the money sentences of the configured fees within ``voice.cache_mb``, and remove
every clip no longer needed.  With ``--languages`` only those are rendered and nothing is removed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, load_config
from kiosk.ui.i18n import Translator
from kiosk.voice.prompts import amount_inventory, inventory
from kiosk.voice.render import prepare_cache, render_clips


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
    out = args.out or cfg.voice.clips
    tr = Translator()
    if args.languages:
        report = render_clips(out, inventory(tr, tuple(args.languages.split(","))), cfg.voice.rate, args.jobs)
        sys.stdout.write(f"voice clips in {out}: {report.rendered} rendered, {report.cached} cached, "
                         f"{report.failed} failed, {report.seconds:.1f} s\n")
        return 1 if report.failed else 0
    cache = prepare_cache(out, inventory(tr, cfg.ui.languages), amounts_of(cfg, tr), cfg.voice.rate,
                          budget_bytes=round(cfg.voice.cache_mb * 1e6), jobs=args.jobs)
    b, a = cache.base, cache.amounts
    sys.stdout.write(
        f"voice clips in {out}: prompts {b.rendered} rendered, {b.cached} cached, {b.failed} failed; "
        f"money {a.rendered} rendered, {a.cached} cached, {a.failed} failed, {a.skipped} over the "
        f"{cfg.voice.cache_mb:g} MB budget; {cache.pruned} pruned; "
        f"{cache.bytes_before / 1e6:.1f} MB before, {cache.bytes_after / 1e6:.1f} MB after; "
        f"{b.seconds + a.seconds:.1f} s\n")
    return 1 if b.failed or a.failed else 0


def amounts_of(cfg: Any, tr: Translator) -> list[tuple[str, str]]:
    """The money sentences of this config: its fees, copy limit and accepted money, in its languages."""
    return amount_inventory(tr, cfg.ui.languages, cfg.voice.fees, cfg.flow.max_copies, cfg.payment.accepts)


if __name__ == "__main__":
    sys.exit(main())
