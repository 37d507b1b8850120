"""``python -m kiosk.preview --config FILE``: make the confirm screen's layout previews for the config's
screen size (``make previews``; a kiosk also makes missing ones on a background thread at start)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, load_config
from kiosk.preview.render import ensure_previews, preview_size


def preview_dir(cfg: Any) -> Path:
    """Where a kiosk caches its previews: ``previews/`` beside the voice clips (both under var/)."""
    return Path(cfg.voice.clips).parent / "previews"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.preview", description=__doc__)
    ap.add_argument("--config", required=True, help="kiosk TOML config")
    ap.add_argument("--out", type=Path, help="preview directory (default: previews/ beside voice.clips)")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config)
    except (ConfigError, OSError) as e:
        sys.stderr.write(f"config: {e}\n")
        return 2
    out = args.out or preview_dir(cfg)
    width, height = cfg.ui.resolution
    report = ensure_previews(out, preview_size((width, height)))
    sys.stdout.write(f"layout previews in {out}: {report.rendered} made, {report.cached} cached, "
                     f"{report.pruned} stale removed, {report.seconds:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
