"""``python -m server_stub``."""

from __future__ import annotations

import sys

from server_stub.cli import main

sys.exit(main())
