"""The typed form of the center→printer document contract (docs/document-content.md).

Frozen dataclasses only; printer.document parses JSON into them.  All values are display strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "DOC_TYPES",
    "PERSON_FIELDS",
    "PERSON_TEXT_FIELDS",
    "SCHEMA",
    "Body",
    "DocType",
    "Document",
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
]

SCHEMA = "konbini-doc/1"
DOC_TYPES = ("juminhyo", "kisaijiko", "inkan", "kazei", "koseki", "fuhyo")


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


# The 住民票 person items in print order (docs/document-content.md): the Person dataclass, the parser
# and the tests all read this one tuple.
PERSON_FIELDS: tuple[str, ...] = (
    "furigana",
    "name",
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
    "foreign",
    "remarks",
)
# The plain-text ones among them (all optional): everything but the name, the foreign-resident
# object and the remarks list.
PERSON_TEXT_FIELDS = tuple(k for k in PERSON_FIELDS if k not in ("name", "foreign", "remarks"))


@dataclass(frozen=True, kw_only=True)
class Person:
    """One 個人票 block; fields in PERSON_FIELDS order (a test holds them equal)."""

    furigana: str | None = None
    name: str
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
    aggregate_income: str
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
    furigana: str | None = None  # 名の振り仮名
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
    surname_furigana: str | None = None  # 氏の振り仮名 (one per 戸籍)


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
