"""What the center says a resident may do, as typed data (the ``municipalities`` of ``auth/response``).

DESIGN.md fixes ``{"code", "name", "relation", "services": [...]}`` per municipality but leaves the
service items open; docs/kiosk-flow.md "Center data the flow reads" documents the keys read here.
Unknown keys are ignored (the center may add more), missing optional keys take the documented
defaults, and a wrong type raises ``CenterDataError`` naming the key path, which the runner turns into
``CenterError("center_bad_answer")`` (the resident sees a plain-words error, never a traceback).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from kiosk.flow.errors import CenterDataError

__all__ = [
    "CERTIFICATES",
    "WHOSE_CHOICES",
    "Member",
    "Municipality",
    "Option",
    "Service",
    "parse_municipalities",
]

# Document types of docs/document-content.md; the flow accepts others (a municipality may offer more)
# but these are the ones with translated labels.
CERTIFICATES = ("juminhyo", "kisaijiko", "inkan", "kazei", "koseki", "fuhyo")
WHOSE_CHOICES = ("self", "household", "members")


@dataclass(frozen=True)
class Member:
    """A household (or 戸籍) member the resident may include.  ``name`` is shown, never logged."""

    id: str
    name: str = field(repr=False)


@dataclass(frozen=True)
class Option:
    """An item the certificate may show (本籍・筆頭者, 世帯主・続柄, 個人番号, ...)."""

    key: str
    available: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class Service:
    certificate: str
    available: bool = True
    reason: str | None = None  # moved_out, support_measure, no_seal, no_tax_return, weekday_only, ...
    fee: int = 0  # yen per copy
    max_copies: int | None = None
    whose: tuple[str, ...] = ("self",)
    members: tuple[Member, ...] = field(default=(), repr=False)
    options: tuple[Option, ...] = ()
    tax_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    relation: Literal["residence", "honseki"]
    services: tuple[Service, ...] = ()

    @property
    def available(self) -> bool:
        return any(s.available for s in self.services)

    def service(self, certificate: str) -> Service | None:
        return next((s for s in self.services if s.certificate == certificate), None)


def _get(raw: Mapping[str, Any], key: str, kind: type, path: str, default: Any = ...) -> Any:
    if key not in raw or raw[key] is None:
        if default is ...:
            raise CenterDataError(f"{path}.{key}: missing")
        return default
    value = raw[key]
    # bool is an int subclass: a fee of True is a bug on the other side, not 1 yen.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CenterDataError(f"{path}.{key}: wrong type {type(value).__name__}")
    return value


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CenterDataError(f"{path}: expected an object")
    return cast(Mapping[str, Any], value)


def _list(raw: Mapping[str, Any], key: str, path: str) -> Sequence[Any]:
    value = _get(raw, key, list, path, [])
    return cast(Sequence[Any], value)


def _parse_option(raw: Any, path: str) -> Option:
    if isinstance(raw, str):
        return Option(raw)
    m = _mapping(raw, path)
    return Option(_get(m, "key", str, path), _get(m, "available", bool, path, True),
                  _get(m, "reason", str, path, None))


def _parse_service(raw: Any, path: str) -> Service:
    m = _mapping(raw, path)
    whose = tuple(str(w) for w in _list(m, "whose", path)) or ("self",)
    bad = [w for w in whose if w not in WHOSE_CHOICES]
    if bad:
        raise CenterDataError(f"{path}.whose: unknown choice {bad[0]!r}")
    members = tuple(
        Member(_get(_mapping(x, f"{path}.members[{i}]"), "id", str, f"{path}.members[{i}]"),
               _get(_mapping(x, f"{path}.members[{i}]"), "name", str, f"{path}.members[{i}]"))
        for i, x in enumerate(_list(m, "members", path))
    )
    years = []
    for i, y in enumerate(_list(m, "tax_years", path)):
        if not isinstance(y, int) or isinstance(y, bool):
            raise CenterDataError(f"{path}.tax_years[{i}]: expected integer")
        years.append(y)
    max_copies = _get(m, "max_copies", int, path, None)
    fee = _get(m, "fee", int, path, 0)
    if fee < 0 or (max_copies is not None and max_copies < 1):
        raise CenterDataError(f"{path}: fee or max_copies out of range")
    return Service(
        certificate=_get(m, "certificate", str, path),
        available=_get(m, "available", bool, path, True),
        reason=_get(m, "reason", str, path, None),
        fee=fee,
        max_copies=max_copies,
        whose=whose,
        members=members,
        options=tuple(_parse_option(o, f"{path}.options[{i}]")
                      for i, o in enumerate(_list(m, "options", path))),
        tax_years=tuple(sorted(set(years), reverse=True)),
    )


def parse_municipalities(raw: Any) -> tuple[Municipality, ...]:
    """Parse the ``municipalities`` list of ``POST /v1/auth/response``.

    :raises CenterDataError: the answer does not have the documented shape (message names the key).
    """
    if not isinstance(raw, list):
        raise CenterDataError("municipalities: expected a list")
    out = []
    for i, item in enumerate(raw):
        path = f"municipalities[{i}]"
        m = _mapping(item, path)
        relation = _get(m, "relation", str, path)
        if relation not in ("residence", "honseki"):
            raise CenterDataError(f"{path}.relation: expected 'residence' or 'honseki'")
        services = tuple(_parse_service(s, f"{path}.services[{j}]")
                         for j, s in enumerate(_list(m, "services", path)))
        out.append(Municipality(_get(m, "code", str, path), _get(m, "name", str, path),
                                cast(Literal["residence", "honseki"], relation), services))
    return tuple(out)
