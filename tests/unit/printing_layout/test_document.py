"""parse_document / parse_issued: the contract of docs/document-content.md, every bad key named."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printer.document import (
    PERSON_FIELDS,
    DocumentError,
    FuhyoBody,
    InkanBody,
    JuminhyoBody,
    KazeiBody,
    KosekiBody,
    Person,
    parse_document,
    parse_issued,
    parse_seal,
)
from printer.errors import PrinterError
from printer.samples import SAMPLES
from printing_layout._helpers import sample_json

BODY_TYPES = {
    "juminhyo": JuminhyoBody,
    "kisaijiko": JuminhyoBody,
    "inkan": InkanBody,
    "kazei": KazeiBody,
    "koseki": KosekiBody,
    "fuhyo": FuhyoBody,
}


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_parses_into_its_typed_body(name: str) -> None:
    issued = parse_issued(sample_json(name))
    assert issued.document.type == name
    assert isinstance(issued.document.body, BODY_TYPES[name])
    assert issued.seal.startswith("KJ1:") and 200 <= len(issued.seal) <= 300
    assert issued.document.official_seal.png.startswith(b"\x89PNG")


def test_juminhyo_sample_has_a_household_with_options() -> None:
    body = parse_issued(sample_json("juminhyo")).document.body
    assert isinstance(body, JuminhyoBody)
    assert len(body.persons) == 6
    assert body.persons[0].relationship == "世帯主"
    assert body.persons[1].old_name == "架空"
    assert body.persons[5].foreign is not None and body.persons[5].honseki is None
    assert all(p.my_number is None for p in body.persons)  # option not chosen → key absent


def test_person_fields_are_one_tuple_in_print_order() -> None:
    """The dataclass and the parser follow PERSON_FIELDS; the content's key order is print order."""
    assert tuple(f.name for f in dataclasses.fields(Person)) == PERSON_FIELDS
    body = sample_json("juminhyo")["content"]["body"]
    for p in body["persons"]:
        assert list(p) == [k for k in PERSON_FIELDS if k in p]
    bad = copy.deepcopy(sample_json("juminhyo"))
    bad["content"]["body"]["persons"][0]["furigana_extra"] = "x"
    with pytest.raises(DocumentError, match=r"persons\[0\]\.furigana_extra: unknown key"):
        parse_issued(bad)


def test_furigana_and_alias_reach_the_typed_bodies() -> None:
    jb = parse_issued(sample_json("juminhyo")).document.body
    assert isinstance(jb, JuminhyoBody)
    assert [p.furigana for p in jb.persons][:5] == [
        "ミホン　タロウ",
        "ミホン　ハナコ",
        "ミホン　イチロウ",
        "ミホン　サクラ",
        "＊＊＊＊＊＊",
    ]
    assert jb.persons[1].old_name_furigana == "カクウ"
    kb = parse_issued(sample_json("koseki")).document.body
    assert isinstance(kb, KosekiBody)
    assert kb.surname_furigana == "ミホン" and kb.persons[0].furigana == "タロウ"
    kj = parse_issued(sample_json("kisaijiko")).document.body
    assert isinstance(kj, JuminhyoBody) and kj.persons[0].furigana == "ミホン　タロウ"


def _set(d: dict[str, Any], path: list[Any], value: Any) -> None:
    for k in path[:-1]:
        d = d[k]
    if value is _DELETE:
        del d[path[-1]]
    else:
        d[path[-1]] = value


