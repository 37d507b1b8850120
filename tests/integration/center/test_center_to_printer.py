"""The center→printer contract (docs/document-content.md), end to end: everything the center issues
parses with the printer's parser and lays out on the printer's pages, with the QR that carries the seal.

Neither package imports the other; this test is where they meet.  Every certificate type the center
offers is issued for residents of different shapes (household, foreign resident, 本籍 elsewhere) with
the widest options the session allows and with each scope/kind, then parsed, rendered and read back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from fixtures.center import CenterData, CenterProcess, session, start_center

from printer.document import parse_issued
from printer.layout.render import render_pages, render_pdf
from printer.profiles import get_profile

# Resident shapes worth a document each: a household, a foreign resident, 本籍 in another municipality.
SHAPES = (("household",), ("foreign",), ("honseki-registered",))


@pytest.fixture(scope="module")
def sqlite_center(center_data: CenterData) -> Iterator[CenterProcess]:
    yield from start_center(center_data.path)


def _variants(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The widest options, then each scope / kind / year on its own."""
    hints: dict[str, Any] = service.get("options", {})
    widest = {k: True for k, v in hints.items() if v is True}
    variants: list[dict[str, Any]] = []
    for key, many in (("scope", "scope"), ("kind", "kind"), ("year", "years")):
        if many in hints:
            variants += [{**widest, key: choice} for choice in hints[many]]
    return variants or [widest]


def _issue(
    center: CenterProcess, data: CenterData, tags: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]]:
    kiosk = data.kiosks[0]
    entry, profile = data.card(*tags, exclude=("revoked", "expired", "moved-out", "support-measure"))
    client = center.client(kiosk)
    s = session(client, kiosk, profile)
    issued: list[tuple[str, dict[str, Any]]] = []
    for muni in s["municipalities"]:
        for service in muni["services"]:
            if not service["available"]:
                continue
            for options in _variants(service):
                o = client.order(s["session_id"], muni["code"], service["certificate"], options, 1)
                assert o.status == 201, (service["certificate"], options, o.body)
                i = client.issue(o.body["order_id"], uuid.uuid4().hex, o.body["fee_total"])
                assert i.status == 200, i.body
                issued += [(service["certificate"], doc) for doc in i.body["documents"]]
                c = client.complete(o.body["order_id"], "printed", len(i.body["documents"]))
                assert c.status == 200, c.body
    assert entry["resident_id"]
    return issued


def _qr_texts(image: Any) -> list[str]:
    gray = np.asarray(image.convert("L"))
    return [r.text for r in zxingcpp.read_barcodes(gray)]


@pytest.mark.parametrize("tags", SHAPES, ids="-".join)
def test_everything_the_center_issues_parses_and_prints(
    sqlite_center: CenterProcess, center_data: CenterData, tags: tuple[str, ...], tmp_path: Path
) -> None:
    issued = _issue(sqlite_center, center_data, tags)
    assert issued, f"the center offered nothing to a resident tagged {tags}"
    thermal = get_profile("a4-thermal-203")
    pdf_done: set[str] = set()
    for certificate, raw in issued:
        doc = parse_issued(raw)  # raises DocumentError naming the key if the contract is broken
        assert doc.document.type == raw["content"]["type"]
        pages = render_pages(doc.document, doc.seal, thermal)
        assert pages and all(p.image.width == thermal.width_dots for p in pages)
        assert [p.number for p in pages] == list(range(1, len(pages) + 1))
        # The seal QR on the first page reads back as exactly the seal the center signed.
        assert raw["seal"] in _qr_texts(pages[0].image), certificate
        if certificate not in pdf_done:  # the page printer's PDF, once per type (slower)
            count = render_pdf(doc.document, doc.seal, get_profile("a4-laser-600"), tmp_path / "d.pdf")
            assert count == len(pages)
            pdf_done.add(certificate)
