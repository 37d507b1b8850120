"""The center→printer document contract (docs/document-content.md) as typed, frozen dataclasses.

``parse_document`` is the executable form of that page: it accepts exactly the keys the contract
names, rejects unknown ones, and every error names the offending key as a dotted path
(``body.persons[2].birth_date``) so that a bad document is refused before anything is printed.
The printer has no domain logic: all values are display strings already formatted by the center.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from PIL import Image, UnidentifiedImageError

from printer.errors import PrinterError

__all__ = [
    "MAX_SEAL_CHARS",
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
    "Person",
    "parse_document",
    "parse_issued",
    "parse_seal",
]

SCHEMA = "konbini-doc/1"
DOC_TYPES = ("juminhyo", "kisaijiko", "inkan", "kazei", "koseki", "fuhyo")
# QR alphanumeric mode (ISO/IEC 18004 §7.4.4): the seal is `KJ1:` + Base45, all in this set.
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
MAX_SEAL_CHARS = 1200  # keeps the QR at <= version 25-M, i.e. < 50 mm wide even at 0.42 mm modules
MAX_TEXT_CHARS = 400  # one printed string; longer is a center bug, not something to lay out
MAX_LIST_ITEMS = 64
MAX_SEAL_PNG_BYTES = 512 * 1024
MAX_SEAL_PNG_PIXELS = 2048 * 2048


class DocumentError(PrinterError, ValueError):
    """A document does not follow docs/document-content.md; ``key`` names the offending key."""

    code = "document_invalid"

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Municipality:
    code: str
    prefecture: str
    name: str
    mayor: str


@dataclass(frozen=True)
class OfficialSeal:
    text: str
    png: bytes  # decoded and checked to be a PNG of bounded size


@dataclass(frozen=True)
class Foreign:
    nationality: str
    section: str
    status: str
    period: str
    period_expires: str
    card_number: str


@dataclass(frozen=True)
class Person:
    name: str
    furigana: str | None = None
    old_name_furigana: str | None = None
    old_name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    relationship: str | None = None
    my_number: str | None = None
    became_resident_on: str | None = None
    address_set_on: str | None = None
    notified_on: str | None = None
    honseki: str | None = None
    hittosha: str | None = None
    previous_address: str | None = None
    foreign: Foreign | None = None
    remarks: tuple[str, ...] = ()


@dataclass(frozen=True)
class JuminhyoBody:
    address: str
    persons: tuple[Person, ...]
    householder: str | None = None


@dataclass(frozen=True)
class Impression:
    text: str
    shape: Literal["round", "square"]
    size_mm: float


@dataclass(frozen=True)
class InkanBody:
    name: str
    birth_date: str
    address: str
    impression: Impression
    certificate_number: str
    alias: str | None = None
    remarks: tuple[str, ...] = ()


Pairs: TypeAlias = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class KazeiBody:
    fiscal_year: str
    income_year: str
    address: str
    name: str
    birth_date: str
    sex: str
    income: Pairs
    total_income: str
    deductions: Pairs
    deductions_total: str
    dependents: Pairs
    taxable: Pairs
    tax: Pairs
    annual_tax: str
    remarks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    event: str
    items: Pairs


@dataclass(frozen=True)
class KosekiPerson:
    name: str
    birth_date: str
    relationship: str
    events: tuple[Event, ...]
    spouse_role: str | None = None
    father: str | None = None
    mother: str | None = None
    removed: bool = False


@dataclass(frozen=True)
class KosekiBody:
    kind: Literal["zenbu", "kojin"]
    honseki: str
    hittosha: str
    koseki_events: tuple[Event, ...]
    persons: tuple[KosekiPerson, ...]


@dataclass(frozen=True)
class FuhyoAddress:
    address: str
    since: str


@dataclass(frozen=True)
class FuhyoPerson:
    name: str
    birth_date: str
    sex: str
    addresses: tuple[FuhyoAddress, ...]


@dataclass(frozen=True)
class FuhyoBody:
    persons: tuple[FuhyoPerson, ...]
    honseki: str | None = None
    hittosha: str | None = None


Body: TypeAlias = JuminhyoBody | InkanBody | KazeiBody | KosekiBody | FuhyoBody
DocType: TypeAlias = Literal["juminhyo", "kisaijiko", "inkan", "kazei", "koseki", "fuhyo"]


@dataclass(frozen=True)
class Document:
    type: DocType
    title: str
    municipality: Municipality
    official_seal: OfficialSeal
    issued_on: str
    issued_date: str
    issue_number: str
    certification: str
    seal_id: str
    body: Body
    notes: tuple[str, ...] = ()
    schema: str = SCHEMA


@dataclass(frozen=True)
class IssuedDocument:
    """One entry of the center's ``documents`` list: the content and the QR seal text."""

    document: Document
    seal: str


