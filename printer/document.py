"""The center→printer document contract (docs/document-content.md): ``parse_document`` is its
executable form.

It accepts exactly the keys the contract names, rejects unknown ones, and every error names the
offending key as a dotted path (``body.persons[2].birth_date``) so that a bad document is refused
before anything is printed.  The printer has no domain logic: all values are display strings already
formatted by the center.  The dataclasses live in printer.docmodel, the key readers in
printer.docreader; both are re-exported here.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from PIL import Image, UnidentifiedImageError

from printer.docmodel import (
    DOC_TYPES,
    PERSON_FIELDS,
    PERSON_TEXT_FIELDS,
    SCHEMA,
    Body,
    Document,
    Event,
    Foreign,
    FuhyoAddress,
    FuhyoBody,
    FuhyoPerson,
    Impression,
    InkanBody,
    IssuedDocument,
    JuminhyoBody,
    KazeiBody,
    KosekiBody,
    KosekiPerson,
    Municipality,
    OfficialSeal,
    Pairs,
    Person,
)
from printer.docreader import (
    MAX_SEAL_CHARS,
    MAX_SEAL_PNG_BYTES,
    MAX_SEAL_PNG_PIXELS,
    QR_ALPHANUMERIC,
    DocumentError,
    Obj,
    nonempty,
)

__all__ = [
    "MAX_SEAL_CHARS",
    "PERSON_FIELDS",
    "QR_ALPHANUMERIC",
    "SCHEMA",
    "Document",
    "DocumentError",
    "Event",
    "Foreign",
    "FuhyoAddress",
    "FuhyoBody",
    "FuhyoPerson",
    "Impression",
    "InkanBody",
    "IssuedDocument",
    "JuminhyoBody",
    "KazeiBody",
    "KosekiBody",
    "KosekiPerson",
    "Municipality",
    "OfficialSeal",
    "Pairs",
    "Person",
    "parse_document",
    "parse_issued",
    "parse_seal",
]


# --- bodies -------------------------------------------------------------------------------------


def _foreign(o: Obj) -> Foreign:
    f = Foreign(
        *(o.text(k) for k in ("nationality", "section", "status", "period", "period_expires", "card_number"))
    )
    o.done()
    return f


def _person(o: Obj) -> Person:
    opts = {k: o.opt_text(k) for k in PERSON_TEXT_FIELDS}
    foreign = _foreign(o.obj("foreign")) if "foreign" in o.d else None
    o.read.add("foreign")
    if foreign is not None and (opts["honseki"] or opts["hittosha"]):
        # docs/document-content.md: 本籍・筆頭者 never for foreign residents.
        raise DocumentError(o.key("honseki" if opts["honseki"] else "hittosha"), "not allowed with foreign")
    p = Person(name=o.text("name"), foreign=foreign, remarks=o.texts("remarks"), **opts)
    o.done()
    return p


def _juminhyo(o: Obj) -> JuminhyoBody:
    raw = o.items("persons")
    nonempty(raw, o.key("persons"))
    persons = tuple(_person(Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw))
    b = JuminhyoBody(address=o.text("address"), householder=o.opt_text("householder"), persons=persons)
    o.done()
    return b


def _impression(o: Obj) -> Impression:
    shape = o.text("shape")
    if shape not in ("round", "square"):
        raise DocumentError(o.key("shape"), "expected 'round' or 'square'")
    size = o.raw("size_mm", True)
    if isinstance(size, bool) or not isinstance(size, int | float) or not 8 <= size <= 25:
        raise DocumentError(o.key("size_mm"), "expected a number from 8 to 25")
    text = o.text("text")
    if len(text) > 8:
        raise DocumentError(o.key("text"), "an impression holds at most 8 characters")
    imp = Impression(text=text, shape="round" if shape == "round" else "square", size_mm=float(size))
    o.done()
    return imp


def _inkan(o: Obj) -> InkanBody:
    b = InkanBody(
        name=o.text("name"),
        alias=o.opt_text("alias"),
        birth_date=o.text("birth_date"),
        address=o.text("address"),
        remarks=o.texts("remarks"),
        impression=_impression(o.obj("impression")),
        certificate_number=o.text("certificate_number"),
    )
    o.done()
    return b


def _kazei(o: Obj) -> KazeiBody:
    b = KazeiBody(
        fiscal_year=o.text("fiscal_year"),
        income_year=o.text("income_year"),
        address=o.text("address"),
        name=o.text("name"),
        birth_date=o.text("birth_date"),
        sex=o.text("sex"),
        income=o.pairs("income"),
        total_income=o.text("total_income"),
        aggregate_income=o.text("aggregate_income"),
        deductions=o.pairs("deductions"),
        deductions_total=o.text("deductions_total"),
        dependents=o.pairs("dependents"),
        taxable=o.pairs("taxable"),
        tax=o.pairs("tax"),
        annual_tax=o.text("annual_tax"),
        remarks=o.texts("remarks"),
    )
    o.done()
    return b


def _event(o: Obj) -> Event:
    e = Event(event=o.text("event"), items=o.pairs("items"))
    o.done()
    return e


def _events(o: Obj, name: str) -> tuple[Event, ...]:
    return tuple(_event(Obj(v, f"{o.key(name)}[{i}]")) for i, v in enumerate(o.items(name)))


def _koseki_person(o: Obj) -> KosekiPerson:
    removed = o.raw("removed", False)
    if removed is not None and not isinstance(removed, bool):
        raise DocumentError(o.key("removed"), "expected true or false")
    p = KosekiPerson(
        name=o.text("name"),
        furigana=o.opt_text("furigana"),
        birth_date=o.text("birth_date"),
        spouse_role=o.opt_text("spouse_role"),
        father=o.opt_text("father"),
        mother=o.opt_text("mother"),
        relationship=o.text("relationship"),
        removed=bool(removed),
        events=_events(o, "events"),
    )
    o.done()
    return p


def _koseki(o: Obj) -> KosekiBody:
    kind = o.text("kind")
    if kind not in ("zenbu", "kojin"):
        raise DocumentError(o.key("kind"), "expected 'zenbu' or 'kojin'")
    raw = o.items("persons")
    nonempty(raw, o.key("persons"))
    b = KosekiBody(
        kind="zenbu" if kind == "zenbu" else "kojin",
        honseki=o.text("honseki"),
        hittosha=o.text("hittosha"),
        surname_furigana=o.opt_text("surname_furigana"),
        koseki_events=_events(o, "koseki_events"),
        persons=tuple(_koseki_person(Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw)),
    )
    o.done()
    return b


def _fuhyo_person(o: Obj) -> FuhyoPerson:
    raw = o.items("addresses")
    nonempty(raw, o.key("addresses"))
    addrs = []
    for i, v in enumerate(raw):
        a = Obj(v, f"{o.key('addresses')}[{i}]")
        addrs.append(FuhyoAddress(address=a.text("address"), since=a.text("since")))
        a.done()
    p = FuhyoPerson(
        name=o.text("name"), birth_date=o.text("birth_date"), sex=o.text("sex"), addresses=tuple(addrs)
    )
    o.done()
    return p


def _fuhyo(o: Obj) -> FuhyoBody:
    raw = o.items("persons")
    nonempty(raw, o.key("persons"))
    b = FuhyoBody(
        honseki=o.opt_text("honseki"),
        hittosha=o.opt_text("hittosha"),
        persons=tuple(_fuhyo_person(Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw)),
    )
    o.done()
    return b


_BODIES: dict[str, Callable[[Obj], Body]] = {
    "juminhyo": _juminhyo,
    "kisaijiko": _juminhyo,
    "inkan": _inkan,
    "kazei": _kazei,
    "koseki": _koseki,
    "fuhyo": _fuhyo,
}


# --- common keys --------------------------------------------------------------------------------


def _official_seal(o: Obj) -> OfficialSeal:
    key = o.key("png_b64")
    b64 = o.raw("png_b64", True)
    if not isinstance(b64, str) or len(b64) > MAX_SEAL_PNG_BYTES * 4 // 3 + 4:
        raise DocumentError(key, f"expected a base64 PNG of at most {MAX_SEAL_PNG_BYTES} bytes")
    try:
        png = base64.b64decode(b64, validate=True)
        with Image.open(io.BytesIO(png)) as im:
            fmt, pixels = im.format, im.width * im.height
            if fmt == "PNG" and pixels <= MAX_SEAL_PNG_PIXELS:
                im.load()  # decode fully now: a truncated image must fail here, not mid-print
    except (ValueError, UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise DocumentError(key, "not a readable base64 PNG") from e
    if fmt != "PNG":
        raise DocumentError(key, f"expected a PNG, got {fmt}")
    if pixels > MAX_SEAL_PNG_PIXELS:
        raise DocumentError(key, "image too large")
    seal = OfficialSeal(text=o.text("text"), png=png)
    o.done()
    return seal


def _municipality(o: Obj) -> Municipality:
    m = Municipality(
        code=o.text("code"), prefecture=o.text("prefecture"), name=o.text("name"), mayor=o.text("mayor")
    )
    o.done()
    return m


def parse_document(data: object) -> Document:
    """Parse one document ``content`` object (docs/document-content.md) into typed dataclasses.

    :raises DocumentError: naming the first bad, missing or unknown key as a dotted path.
    """
    o = Obj(data, "")
    schema = o.raw("schema", True)
    if schema != SCHEMA:
        raise DocumentError("schema", f"expected {SCHEMA!r}")
    doc_type = o.text("type")
    if doc_type not in DOC_TYPES:
        raise DocumentError("type", f"expected one of {', '.join(DOC_TYPES)}")
    body = _BODIES[doc_type](o.obj("body"))
    doc = Document(
        type=doc_type,  # type: ignore[arg-type]  # checked against DOC_TYPES just above
        title=o.text("title"),
        municipality=_municipality(o.obj("municipality")),
        official_seal=_official_seal(o.obj("official_seal")),
        issued_on=o.text("issued_on"),
        issued_date=o.text("issued_date"),
        issue_number=o.text("issue_number"),
        certification=o.text("certification"),
        seal_id=o.text("seal_id"),
        body=body,
        notes=o.texts("notes"),
    )
    o.done()
    return doc


def parse_seal(value: object, key: str = "seal") -> str:
    """Check a seal string: ``KJ1:`` + Base45, QR-alphanumeric only, bounded length.

    :raises DocumentError: naming ``key``.
    """
    if not isinstance(value, str):
        raise DocumentError(key, f"expected a string, got {type(value).__name__}")
    if not value.startswith("KJ1:") or len(value) <= 4:
        raise DocumentError(key, "expected 'KJ1:' followed by Base45")
    if len(value) > MAX_SEAL_CHARS:
        raise DocumentError(key, f"longer than {MAX_SEAL_CHARS} characters")
    bad = sorted(set(value) - QR_ALPHANUMERIC)
    if bad:
        raise DocumentError(key, f"character {bad[0]!r} is outside the QR alphanumeric set")
    return value


def parse_issued(data: object) -> IssuedDocument:
    """Parse one ``{"content", "seal"}`` entry of the center's ``documents`` list.

    :raises DocumentError: naming the bad key (``content.body.persons[0].name``, ``seal``, ...).
    """
    o = Obj(data, "")
    content = o.raw("content", True)
    try:
        doc = parse_document(content)
    except DocumentError as e:
        raise DocumentError(f"content.{e.key}" if e.key != "$" else "content", e.problem) from e
    seal = parse_seal(o.raw("seal", True))
    o.done()
    return IssuedDocument(document=doc, seal=seal)
