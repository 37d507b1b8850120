"""What the center says a resident may do, as typed data (the ``municipalities`` of ``auth/response``).

docs/architecture.md fixes ``{"code", "name", "relation", "services": [...]}`` per municipality but leaves the
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
    "order_options",
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
    reading: str | None = field(default=None, repr=False)  # kana (furigana), when registered


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
    hint_keys: frozenset[str] = frozenset()  # the option keys the center offered (order_options)


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    relation: Literal["residence", "honseki"]
    services: tuple[Service, ...] = ()
    reading: str | None = None  # kana of the name (issue 18), optional

    @property
    def available(self) -> bool:
        return any(s.available for s in self.services)

    @property
    def reason(self) -> str | None:
        """Why nothing can be issued here: the services' reason when they share one, else None."""
        reasons = {s.reason for s in self.services if not s.available}
        return reasons.pop() if not self.available and len(reasons) == 1 else None

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


# The center's option hint (server_stub/rules.py ``_options_hint``) → the flow's vocabulary.
# "scope" (juminhyo, kisaijiko, fuhyo) and "kind" (koseki) both say whose entries are printed; the flow
# calls that ``whose`` (self / household) and turns it back into the center's word in ``order_options``.
_SCOPE_TO_WHOSE = {"self": "self", "household": "household", "all": "household"}
_KIND_TO_WHOSE = {"kojin": "self", "zenbu": "household"}
_ITEM_KEYS = ("householder_relationship", "honseki", "my_number")


def _whose(hint: Mapping[str, Any], path: str) -> tuple[str, ...]:
    raw: Any = hint.get("scope", hint.get("kind", ["self"]))
    table = _KIND_TO_WHOSE if "kind" in hint and "scope" not in hint else _SCOPE_TO_WHOSE
    if not isinstance(raw, list) or not raw:
        raise CenterDataError(f"{path}: expected a non-empty list")
    out: list[str] = []
    for value in raw:
        if value not in table:
            raise CenterDataError(f"{path}: unknown choice {value!r}")
        if table[value] not in out:
            out.append(table[value])
    return tuple(out)


def _parse_hint(
    hint: Mapping[str, Any], path: str
) -> tuple[tuple[str, ...], tuple[Option, ...], tuple[int, ...]]:
    whose = _whose(hint, f"{path}.{'scope' if 'scope' in hint else 'kind'}")
    options = []
    for key in _ITEM_KEYS:
        if key in hint:
            allowed = _get(hint, key, bool, path)
            # Each item has its own reason, so the greyed-out check box says what is not offered
            # (e.g. 個人番号) rather than that the whole certificate is not.
            options.append(Option(key, allowed, None if allowed else f"{key}_not_offered"))
    years = []
    for i, y in enumerate(_list(hint, "years", path)):
        if not isinstance(y, int) or isinstance(y, bool):
            raise CenterDataError(f"{path}.years[{i}]: expected integer")
        years.append(y)
    return whose, tuple(options), tuple(sorted(set(years), reverse=True))


def _parse_service(raw: Any, path: str) -> Service:
    m = _mapping(raw, path)
    hint = _mapping(m.get("options") or {}, f"{path}.options")
    whose, options, years = _parse_hint(hint, f"{path}.options")
    members = tuple(
        Member(_get(_mapping(x, f"{path}.members[{i}]"), "id", str, f"{path}.members[{i}]"),
               _get(_mapping(x, f"{path}.members[{i}]"), "name", str, f"{path}.members[{i}]"),
               _get(_mapping(x, f"{path}.members[{i}]"), "reading", str, f"{path}.members[{i}]", None))
        for i, x in enumerate(_list(m, "members", path))
    )
    if members and "members" not in whose:
        whose = (*whose, "members")  # 世帯の一部: only when the center lists the members to choose from
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
        options=options,
        tax_years=years,
        hint_keys=frozenset(hint),
    )


def order_options(service: Service, whose: str, members: Sequence[str], items: frozenset[str],
                  tax_year: int | None) -> dict[str, Any]:
    """The ``options`` object of ``POST /v1/orders`` in the center's words (server_stub/rules.py
    ``validate_order``): only keys the center's hint offered, since it rejects any other."""
    keys = service.hint_keys
    out: dict[str, Any] = {}
    if "scope" in keys:
        household = "all" if service.certificate == "fuhyo" else "household"
        out["scope"] = household if whose == "household" else "self"
    if "kind" in keys:
        out["kind"] = "zenbu" if whose == "household" else "kojin"
    if whose == "members":
        out["scope"] = "members"
        out["members"] = list(members)
    for key in _ITEM_KEYS:
        if key in keys:
            out[key] = key in items
    if "years" in keys and tax_year is not None:
        out["year"] = tax_year
    return out


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
                                cast(Literal["residence", "honseki"], relation), services,
                                _get(m, "reading", str, path, None)))
    return tuple(out)
