"""``python -m printer``: see printer/cli.py."""

from __future__ import annotations

import sys

from printer.cli import main

if __name__ == "__main__":
    sys.exit(main())
