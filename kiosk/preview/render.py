"""The confirm screen's preview: the layout of the chosen certificate with every personal field masked.

The kiosk holds no content before payment (the center issues it after), so the preview is laid out
from a synthetic template: ``printer.samples`` (synthetic people only) cut to one person and to the
items chosen, through the printer's own layout code (``printer.layout.render.layout_document``), so
the preview shows what the printer will really lay out.  Then every text that carries a value of the
document (names, addresses, dates, numbers, the issuing office) is drawn as a grey bar; only the
template's own words (title, item labels, rules and boxes) stay.  Seals and QR codes become outlined
boxes.

Previews are cached per (certificate, items, pixel size) under the kiosk's cache directory and made
ahead (``python -m kiosk.preview``, or on a background thread at the first start); the confirm screen
only shows a cached file (``cached_preview``), it never renders while a resident waits.  The file name
carries a digest of the layout code and the templates, so a changed layout never shows a stale preview.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from kiosk.errors import KioskError
from printer.docmodel import Document, FuhyoBody, JuminhyoBody, Person
from printer.errors import PrinterError
from printer.layout.canvas import Bitmap, Box, Rule, Text
from printer.layout.fonts import pil_font, string_width_mm
from printer.layout.render import layout_document
from printer.samples import load_sample, sample_path

__all__ = ["ITEMS", "PreviewError", "PreviewReport", "cached_preview", "ensure_previews", "preview_path",
           "preview_size", "render_preview"]

log = logging.getLogger(__name__)

# The items a resident may choose per certificate (the center's options, kiosk ``item.*`` keys) that
# change the layout.  Other keys are ignored for the preview.
ITEMS: dict[str, tuple[str, ...]] = {
    "juminhyo": ("householder_relationship", "honseki", "my_number"),
    "kisaijiko": ("householder_relationship", "honseki"),
    "inkan": (), "kazei": (), "koseki": (),
    "fuhyo": ("honseki",),
}
A4_MM = (210.0, 297.0)
_SUPERSAMPLE = 2  # drawn at twice the size and reduced: smooth lines at thumbnail scale
_BAR, _TEXT, _LINE, _BOX = 150, 70, 40, 205  # grey levels: masked value, template words, rules, seal boxes
# Synthetic stand-ins for items the sample lacks; they are masked like every value.
_SYNTHETIC = {"relationship": "世帯主", "my_number": "000000000000",
              "honseki": "見本県見本市見本町一丁目1番地", "hittosha": "見本　太郎"}


class PreviewError(KioskError):
    """No preview can be made for this certificate (unknown type, or its template failed to lay out)."""


@dataclass(frozen=True)
class PreviewReport:
    rendered: int
    cached: int
    pruned: int
    seconds: float


def preview_size(screen: tuple[int, int]) -> tuple[int, int]:
    """The preview's pixel size on a screen of ``screen`` pixels: beside the summary on a landscape
    panel (as tall as the summary's room), under it on a portrait one.  A4 proportions."""
    width, height = screen
    tall = max(160, round(height * 0.26)) if height > width else max(160, min(height - 480, height // 2))
    return round(tall * A4_MM[0] / A4_MM[1]), tall


def _chosen(certificate: str, items: Iterable[str]) -> tuple[str, ...]:
    known = ITEMS.get(certificate)
    if known is None:
        raise PreviewError(f"no preview template for certificate {certificate!r}")
    return tuple(k for k in known if k in set(items))


@lru_cache(maxsize=1)
def _digest() -> str:
    """A digest of everything a preview depends on: the layout code, the templates and this module."""
    h = hashlib.sha256()
    layout_dir = Path(layout_document.__code__.co_filename).parent
    for path in [*sorted(layout_dir.glob("*.py")), *(sample_path(c) for c in ITEMS), Path(__file__)]:
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def preview_path(directory: Path, certificate: str, items: Iterable[str], size: tuple[int, int]) -> Path:
    """Where the preview of (certificate, items, size) is cached.  :raises PreviewError: unknown type."""
    chosen = "+".join(_chosen(certificate, items)) or "none"
    return directory / f"{certificate}-{chosen}-{size[0]}x{size[1]}-{_digest()}.png"


def cached_preview(directory: Path, certificate: str, items: Iterable[str],
                   size: tuple[int, int]) -> Path | None:
    """The cached preview, or None when it is not made yet (the screen then shows the summary only)."""
    try:
        path = preview_path(directory, certificate, items, size)
    except PreviewError:
        return None
    return path if path.is_file() else None


def _template(certificate: str, items: tuple[str, ...]) -> Document:
    """The synthetic sample of ``certificate``, with one person and the chosen items only."""
    doc = load_sample(certificate).document
    body = doc.body
    if isinstance(body, JuminhyoBody):
        person: Person = body.persons[0]
        person = dataclasses.replace(
            person,
            relationship=(person.relationship or _SYNTHETIC["relationship"])
            if "householder_relationship" in items else None,
            my_number=_SYNTHETIC["my_number"] if "my_number" in items else None,
            honseki=(person.honseki or _SYNTHETIC["honseki"]) if "honseki" in items else None,
            hittosha=(person.hittosha or _SYNTHETIC["hittosha"]) if "honseki" in items else None,
        )
        householder = (body.householder or person.name) if "householder_relationship" in items else None
        body = dataclasses.replace(body, persons=(person,), householder=householder)
    elif isinstance(body, FuhyoBody):
        body = dataclasses.replace(
            body, persons=body.persons[:1],
            honseki=(body.honseki or _SYNTHETIC["honseki"]) if "honseki" in items else None,
            hittosha=(body.hittosha or _SYNTHETIC["hittosha"]) if "honseki" in items else None)
    return dataclasses.replace(doc, body=body)


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a document value (dataclasses, tuples, strings)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        return
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _strings(v)


def _values(doc: Document) -> set[str]:
    """The document's values: everything but the template's words (title, labels, certification)."""
    out = set(_strings(doc.body)) | set(_strings(doc.municipality))
    out |= {doc.issued_on, doc.issued_date, doc.issue_number, doc.seal_id, doc.official_seal.text}
    return {s.strip(" 　") for s in out if s.strip(" 　")}


def masked(text: str, values: set[str]) -> bool:
    """Whether a laid-out text shows a value (or part of one: long values are wrapped over lines).
    Any digit counts as a value, so no number ever shows; erring on the side of masking."""
    t = text.strip(" 　")
    if not t:
        return False
    return any(ch.isdigit() for ch in t) or any(t in v or v in t for v in values)


def render_preview(certificate: str, items: Iterable[str], size: tuple[int, int]) -> Image.Image:
    """Page 1 of the certificate's layout, personal fields masked, as an RGB image of ``size``.

    :raises PreviewError: unknown certificate, or its template cannot be laid out.
    """
    chosen = _chosen(certificate, items)
    doc = _template(certificate, chosen)
    try:
        page = layout_document(doc)[0]
    except PrinterError as err:
        raise PreviewError(f"{certificate}: template not laid out ({err.code})") from err
    values = _values(doc)
    w, h = size[0] * _SUPERSAMPLE, size[1] * _SUPERSAMPLE
    scale = min(w / A4_MM[0], h / A4_MM[1])  # pixels per mm
    left, top = (w - A4_MM[0] * scale) / 2, (h - A4_MM[1] * scale) / 2
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)

    def px(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, top + y * scale

    for it in page.items:
        if isinstance(it, Text):
            size_mm = it.size * 25.4 / 72
            if masked(it.text, values):
                width = string_width_mm(it.text, it.face, it.size)
                x0 = it.x - {"l": 0.0, "r": width, "c": width / 2}[it.align]
                a, b = px(x0, it.y - size_mm * 0.8)
                c, e = px(x0 + width, it.y + size_mm * 0.1)
                d.rectangle((a, b, max(a + 1, c), max(b + 1, e)), fill=_BAR)
            else:
                anchor = {"l": "ls", "r": "rs", "c": "ms"}[it.align]
                d.text(px(it.x, it.y), it.text, font=pil_font(it.face, max(1.0, size_mm * scale)), fill=_TEXT,
                       anchor=anchor)
        elif isinstance(it, Rule):
            a, b = px(it.x0, it.y0)
            c, e = px(it.x1, it.y1)
            d.rectangle((a, b, max(a + 1, c), max(b + 1, e)), fill=_LINE)
        elif isinstance(it, Box):
            a, b = px(it.x, it.y)
            c, e = px(it.x + it.w, it.y + it.h)
            d.rectangle((a, b, c, e), outline=_LINE, width=1)
        elif isinstance(it, Bitmap):  # seal, QR, official seal: specific to each document, never drawn
            a, b = px(it.x, it.y)
            c, e = px(it.x + it.w, it.y + it.h)
            d.rectangle((a, b, c, e), fill=_BOX, outline=_LINE, width=1)
    a, b = px(0, 0)
    c, e = px(*A4_MM)
    d.rectangle((a, b, c - 1, e - 1), outline=_LINE, width=_SUPERSAMPLE)  # the sheet's edge
    return im.resize(size, Image.Resampling.LANCZOS).convert("RGB")


def _combos() -> Iterator[tuple[str, tuple[str, ...]]]:
    for certificate, keys in ITEMS.items():
        for n in range(len(keys) + 1):
            for chosen in itertools.combinations(keys, n):
                yield certificate, chosen


def ensure_previews(directory: Path, size: tuple[int, int]) -> PreviewReport:
    """Make every (certificate, items) preview of ``size`` missing from ``directory``; remove previews
    of an older layout (another digest).  A template that fails is logged and skipped."""
    start = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    pruned = 0
    for old in directory.glob("*.png"):
        if not old.stem.endswith(f"-{_digest()}"):
            old.unlink(missing_ok=True)
            pruned += 1
    rendered = cached = 0
    for certificate, chosen in _combos():
        path = preview_path(directory, certificate, chosen, size)
        if path.is_file():
            cached += 1
            continue
        try:
            image = render_preview(certificate, chosen, size)
        except PreviewError as err:
            log.warning("preview not made: %s", err)
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            image.save(tmp, format="PNG")
            tmp.replace(path)  # a crash never leaves half a picture under the real name
        finally:
            tmp.unlink(missing_ok=True)
        rendered += 1
    return PreviewReport(rendered, cached, pruned, time.perf_counter() - start)
