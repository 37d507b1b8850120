"""``python -m card``: see ``card.cli``."""

import sys

from card.cli import main

sys.exit(main())