_DELETE = object()
BAD = [
    # (sample, path inside content, new value, the key the error must name)
    ("juminhyo", ["schema"], "konbini-doc/2", "schema"),
    ("juminhyo", ["type"], "passport", "type"),
    ("juminhyo", ["title"], _DELETE, "title"),
    ("juminhyo", ["title"], "", "title"),
    ("juminhyo", ["title"], 7, "title"),
    ("juminhyo", ["municipality", "mayor"], _DELETE, "municipality.mayor"),
    ("juminhyo", ["municipality", "city"], "x", "municipality.city"),
    ("juminhyo", ["official_seal", "png_b64"], "bm90IGEgcG5n", "official_seal.png_b64"),
    ("juminhyo", ["official_seal", "png_b64"], "***", "official_seal.png_b64"),
    ("juminhyo", ["official_seal", "png_b64"], "\x80", "official_seal.png_b64"),
    ("juminhyo", ["issue_number"], None, "issue_number"),
    ("juminhyo", ["notes"], "この印は黒色です", "notes"),
    ("juminhyo", ["notes", 0], 3, "notes[0]"),
    ("juminhyo", ["extra"], 1, "extra"),
    ("juminhyo", ["body", "persons"], [], "body.persons"),
    ("juminhyo", ["body", "persons", 2, "birth_date"], 19850505, "body.persons[2].birth_date"),
    ("juminhyo", ["body", "persons", 0, "name"], _DELETE, "body.persons[0].name"),
    ("juminhyo", ["body", "persons", 1, "nickname"], "はな", "body.persons[1].nickname"),
    ("juminhyo", ["body", "persons", 5, "foreign", "status"], _DELETE, "body.persons[5].foreign.status"),
    ("juminhyo", ["body", "persons", 5, "honseki"], "東京都見本市", "body.persons[5].honseki"),
    ("juminhyo", ["body", "persons", 3, "remarks", 0], "a\nb", "body.persons[3].remarks[0]"),
    ("inkan", ["body", "impression", "size_mm"], 30, "body.impression.size_mm"),
    ("inkan", ["body", "impression", "size_mm"], True, "body.impression.size_mm"),
    ("inkan", ["body", "impression", "shape"], "oval", "body.impression.shape"),
    ("inkan", ["body", "certificate_number"], _DELETE, "body.certificate_number"),
    ("kazei", ["body", "income", 1], ["給与所得"], "body.income[1]"),
    ("kazei", ["body", "deductions", 0, 1], 700000, "body.deductions[0][1]"),
    ("kazei", ["body", "annual_tax"], _DELETE, "body.annual_tax"),
    ("koseki", ["body", "kind"], "tohon", "body.kind"),
    ("koseki", ["body", "persons", 1, "removed"], "yes", "body.persons[1].removed"),
    ("koseki", ["body", "persons", 0, "events", 1, "items"], {}, "body.persons[0].events[1].items"),
    ("fuhyo", ["body", "persons", 2, "addresses"], [], "body.persons[2].addresses"),
    ("fuhyo", ["body", "persons", 0, "addresses", 1, "since"], _DELETE, "body.persons[0].addresses[1].since"),
]


@pytest.mark.parametrize(("name", "path", "value", "key"), BAD, ids=[b[3] for b in BAD])
def test_bad_document_names_the_key(name: str, path: list[Any], value: Any, key: str) -> None:
    data = sample_json(name)["content"]
    _set(data, path, value)
    with pytest.raises(DocumentError) as ei:
        parse_document(data)
    assert ei.value.key == key
    assert str(ei.value).startswith(key + ":")
    assert ei.value.code == "document_invalid" and isinstance(ei.value, PrinterError)


def test_issued_entry_prefixes_content_and_checks_the_seal() -> None:
    data = sample_json("inkan")
    data["content"]["body"]["name"] = ""
    with pytest.raises(DocumentError) as ei:
        parse_issued(data)
    assert ei.value.key == "content.body.name"
    data = sample_json("inkan")
    data["seal"] = "KJ1:abc"  # lower case is outside the QR alphanumeric set
    with pytest.raises(DocumentError, match="alphanumeric") as ei:
        parse_issued(data)
    assert ei.value.key == "seal"


@pytest.mark.parametrize("seal", ["", "KJ1:", "HC1:ABC", "KJ1:" + "A" * 2000, 5, "KJ1:ÄB"])
def test_bad_seals_are_refused(seal: object) -> None:
    with pytest.raises(DocumentError):
        parse_seal(seal)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


CONTENTS = {n: sample_json(n)["content"] for n in SAMPLES}
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(SAMPLES), pick=st.integers(min_value=0), junk=JUNK)
def test_any_corruption_is_a_document_error_or_still_valid(name: str, pick: int, junk: Any) -> None:
    """Replacing any value anywhere never crashes the parser: it parses or names the bad key."""
    data = copy.deepcopy(CONTENTS[name])
    paths = _paths(data)
    path = paths[pick % len(paths)]
    _set(data, list(path), junk)
    try:
        parse_document(data)
    except DocumentError as e:
        assert e.key.split(".")[0].split("[")[0] == path[0] or e.key == "$"