# --- field readers: each takes the object, the key and the dotted path of the object -------------


class _Obj:
    """A JSON object under a dotted path; reading keys checks type and records what was read."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, Mapping):
            raise DocumentError(path or "$", f"expected an object, got {type(value).__name__}")
        self.d: Mapping[str, Any] = value
        self.path = path
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str, required: bool) -> Any:
        self.read.add(name)
        if name not in self.d:
            if required:
                raise DocumentError(self.key(name), "missing")
            return None
        return self.d[name]

    def text(self, name: str) -> str:
        return _text(self.raw(name, True), self.key(name))

    def opt_text(self, name: str) -> str | None:
        v = self.raw(name, False)
        return None if v is None and name not in self.d else _text(v, self.key(name))

    def obj(self, name: str) -> _Obj:
        return _Obj(self.raw(name, True), self.key(name))

    def items(self, name: str, required: bool = True) -> list[Any]:
        v = self.raw(name, required)
        if v is None and not required:
            return []
        if not isinstance(v, list):
            raise DocumentError(self.key(name), f"expected a list, got {type(v).__name__}")
        if len(v) > MAX_LIST_ITEMS:
            raise DocumentError(self.key(name), f"more than {MAX_LIST_ITEMS} items")
        return v

    def texts(self, name: str, required: bool = False) -> tuple[str, ...]:
        return tuple(_text(v, f"{self.key(name)}[{i}]") for i, v in enumerate(self.items(name, required)))

    def pairs(self, name: str) -> Pairs:
        out = []
        for i, v in enumerate(self.items(name)):
            k = f"{self.key(name)}[{i}]"
            if not isinstance(v, list) or len(v) != 2:
                raise DocumentError(k, "expected a [label, value] pair")
            out.append((_text(v[0], f"{k}[0]"), _text(v[1], f"{k}[1]")))
        return tuple(out)

    def done(self) -> None:
        """Unknown keys are refused: a key the printer would silently drop is a contract bug."""
        extra = sorted(set(self.d) - self.read)
        if extra:
            raise DocumentError(self.key(extra[0]), "unknown key")


def _text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise DocumentError(key, f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise DocumentError(key, "empty string (absent keys are omitted; blanks are 【空欄】)")
    if len(value) > MAX_TEXT_CHARS:
        raise DocumentError(key, f"longer than {MAX_TEXT_CHARS} characters")
    if any(ord(c) < 0x20 for c in value):
        raise DocumentError(key, "control character")
    return value


def _nonempty(values: Sequence[object], key: str) -> None:
    if not values:
        raise DocumentError(key, "must not be empty")


# --- bodies -------------------------------------------------------------------------------------


def _foreign(o: _Obj) -> Foreign:
    f = Foreign(
        *(o.text(k) for k in ("nationality", "section", "status", "period", "period_expires", "card_number"))
    )
    o.done()
    return f


def _person(o: _Obj) -> Person:
    names = (
        "furigana",
        "old_name_furigana",
        "old_name",
        "birth_date",
        "sex",
        "relationship",
        "my_number",
        "became_resident_on",
        "address_set_on",
        "notified_on",
        "honseki",
        "hittosha",
        "previous_address",
    )
    opts = {k: o.opt_text(k) for k in names}
    foreign = _foreign(o.obj("foreign")) if "foreign" in o.d else None
    o.read.add("foreign")
    if foreign is not None and (opts["honseki"] or opts["hittosha"]):
        # docs/document-content.md: 本籍・筆頭者 never for foreign residents.
        raise DocumentError(o.key("honseki" if opts["honseki"] else "hittosha"), "not allowed with foreign")
    p = Person(name=o.text("name"), foreign=foreign, remarks=o.texts("remarks"), **opts)
    o.done()
    return p


def _juminhyo(o: _Obj) -> JuminhyoBody:
    raw = o.items("persons")
    _nonempty(raw, o.key("persons"))
    persons = tuple(_person(_Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw))
    b = JuminhyoBody(address=o.text("address"), householder=o.opt_text("householder"), persons=persons)
    o.done()
    return b


def _impression(o: _Obj) -> Impression:
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


def _inkan(o: _Obj) -> InkanBody:
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


def _kazei(o: _Obj) -> KazeiBody:
    b = KazeiBody(
        fiscal_year=o.text("fiscal_year"),
        income_year=o.text("income_year"),
        address=o.text("address"),
        name=o.text("name"),
        birth_date=o.text("birth_date"),
        sex=o.text("sex"),
        income=o.pairs("income"),
        total_income=o.text("total_income"),
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


def _event(o: _Obj) -> Event:
    e = Event(event=o.text("event"), items=o.pairs("items"))
    o.done()
    return e


def _events(o: _Obj, name: str) -> tuple[Event, ...]:
    return tuple(_event(_Obj(v, f"{o.key(name)}[{i}]")) for i, v in enumerate(o.items(name)))


def _koseki_person(o: _Obj) -> KosekiPerson:
    removed = o.raw("removed", False)
    if removed is not None and not isinstance(removed, bool):
        raise DocumentError(o.key("removed"), "expected true or false")
    p = KosekiPerson(
        name=o.text("name"),
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


def _koseki(o: _Obj) -> KosekiBody:
    kind = o.text("kind")
    if kind not in ("zenbu", "kojin"):
        raise DocumentError(o.key("kind"), "expected 'zenbu' or 'kojin'")
    raw = o.items("persons")
    _nonempty(raw, o.key("persons"))
    b = KosekiBody(
        kind="zenbu" if kind == "zenbu" else "kojin",
        honseki=o.text("honseki"),
        hittosha=o.text("hittosha"),
        koseki_events=_events(o, "koseki_events"),
        persons=tuple(_koseki_person(_Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw)),
    )
    o.done()
    return b


def _fuhyo_person(o: _Obj) -> FuhyoPerson:
    raw = o.items("addresses")
    _nonempty(raw, o.key("addresses"))
    addrs = []
    for i, v in enumerate(raw):
        a = _Obj(v, f"{o.key('addresses')}[{i}]")
        addrs.append(FuhyoAddress(address=a.text("address"), since=a.text("since")))
        a.done()
    p = FuhyoPerson(
        name=o.text("name"), birth_date=o.text("birth_date"), sex=o.text("sex"), addresses=tuple(addrs)
    )
    o.done()
    return p


def _fuhyo(o: _Obj) -> FuhyoBody:
    raw = o.items("persons")
    _nonempty(raw, o.key("persons"))
    b = FuhyoBody(
        honseki=o.opt_text("honseki"),
        hittosha=o.opt_text("hittosha"),
        persons=tuple(_fuhyo_person(_Obj(v, f"{o.key('persons')}[{i}]")) for i, v in enumerate(raw)),
    )
    o.done()
    return b


_BODIES: dict[str, Callable[[_Obj], Body]] = {
    "juminhyo": _juminhyo,
    "kisaijiko": _juminhyo,
    "inkan": _inkan,
    "kazei": _kazei,
    "koseki": _koseki,
    "fuhyo": _fuhyo,
}


# --- common keys --------------------------------------------------------------------------------


def _official_seal(o: _Obj) -> OfficialSeal:
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


def _municipality(o: _Obj) -> Municipality:
    m = Municipality(
        code=o.text("code"), prefecture=o.text("prefecture"), name=o.text("name"), mayor=o.text("mayor")
    )
    o.done()
    return m


def parse_document(data: object) -> Document:
    """Parse one document ``content`` object (docs/document-content.md) into typed dataclasses.

    :raises DocumentError: naming the first bad, missing or unknown key as a dotted path.
    """
    o = _Obj(data, "")
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
    o = _Obj(data, "")
    content = o.raw("content", True)
    try:
        doc = parse_document(content)
    except DocumentError as e:
        raise DocumentError(f"content.{e.key}" if e.key != "$" else "content", e.problem) from e
    seal = parse_seal(o.raw("seal", True))
    o.done()
    return IssuedDocument(document=doc, seal=seal)
