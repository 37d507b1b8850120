"""Helpers for the layout and security-printing tests: sample documents and rendered pages (cached)."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from printer.layout.render import Page, render_pages
from printer.profiles import get_profile
from printer.samples import load_sample, sample_path

A4_PROFILES = ("a4-thermal-203", "a4-thermal-300", "a4-laser-600")


def sample_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample_path(name).read_text(encoding="utf-8"))
    return copy.deepcopy(data)


@cache
def rendered(name: str, profile: str) -> tuple[Page, ...]:
    issued = load_sample(name)
    return tuple(render_pages(issued.document, issued.seal, get_profile(profile)))
