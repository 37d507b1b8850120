"""A sans-IO IPP/1.1–2.0 message codec (RFC 8010 binary encoding): bytes in, values out.

Only what a print client needs: encode a request (operation attributes, optional job attributes,
then the document bytes) and decode a response into groups of named attributes.  Every length is
checked against the bytes that remain, so garbage or a truncated body is an :class:`IppDecodeError`
at a byte offset, never an IndexError or a half-filled message.

Values decode to Python types by value tag: integer/enum → int, boolean → bool, text, name,
keyword, uri, charset, language, mimeMediaType → str, octetString → bytes, dateTime → the 11 raw
bytes, resolution → (x, y, unit), rangeOfInteger → (lo, hi), collections → dict, out-of-band
(unsupported, unknown, no-value) → None.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from printer.ipp.errors import IppDecodeError

__all__ = [
    "Attribute",
    "Group",
    "GroupTag",
    "IppMessage",
    "Op",
    "Tag",
    "decode",
    "encode_request",
    "keywords",
]


class Op(IntEnum):
    PRINT_JOB = 0x0002
    VALIDATE_JOB = 0x0004
    CREATE_JOB = 0x0005
    SEND_DOCUMENT = 0x0006
    CANCEL_JOB = 0x0008
    GET_JOB_ATTRIBUTES = 0x0009
    GET_PRINTER_ATTRIBUTES = 0x000B


class GroupTag(IntEnum):
    OPERATION = 0x01
    JOB = 0x02
    END = 0x03
    PRINTER = 0x04
    UNSUPPORTED = 0x05


class Tag(IntEnum):
    UNSUPPORTED = 0x10
    UNKNOWN = 0x12
    NO_VALUE = 0x13
    INTEGER = 0x21
    BOOLEAN = 0x22
    ENUM = 0x23
    OCTET_STRING = 0x30
    DATETIME = 0x31
    RESOLUTION = 0x32
    RANGE = 0x33
    BEGIN_COLLECTION = 0x34
    TEXT_LANG = 0x35
    NAME_LANG = 0x36
    END_COLLECTION = 0x37
    TEXT = 0x41
    NAME = 0x42
    KEYWORD = 0x44
    URI = 0x45
    URI_SCHEME = 0x46
    CHARSET = 0x47
    LANGUAGE = 0x48
    MIME = 0x49
    MEMBER_NAME = 0x4A


_STRINGS = frozenset({Tag.TEXT, Tag.NAME, Tag.KEYWORD, Tag.URI, Tag.URI_SCHEME, Tag.CHARSET,
                      Tag.LANGUAGE, Tag.MIME, Tag.MEMBER_NAME})
_OUT_OF_BAND = frozenset({Tag.UNSUPPORTED, Tag.UNKNOWN, Tag.NO_VALUE, 0x11, 0x14, 0x15, 0x16, 0x17})


@dataclass(frozen=True)
class Attribute:
    """One attribute to encode: ``tag`` applies to every value."""

    name: str
    tag: Tag
    values: tuple[Any, ...]

    @classmethod
    def of(cls, name: str, tag: Tag, *values: Any) -> Attribute:
        return cls(name, tag, values)


@dataclass
class Group:
    tag: int
    attributes: dict[str, list[Any]] = field(default_factory=dict)

    def first(self, name: str, default: Any = None) -> Any:
        values = self.attributes.get(name)
        return values[0] if values else default


@dataclass
class IppMessage:
    """A decoded message: ``code`` is the status (responses) or operation (requests)."""

    version: tuple[int, int]
    code: int
    request_id: int
    groups: list[Group]
    data: bytes = b""

    def group(self, tag: GroupTag) -> Group | None:
        return next((g for g in self.groups if g.tag == tag), None)

    def attrs(self, tag: GroupTag) -> Mapping[str, list[Any]]:
        g = self.group(tag)
        return g.attributes if g is not None else {}

    @property
    def ok(self) -> bool:
        """successful-ok and its -ignored/-conflicting variants (0x0000–0x00FF)."""
        return self.code < 0x0100


# --- encoding ------------------------------------------------------------------------------

def _encode_value(tag: Tag, value: Any) -> bytes:
    if tag in (Tag.INTEGER, Tag.ENUM):
        return struct.pack(">i", int(value))
    if tag is Tag.BOOLEAN:
        return b"\x01" if value else b"\x00"
    if tag in _STRINGS or tag in (Tag.TEXT_LANG, Tag.NAME_LANG):
        return str(value).encode("utf-8")
    if tag is Tag.OCTET_STRING:
        return bytes(value)
    if tag in _OUT_OF_BAND:
        return b""
    raise ValueError(f"cannot encode value tag {tag!r}")


def _encode_attribute(attr: Attribute) -> bytes:
    out = bytearray()
    name = attr.name.encode("ascii")
    values = attr.values or (None,)
    for i, value in enumerate(values):
        raw = _encode_value(attr.tag, value)
        if len(raw) > 0xFFFF:
            raise ValueError(f"{attr.name}: value longer than 65535 bytes")
        label = name if i == 0 else b""
        out += struct.pack(">BH", attr.tag, len(label)) + label + struct.pack(">H", len(raw)) + raw
    return bytes(out)


def encode_request(
    op: Op,
    request_id: int,
    operation: Sequence[Attribute],
    job: Sequence[Attribute] = (),
    data: bytes = b"",
    *,
    version: tuple[int, int] = (2, 0),
) -> bytes:
    """One request: operation attributes (charset and language first, as RFC 8011 requires),
    job attributes if any, end-of-attributes, then the document bytes."""
    head = [Attribute.of("attributes-charset", Tag.CHARSET, "utf-8"),
            Attribute.of("attributes-natural-language", Tag.LANGUAGE, "ja")]
    out = bytearray(struct.pack(">BBHI", version[0], version[1], op, request_id))
    out.append(GroupTag.OPERATION)
    for attr in [*head, *operation]:
        out += _encode_attribute(attr)
    if job:
        out.append(GroupTag.JOB)
        for attr in job:
            out += _encode_attribute(attr)
    out.append(GroupTag.END)
    return bytes(out) + data


# --- decoding ------------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise IppDecodeError(f"truncated {what} (needs {n} bytes, {len(self.data) - self.pos} left)",
                                 self.pos)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return int(struct.unpack(">H", self.take(2, what))[0])


def _decode_value(tag: int, raw: bytes, offset: int) -> Any:
    def need(n: int) -> None:
        if len(raw) != n:
            raise IppDecodeError(f"value tag 0x{tag:02x} needs {n} bytes, has {len(raw)}", offset)

    if tag in (Tag.INTEGER, Tag.ENUM):
        need(4)
        return struct.unpack(">i", raw)[0]
    if tag == Tag.BOOLEAN:
        need(1)
        return raw != b"\x00"
    if tag == Tag.RANGE:
        need(8)
        return struct.unpack(">ii", raw)
    if tag == Tag.RESOLUTION:
        need(9)
        return struct.unpack(">iib", raw)
    if tag == Tag.DATETIME:
        need(11)
        return raw
    if tag in _OUT_OF_BAND:
        return None
    if tag in _STRINGS or tag in (Tag.TEXT_LANG, Tag.NAME_LANG):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise IppDecodeError(f"value is not UTF-8 ({e.reason})", offset) from e
    return raw  # octetString and tags this client does not interpret


def _read_collection(r: _Reader) -> dict[str, list[Any]]:
    members: dict[str, list[Any]] = {}
    current: str | None = None
    while True:
        at = r.pos
        tag = r.u8("collection member tag")
        name_len = r.u16("name length")
        r.take(name_len, "member name")
        raw = r.take(r.u16("value length"), "value")
        if tag == Tag.END_COLLECTION:
            return members
        if tag == Tag.MEMBER_NAME:
            current = raw.decode("utf-8", "replace")
            members.setdefault(current, [])
            continue
        if current is None:
            raise IppDecodeError("collection value before a member name", at)
        value = _read_collection(r) if tag == Tag.BEGIN_COLLECTION else _decode_value(tag, raw, at)
        members[current].append(value)


def decode(data: bytes) -> IppMessage:
    """Decode one IPP message (request or response); bytes after end-of-attributes are ``data``.

    :raises IppDecodeError: on anything that is not a complete, well-formed message.
    """
    r = _Reader(data)
    version = (r.u8("version"), r.u8("version"))
    if version[0] not in (1, 2):
        raise IppDecodeError(f"not IPP (version {version[0]}.{version[1]})", 0)
    code = r.u16("status code")
    request_id = int(struct.unpack(">I", r.take(4, "request id"))[0])
    groups: list[Group] = []
    current: Group | None = None
    last: str | None = None
    while True:
        at = r.pos
        tag = r.u8("tag")
        if tag == GroupTag.END:
            break
        if tag < 0x10:
            if tag not in set(GroupTag):
                raise IppDecodeError(f"unknown group tag 0x{tag:02x}", at)
            current = Group(tag)
            groups.append(current)
            last = None
            continue
        if current is None:
            raise IppDecodeError("attribute outside any group", at)
        name_len = r.u16("name length")
        name = r.take(name_len, "attribute name").decode("utf-8", "replace")
        raw = r.take(r.u16("value length"), "value")
        if name_len == 0:
            if last is None:
                raise IppDecodeError("additional value without an attribute", at)
            name = last
        else:
            last = name
            if name in current.attributes:
                raise IppDecodeError(f"attribute {name!r} repeated in a group", at)
            current.attributes[name] = []
        value = _read_collection(r) if tag == Tag.BEGIN_COLLECTION else _decode_value(tag, raw, at)
        current.attributes[name].append(value)
    return IppMessage(version, code, request_id, groups, data[r.pos:])


def keywords(values: Iterable[Any] | None) -> list[str]:
    """The string values of a 1setOf keyword attribute (others dropped)."""
    return [v for v in values or () if isinstance(v, str)]
