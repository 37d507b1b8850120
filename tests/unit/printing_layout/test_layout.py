"""Layout structure, read from the display lists (no OCR needed): what goes on which page."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from printer.document import JuminhyoBody, Person, parse_issued
from printer.layout.canvas import Bitmap, PageLayout, wrap
from printer.layout.fonts import string_width_mm
from printer.layout.frame import LayoutError
from printer.layout.raster import draw_layout
from printer.layout.render import layout_document
from printer.layout.seal import seal_grid
from printer.profiles import get_profile
from printer.samples import SAMPLES, load_sample
from printing_layout._helpers import rendered, sample_json


def _household(n: int) -> list[PageLayout]:
    doc = load_sample("juminhyo").document
    body = doc.body
    assert isinstance(body, JuminhyoBody)
    persons = tuple(dataclasses.replace(body.persons[i % 4], name=f"見本　{i + 1}郎") for i in range(n))
    return layout_document(dataclasses.replace(doc, body=dataclasses.replace(body, persons=persons)))


@pytest.mark.parametrize("name", SAMPLES)
def test_frame_of_every_certificate(name: str) -> None:
    doc = load_sample(name).document
    pages = layout_document(doc)
    m = len(pages)
    for p in pages:
        assert [t.text for t in p.texts("title")] == [doc.title]
        (issue,) = p.texts("issue_number")
        assert issue.text.endswith(f"{doc.issue_number}　{p.number}/{m}")
        assert p.qr_box is not None
        last = p.number == m
        # 認証文, date, issuer line, 公印 and 以下余白: once, on the last page only (j1000).
        assert bool(p.texts("certification")) == last
        assert bool(p.texts("end_mark")) == last and bool(p.texts("continued")) != last
        assert [t.text for t in p.texts("mayor")] == ([doc.municipality.mayor] if last else [])
        assert len([i for i in p.items if isinstance(i, Bitmap) and i.role == "official_seal"]) == int(last)
    cert = "".join(t.text for t in pages[-1].texts("certification"))
    assert cert == doc.certification
    assert [t.text for t in pages[-1].texts("date")] == [doc.issued_on]


def test_official_seal_overlaps_the_end_of_the_issuer_line() -> None:
    page = layout_document(load_sample("kazei").document)[-1]
    (mayor,) = page.texts("mayor")
    (seal,) = [i for i in page.items if isinstance(i, Bitmap) and i.role == "official_seal"]
    assert mayor.align == "r"
    assert seal.x < mayor.x < seal.x + seal.w  # covers the last character
    assert seal.y < mayor.y < seal.y + seal.h
    assert seal.w <= 25.0  # the 公印 is at most 25 mm (j1050)


@pytest.mark.parametrize(("persons", "pages"), [(1, 1), (4, 1), (5, 2), (6, 2), (8, 2), (9, 3)])
def test_household_paginates_at_most_four_persons_per_page(persons: int, pages: int) -> None:
    layouts = _household(persons)
    assert len(layouts) == pages
    seen = [[t.text for t in p.texts("person_index")] for p in layouts]
    assert all(len(s) <= 4 for s in seen)
    assert [x for s in seen for x in s] == [str(i) for i in range(1, persons + 1)]


def test_the_six_person_sample_is_two_pages_with_the_foreign_resident_items() -> None:
    layouts = layout_document(load_sample("juminhyo").document)
    assert len(layouts) == 2
    texts = {t.text for t in layouts[1].items if hasattr(t, "text")}
    assert {"MILLER EMMA", "カナダ", "在留カード等の番号", "AB12345678CD", "2029年9月30日"} <= texts


def test_absent_keys_are_not_printed_and_options_are() -> None:
    data = sample_json("juminhyo")
    for p in data["content"]["body"]["persons"]:
        p.pop("relationship", None)
    data["content"]["body"]["persons"][0]["my_number"] = "123456789018"
    layouts = layout_document(parse_issued(data).document)
    texts = [t.text for p in layouts for t in p.texts()]
    assert "続柄" not in texts and "世帯主" in texts  # 世帯主 still heads the household header
    assert "個人番号" in texts and "123456789018" in texts


def test_long_values_shrink_to_fit_their_cell_or_are_refused() -> None:
    data = sample_json("inkan")
    data["content"]["body"]["address"] = "東京都見本市さくら町一丁目2番3号" + "見本ハイツ" * 20
    with pytest.raises(LayoutError, match="does not fit"):
        layout_document(parse_issued(data).document)
    data["content"]["body"]["address"] = "東京都見本市さくら町一丁目2番3号" + "見本ハイツ" * 6
    page = layout_document(parse_issued(data).document)[0]
    (addr,) = [t for t in page.texts() if t.text.startswith("東京都見本市さくら町一丁目2番3号見本")]
    assert addr.size < 11
    assert string_width_mm(addr.text, addr.face, addr.size) <= 195 - addr.x + 0.1


def test_block_taller_than_a_page_is_a_layout_error() -> None:
    doc = load_sample("juminhyo").document
    body = doc.body
    assert isinstance(body, JuminhyoBody)
    p: Person = dataclasses.replace(body.persons[0], remarks=tuple(f"備考{i}" for i in range(60)))
    with pytest.raises(LayoutError):
        layout_document(dataclasses.replace(doc, body=dataclasses.replace(body, persons=(p,))))


def test_koseki_marks_sheets_and_removed_persons() -> None:
    data = sample_json("koseki")
    data["content"]["body"]["persons"][1]["removed"] = True
    pages = layout_document(parse_issued(data).document)
    assert [t.text for t in pages[0].texts("sheet")] == [f"（1の{len(pages)}）"]
    assert [t.text for p in pages for t in p.texts("removed")] == ["除　籍"]
    items = [t.text for p in pages for t in p.texts("item")]
    assert "【名】太郎　【名の振り仮名】タロウ" in items and any(
        i.startswith("【出生日】昭和60年5月5日") for i in items
    )


def test_wrap_keeps_closing_punctuation_off_line_starts() -> None:
    text = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。" * 2
    for width in (20.0, 33.0, 47.0):
        lines = wrap(text, "mincho", 10.5, width)
        assert "".join(lines) == text
        assert not any(line[0] in "、。" for line in lines[1:])


def test_layouts_do_not_mutate_documents() -> None:
    doc = load_sample("juminhyo").document
    before = copy.deepcopy(doc)
    layout_document(doc)
    assert doc == before


def test_furigana_rows_and_placeholders_are_printed() -> None:
    """氏名の振り仮名 on the 住民票 (「＊＊＊＊＊＊」 where none is registered) and on the
    記載事項証明書; 氏の振り仮名 / 名の振り仮名 on the 戸籍証明書."""
    texts = [t.text for p in layout_document(load_sample("juminhyo").document) for t in p.texts()]
    for reading in ("ミホン　タロウ", "カクウ", "＊＊＊＊＊＊"):
        assert reading in texts
    assert texts.count("氏名の振り仮名") == 5  # every Japanese resident; not the foreign one
    kisai = [t.text for p in layout_document(load_sample("kisaijiko").document) for t in p.texts()]
    assert "氏名の振り仮名" in kisai and "ミホン　タロウ" in kisai
    koseki = [t.text for p in layout_document(load_sample("koseki").document) for t in p.texts()]
    assert "見本　太郎　　【氏の振り仮名】ミホン" in koseki


def test_inkan_prints_the_alias_row_only_when_there_is_one() -> None:
    data = sample_json("inkan")
    plain = [t.text for p in layout_document(parse_issued(data).document) for t in p.texts()]
    assert "通　称" not in plain
    data["content"]["body"]["alias"] = "王　芳"
    texts = [t.text for p in layout_document(parse_issued(data).document) for t in p.texts()]
    assert "通　称" in texts and "王　芳" in texts
    assert texts.index("通　称") < texts.index("住　所")  # 通称 comes right after 氏名
    # (docs/certificates.md §3)


def test_kazei_prints_aggregate_income_and_the_status_counts() -> None:
    texts = [t.text for p in layout_document(load_sample("kazei").document) for t in p.texts()]
    for label in ("合計所得金額", "総所得金額等", "特別障害者", "普通障害者", "寡婦・ひとり親"):
        assert label in texts
    assert "111,400" in texts and "74,200" in texts and "190,600" in texts


def _seal_and_name(profile: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """(page ink, seal ink alone, name ink alone, seal box in dots) of the inkan sample's last page."""
    prof = get_profile(profile)
    issued = load_sample("inkan")
    (page,) = rendered("inkan", profile)
    layout = layout_document(issued.document)[-1]
    (seal,) = [i for i in layout.items if isinstance(i, Bitmap) and i.role == "official_seal"]
    (mayor,) = layout.texts("mayor")
    w, h = prof.width_dots, prof.page_height_dots
    only_seal = PageLayout(1, 1, [seal])
    only_name = PageLayout(1, 1, [mayor])
    seal_ink = ~np.asarray(draw_layout(only_seal, w, h, prof.dpi), dtype=bool)
    name_ink = ~np.asarray(draw_layout(only_name, w, h, prof.dpi), dtype=bool)
    k = prof.dpi / 25.4
    box = (round(seal.x * k), round(seal.y * k), round((seal.x + seal.w) * k), round((seal.y + seal.h) * k))
    return ~np.asarray(page.image, dtype=bool), seal_ink, name_ink, box


