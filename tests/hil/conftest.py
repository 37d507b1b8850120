"""HIL scenarios: the whole chain (real pcscd + vpcd, center over mTLS, printer emulator on a pty).

The center's data dir is shared by every scenario of the session and cached under var/hil/ (made once
by ``server_stub init``; a later session reuses it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HIL_DATA = Path(os.environ.get("HIL_DATA", REPO / "var" / "hil" / "center"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/hil/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(pytest.mark.hil)
            item.add_marker(pytest.mark.pcsc)


@pytest.fixture(scope="session")
def hil_data() -> Path:
    from kiosk.hil.services import init_center

    init_center(HIL_DATA)
    return HIL_DATA
