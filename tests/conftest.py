"""Shared test set-up.  Kivy's environment is set here, before anything can import kivy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _k, _v in {
    "KIVY_HOME": str(_HERE / ".kivy_home"),
    "KIVY_NO_ARGS": "1",
    "KIVY_NO_CONFIG": "1",
    "KIVY_NO_FILELOG": "1",
    "KIVY_NO_CONSOLELOG": "1",
}.items():
    os.environ.setdefault(_k, _v)
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

REPO = _HERE.parent
_GROUP_DIR = pytest.StashKey["Path | None"]()

# `make test` runs pytest-xdist (`-n 2 --dist loadgroup`); the tests that use pcscd and the vpcd readers
# run together on one worker (tests/fixtures/xdist_groups.py says why and how).


def pytest_configure(config: pytest.Config) -> None:
    from fixtures import xdist_groups

    config.stash[_GROUP_DIR] = xdist_groups.group_dir(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    from fixtures import xdist_groups

    xdist_groups.remove_group_dir(config.stash.get(_GROUP_DIR, None))


@pytest.hookimpl(trylast=True)  # after the ui/ and hil/ conftests have marked their tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from fixtures import xdist_groups

    xdist_groups.write_groups(config, items)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when pytest runs without xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    from fixtures import xdist_groups

    return xdist_groups.make_scheduler(config, log)