@pytest.mark.parametrize("profile", ["a4-thermal-300", "a4-laser-600"])
def test_official_seal_is_ink_only_and_the_name_reads_through_it(profile: str) -> None:
    page, seal, name, (x0, y0, x1, y1) = _seal_and_name(profile)
    k = get_profile(profile).dpi / 25.4
    # The seal overlaps the name (j1050) ...
    assert (name[y0:y1, x0:x1]).any()
    # ... every dot of the name is printed, and no seal ink comes within 0.25 mm of it.
    assert not (name & ~page).any()
    r = round(0.25 * k)
    near = name.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            near |= np.roll(np.roll(name, dy, axis=0), dx, axis=1)
    assert not (seal & near).any()
    # No white box: inside the seal, away from its strokes and the name, the 地紋 is still printed.
    inner = np.zeros_like(page)
    inner[y0:y1, x0:x1] = True
    clear = inner & ~seal & ~near
    m = round(0.5 * k)
    for _ in range(m):  # keep well away from seal strokes (the page knocks the 地紋 out around content)
        clear[1:] &= clear[:-1].copy()
        clear[:, 1:] &= clear[:, :-1].copy()
    assert clear.sum() > 1000
    assert 0.07 < page[clear].mean() < 0.16  # the 11 % tint
    # A drawn seal: a closed heavy frame on all four sides and a face of characters.
    f = round(0.9 * k)
    ys, xs = np.nonzero(seal)
    frame = seal[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    assert abs(frame.shape[1] - (x1 - x0)) <= 1 and abs(frame.shape[0] - (y1 - y0)) <= 1
    assert frame[:f].all() and frame[:, -f:].all() and frame[-f:].all()
    assert 0.15 < frame.mean() < 0.5


@pytest.mark.parametrize(("n", "grid"), [(1, (1, 1)), (4, (2, 2)), (5, (2, 3)), (6, (2, 3)), (9, (3, 3))])
def test_seal_characters_fill_a_near_square_grid(n: int, grid: tuple[int, int]) -> None:
    assert seal_grid(n) == grid
