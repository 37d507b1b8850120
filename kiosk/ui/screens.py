"""One body per flow ``State``: each builder renders the ``View`` and turns taps into flow events.

``BODIES[state](r) -> Body``.  No builder decides anything: what is offered, what is allowed and what
comes next all come from the ``View`` (docs/style.md §2.4).  The only state kept here is input being
typed (PIN digits are sent one by one; the members, items and copies being chosen until 次へ).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image as KvImage
from kivy.uix.widget import Widget

from contracts.jst import reiwa_number
from kiosk.flow import Choice, State, View
from kiosk.flow import events as evt
from kiosk.flow.romaji import hepburn
from kiosk.preview import cached_preview, preview_size
from kiosk.ui.i18n import Translator, format_yen
from kiosk.ui.illustrations import Illustration
from kiosk.ui.settings import UISettings
from kiosk.ui.theme import JA_FONT, Theme, font_for
from kiosk.ui.widgets import BusyBar, CardPicture, Dots, FitLabel, PagesBar, Tile, pulse

__all__ = ["BODIES", "PIN_KEY_ASPECT", "Body", "Render", "reiwa"]

PIN_KEY_ASPECT = 1.1  # the tallest a PIN key may be, as a multiple of its width


def reiwa(year: int) -> int:
    """令和 year of a fiscal year (``contracts.jst``)."""
    return reiwa_number(year)


@dataclass
class Render:
    """What a builder needs: the view, texts, fonts, colours, and the way to send events."""

    view: View
    tr: Translator
    theme: Theme
    settings: UISettings
    send: Callable[[evt.Event], None]
    local: dict[str, Any] = field(default_factory=dict)  # typed input of this screen (see module doc)
    refresh: Callable[[], None] = lambda: None  # re-render after a local input change

    @property
    def lang(self) -> str:
        return self.view.language

    def t(self, key: str, **values: object) -> str:
        return self.tr.text(key, self.lang, **values)

    def font(self, lang: str | None = None) -> str:
        return font_for(lang or self.lang)

    def label(self, text: str, *, px: int | None = None, color: Any = None, font: str | None = None,
              **kw: Any) -> FitLabel:
        px = px or self.theme.body_px
        kw.setdefault("line_height", 1.3)  # airy lines for long messages (elderly readers)
        return FitLabel(text=text, base_font=px, min_font=self.theme.min_px, font_name=font or self.font(),
                        color=color or self.theme.text, **kw)

    def button(self, text: str, event: evt.Event | Callable[[], None] | None, *, kind: str = "secondary",
               px: int | None = None, font: str | None = None, key: str = "", **kw: Any) -> Tile:
        bg, fg = self.colors(kind)
        on_tap = None if event is None else (event if callable(event) else (lambda: self.send(event)))
        tile = Tile(colors=(bg, fg), on_tap=on_tap, disabled_look=kind == "disabled", key=key, **kw)
        tile.add_widget(FitLabel(text=text, base_font=px or self.theme.button_px, min_font=self.theme.min_px,
                                 font_name=font or self.font(), color=fg))
        return tile

    def colors(self, kind: str) -> tuple[Any, Any]:
        th = self.theme
        return {
            "primary": (th.primary, th.primary_text), "secondary": (th.secondary, th.secondary_text),
            "selected": (th.selected, th.selected_text), "disabled": (th.disabled, th.disabled_text),
            "alert": (th.alert, th.alert_text),
        }[kind]


@dataclass
class Body:
    widget: Widget
    primary: tuple[str, evt.Event | Callable[[], None]] | None = None  # (label key, action) on the right
    title: str | None = None  # overrides the state's title


def _column(*widgets: Widget, spacing: int = 14, padding: Any = (40, 10)) -> BoxLayout:
    box = BoxLayout(orientation="vertical", spacing=spacing, padding=padding)
    for w in widgets:
        box.add_widget(w)
    return box


def _values(v: View) -> dict[str, object]:
    """Every placeholder a message may name, formatted for display."""
    return {
        "tries": v.tries_left if v.tries_left is not None else "", "max": v.max_copies,
        "fee": format_yen(v.fee or 0), "inserted": format_yen(v.inserted), "change": format_yen(v.change),
        "refund": format_yen(v.refund), "done": v.pages_done, "pages": v.pages_total or "-",
        "page": v.page_now, "left": v.print_left if v.print_left is not None else "",
        "year": v.tax_year or "", "reiwa": reiwa(v.tax_year) if v.tax_year else "",
        "paid": format_yen(v.paid), "due": format_yen(v.due),
        "money": "・".join(format_yen(yen) for yen in v.accepted),
        "minutes": v.closing_minutes if v.closing_minutes is not None else "",
        "owed": format_yen(v.refund_owed), "ref": v.reference or "", "time": v.failed_at or "",
    }


def _money_line(r: Render) -> list[Widget]:
    """What happened to the resident's money, on every screen after money moved (the flow decides)."""
    v = r.view
    if v.money_key is None:
        return []
    color = r.theme.alert if v.money_key in ("money.refund_failed", "money.refund_owed") else None
    return [r.label(r.t(v.money_key, **_values(v)), px=40, color=color)]


# --- the start ------------------------------------------------------------------------------------


def _language(r: Render) -> Body:
    grid = GridLayout(cols=2, spacing=18, padding=(60, 10))
    for c in r.view.choices:
        kind = "selected" if c.selected else "primary"
        grid.add_widget(r.button(r.tr.text(f"language.{c.key}", c.key), evt.ChooseLanguage(c.key), kind=kind,
                                 font=r.font(c.key), px=40, key=f"language.{c.key}"))
    return Body(grid)


def _notice(r: Render) -> Body:
    return Body(_column(r.label(r.t("screen.notice.body"), halign="left")),
                primary=("button.next", evt.Next()))


def _card_picture(r: Render, alert: bool = False) -> Widget:
    return CardPicture(theme=r.theme, alert=alert, size_hint_x=None, width=340)


def _place_card(r: Render) -> Body:
    row = BoxLayout(spacing=30, padding=(40, 10))
    row.add_widget(_card_picture(r))
    row.add_widget(_column(Illustration("place-card", size_hint_y=0.6),
                           r.label(r.t("place_card.note"), px=r.theme.body_px, size_hint_y=0.4), padding=0))
    return Body(row)


def _waiting(r: Render) -> Body:
    return Body(_column(Widget(), BusyBar(theme=r.theme, size_hint_y=None, height=44), *_money_line(r),
                        Widget()))


def _pin_pad(r: Render, on_digit: Callable[[str], None], on_erase: Callable[[], None],
             on_ok: Callable[[], None]) -> Widget:
    digits = r.local.get("order")
    if digits is None:
        digits = list("1234567890")
        if r.settings.shuffle_pin:
            random.SystemRandom().shuffle(digits)  # against shoulder-surfing of finger positions
        r.local["order"] = digits
    key_w = max(150, r.settings.min_target_px)
    # Keys as tall as the room allows but never much taller than wide: on a portrait panel a pad that
    # fills the height has keys twice as tall as wide, which reads as bars, not keys.
    pad = GridLayout(cols=3, spacing=12, size_hint=(None, None), width=3 * key_w + 24,
                     row_force_default=True)
    holder = AnchorLayout(anchor_y="center", size_hint_x=None, width=pad.width)
    holder.add_widget(pad)

    def fit(_w: Widget, height: float) -> None:
        pad.height = min(height, 4 * round(key_w * PIN_KEY_ASPECT) + 3 * 12)
        pad.row_default_height = (pad.height - 3 * 12) / 4

    holder.bind(height=fit)
    for d in digits[:9]:
        pad.add_widget(r.button(d, partial(on_digit, d), px=44, font=JA_FONT, key=f"pin.{d}"))
    pad.add_widget(r.button(r.t("button.erase"), on_erase, kind="secondary", key="button.erase"))
    pad.add_widget(r.button(digits[9], (lambda: on_digit(digits[9])), px=44, font=JA_FONT,
                            key=f"pin.{digits[9]}"))
    pad.add_widget(r.button(r.t("button.confirm"), on_ok, kind="primary", key="button.confirm"))
    return holder


def _pin(r: Render) -> Body:
    v = r.view
    left = BoxLayout(orientation="vertical", spacing=10)
    left.add_widget(Dots(filled=v.pin_digits, total=v.pin_max, theme=r.theme, size_hint_y=0.35))
    lines = [r.t(v.message_key)] if v.message_key else []
    hint = "\n".join(lines + [r.t(k, tries=v.tries_left) for k in v.pin_notes])
    note = r.label(hint, color=r.theme.alert if v.message_key else r.theme.text)
    pad = _pin_pad(r, lambda d: r.send(evt.PinDigit(d)), lambda: r.send(evt.PinErase()),
                   lambda: r.send(evt.PinSubmitted()))
    row = BoxLayout(spacing=30, padding=(40, 12, 40, 6))
    if r.settings.height > r.settings.width:
        # Portrait: the notes take the full width above the pad (beside it, a line of the rule no
        # longer fits and ends with one kana on a line of its own), the keypad hint beside the pad.
        left.add_widget(note)
        column = BoxLayout(orientation="vertical", spacing=10, padding=(40, 12, 40, 6))
        column.add_widget(left)
        row.padding = (0, 0, 0, 0)
        row.add_widget(Illustration("pin-hint"))
        row.add_widget(pad)
        column.add_widget(row)
        return Body(column)
    left.add_widget(note)
    left.add_widget(Illustration("pin-hint", size_hint_y=0.8))
    row.add_widget(left)
    row.add_widget(pad)
    return Body(row)


def _message(r: Render) -> Body:
    v = r.view
    key = v.message_key or {State.PIN_LOCKED: "error.pin_blocked"}.get(v.state, "error.other")
    text = r.label(r.t(key, **_values(v)), px=r.theme.title_px)  # few words, read from a distance
    if v.staff_call:  # money is owed: no button for the resident, only staff clear this screen
        ref = r.label(r.t("refund_failed.ref", **_values(v)), px=40, color=r.theme.alert,
                      font=r.font())
        staff = r.label(r.t("refund_failed.staff"), px=34, color=r.theme.alert)
        return Body(_column(text, *_money_line(r), ref, staff), title=r.t(v.title_key or "screen.error"))
    button = "button.take_card" if v.state is State.PIN_LOCKED else "button.next"
    return Body(_column(text, *_money_line(r)), primary=(button, evt.Next()),
                title=r.t(v.title_key) if v.title_key else None)


# --- selection --------------------------------------------------------------------------------------


def _choice_tile(r: Render, c: Choice, main: str, on_tap: Callable[[], None], *, sub: str | None = None,
                 sub_font: str | None = None, main_font: str | None = None, right: str | None = None) -> Tile:
    kind = "disabled" if not c.available else ("selected" if c.selected else "secondary")
    bg, fg = r.colors(kind)
    tile = Tile(colors=(bg, fg), on_tap=on_tap if c.available else None, orientation="horizontal",
                disabled_look=not c.available, key=f"choice.{c.key}")
    texts = BoxLayout(orientation="vertical")
    why = bool(c.reason_key and not c.available)
    name_share = (0.3 if r.settings.width < 1200 else 0.4) if why else 0.5  # narrow: room for the reason
    texts.add_widget(FitLabel(text=main, base_font=r.theme.button_px, min_font=r.theme.min_px,
                              font_name=main_font or r.font(), color=fg, halign="left",
                              size_hint_y=name_share))
    below = r.t(c.reason_key) if why and c.reason_key else sub
    if below:
        # 1024×768: two columns of 433 px; a long reason may go down to 16 px (the resident minimum).
        floor = r.theme.min_px - (4 if r.settings.width < 1200 else 2)
        texts.add_widget(FitLabel(text=below, base_font=r.theme.small_px, min_font=floor,
                                  size_hint_y=1 - name_share,
                                  font_name=r.font() if why else (sub_font or r.font()),
                                  color=fg, halign="left"))
    tile.add_widget(texts)
    if right and c.available:
        tile.add_widget(FitLabel(text=right, base_font=r.theme.small_px, min_font=r.theme.min_px,
                                 font_name=r.font(), color=fg, size_hint_x=0.32, halign="right"))
    return tile


def _grid(r: Render, n: int, reserved: int = 0) -> GridLayout:
    """Choices in one column (up to 3) or two; rows at most 150 px high so a short list stays compact."""
    cols = 2 if n > 3 else 1
    rows = max(1, -(-n // cols))
    body = r.settings.height - 362 - reserved  # language bar, title and navigation bar
    cap = 150 if r.settings.height < 1400 else 220  # portrait panels: room for long translations
    height = max(r.settings.min_target_px, min(cap, (body - 12 - 14 * (rows - 1)) // rows))
    return GridLayout(cols=cols, spacing=14, padding=(40, 6), row_force_default=True,
                      row_default_height=height)


_SEP = {True: "　／　", False: "  /  "}  # reading ／ relation on a municipality tile


def _reading(r: Render, c: Choice) -> str | None:
    """A name's reading (issue 18): the kana on a Japanese screen, its Hepburn romanisation otherwise."""
    if not c.reading:
        return None
    return c.reading if r.lang == "ja" else hepburn(c.reading)


def _municipality(r: Render) -> Body:
    grid = _grid(r, len(r.view.choices))
    for c in r.view.choices:
        event = evt.MunicipalityChosen(c.key, c.relation or "residence")
        # The municipality's (Japanese) name is what residents look for; its reading under it, then the
        # relation that explains it.
        relation = r.t(c.label_key or "relation.residence")
        reading = _reading(r, c)
        sub = f"{reading}{_SEP[r.lang == 'ja']}{relation}" if reading else relation
        grid.add_widget(_choice_tile(r, c, c.label or c.key, partial(r.send, event), main_font=JA_FONT,
                                     sub=sub, sub_font=JA_FONT if r.lang == "ja" else None))
    return Body(grid)


def _certificate(r: Render) -> Body:
    grid = _grid(r, len(r.view.choices))
    for c in r.view.choices:
        key = c.label_key or f"certificate.{c.key}"
        ja = r.tr.text(key, "ja")
        main, sub = (ja, None) if r.lang == "ja" else (r.t(key), ja)  # certificates stay Japanese
        fee = r.t("label.per_copy", amount=format_yen(c.fee)) if c.fee is not None else None
        grid.add_widget(_choice_tile(r, c, main, partial(r.send, evt.CertificateChosen(c.key)),
                                     sub=sub, sub_font=JA_FONT, right=fee))
    return Body(grid)


def _whose(r: Render) -> Body:
    grid = _grid(r, len(r.view.choices))
    for c in r.view.choices:
        event = evt.WhoseChosen(c.key)  # type: ignore[arg-type]  # a key the view offered
        grid.add_widget(_choice_tile(r, c, r.t(c.label_key or "whose.juminhyo.self"), partial(r.send, event)))
    return Body(grid)


def _multi(r: Render, make: Callable[[tuple[str, ...]], evt.Event], names_are_data: bool) -> Body:
    """Members / items: toggles, then 次へ sends the whole selection."""
    chosen: set[str] = r.local.setdefault("chosen", {c.key for c in r.view.choices if c.selected})

    def toggle(key: str) -> None:
        chosen.symmetric_difference_update({key})
        r.refresh()

    grid = _grid(r, len(r.view.choices), reserved=0 if names_are_data else 46)
    for c in r.view.choices:
        shown = Choice(**{**c.__dict__, "selected": c.key in chosen})
        main = c.label if names_are_data and c.label else r.t(c.label_key or "")
        main = ("● " if c.key in chosen else "○ ") + main  # not by colour alone
        # A person's name with its reading under it (kana in Japanese, romanised in other languages).
        sub = _reading(r, c) if names_are_data else None
        tile = _choice_tile(r, shown, main, partial(toggle, c.key), sub=sub,
                            sub_font=JA_FONT if r.lang == "ja" else None)
        if names_are_data:  # a person's name from the center: always the Japanese font
            tile.children[-1].children[-1].font_name = JA_FONT
        grid.add_widget(tile)
    box = BoxLayout(orientation="vertical", spacing=6)
    if not names_are_data:
        box.add_widget(r.label(r.t("screen.items.none"), px=r.theme.small_px, size_hint_y=None, height=40))
    box.add_widget(grid)
    return Body(box, primary=("button.next", lambda: r.send(make(tuple(sorted(chosen))))))


def _members(r: Render) -> Body:
    return _multi(r, evt.MembersChosen, names_are_data=True)


def _items(r: Render) -> Body:
    return _multi(r, lambda keys: evt.OptionsChosen(frozenset(keys)), names_are_data=False)


def _tax_year(r: Render) -> Body:
    grid = _grid(r, len(r.view.choices))
    for c in r.view.choices:
        year = int(c.key)
        grid.add_widget(_choice_tile(r, c, r.t("label.tax_year", year=year, reiwa=reiwa(year)),
                                     partial(r.send, evt.TaxYearChosen(year))))
    return Body(grid)


def _copies(r: Render) -> Body:
    v = r.view
    n: int = r.local.setdefault("copies", v.copies)

    def change(delta: int) -> None:
        r.local["copies"] = min(v.max_copies, max(1, n + delta))
        r.refresh()

    row = BoxLayout(spacing=30, padding=(160, 40), size_hint_y=0.6)
    row.add_widget(r.button("−  " + r.t("button.less"), (lambda: change(-1)) if n > 1 else None,
                            kind="secondary" if n > 1 else "disabled", key="button.less"))
    row.add_widget(r.label(r.t("label.copies", copies=n), px=56))
    row.add_widget(r.button("+  " + r.t("button.more"), (lambda: change(1)) if n < v.max_copies else None,
                            kind="secondary" if n < v.max_copies else "disabled", key="button.more"))
    fee = r.t("label.yen", amount=format_yen((v.fee_per_copy or 0) * n))
    body = _column(row, r.label(f"{r.t('label.fee')}　{fee}", size_hint_y=0.4), padding=(40, 0))
    return Body(body, primary=("button.next", lambda: r.send(evt.CopiesChosen(n))),
                title=r.t("screen.copies", max=v.max_copies))


def _summary_row(r: Render, caption: str, value: str, font: str | None = None,
                 px: int | None = None, *, lines: int = 1, tight: bool = False) -> BoxLayout:
    row = BoxLayout(spacing=20, size_hint_y=lines)  # ``lines``: its share of the height
    cap = r.label(caption, size_hint_x=0.3, halign="right", color=r.theme.muted)
    if tight:  # the caption may go down to 16 px (the resident minimum), as a greyed reason does
        cap.min_font = r.theme.min_px - 4
    row.add_widget(cap)
    row.add_widget(r.label(value, font=font, px=px, halign="left"))
    return row


def _confirm(r: Render) -> Body:
    v = r.view
    cert_key = f"certificate.{v.certificate}"
    preview = _preview(r)
    # A narrow landscape panel with the preview beside: the items may need two lines, so their row
    # gets twice the height of the others, the rows sit closer, and a caption may shrink to 16 px.
    tight = preview is not None and r.settings.height <= r.settings.width < 1200
    two = 2 if tight else 1
    rows = [_summary_row(r, r.t("label.municipality"), v.municipality or "", JA_FONT, tight=tight),
            _summary_row(r, r.t("label.certificate"), r.tr.text(cert_key, "ja"), JA_FONT, tight=tight)]
    if r.lang != "ja":  # the certificate is printed in Japanese; its translation goes under the name
        rows.append(_summary_row(r, "", r.t(cert_key), px=r.theme.small_px))
    sep = "、" if r.lang in ("ja", "zh") else ", "
    if v.whose is not None:  # what the resident chose: whose entries, which items, which year
        rows.append(_summary_row(r, r.t("label.whose"), r.t(v.whose), tight=tight))
        if v.members:
            rows.append(_summary_row(r, "", sep.join(v.members), JA_FONT, px=r.theme.small_px))
    if v.items is not None:
        chosen = sep.join(r.t(k) for k in v.items) if v.items else r.t("label.items.none")
        rows.append(_summary_row(r, r.t("label.items"), chosen, lines=two, tight=tight))
    if v.tax_year:
        year = r.t("label.tax_year", year=v.tax_year, reiwa=reiwa(v.tax_year))
        rows.append(_summary_row(r, r.t("label.tax_year.short"), year, tight=tight))
    rows.append(_summary_row(r, r.t("label.count"), r.t("label.copies", copies=v.copies), tight=tight))
    rows.append(_summary_row(r, r.t("label.fee"), r.t("label.yen", amount=format_yen(v.fee or 0)), px=48,
                             tight=tight))
    box = _column(*rows, spacing=0 if tight else 4)
    if v.message_key:
        box.add_widget(r.label(r.t(v.message_key), color=r.theme.alert))
    if preview is None:
        return Body(box, primary=("button.pay", evt.Confirm()))
    portrait = r.settings.height > r.settings.width
    outer = BoxLayout(orientation="vertical" if portrait else "horizontal", spacing=10,
                      padding=(0, 0, 0, 6) if portrait else (0, 0, 30, 6))
    outer.add_widget(box)
    outer.add_widget(preview)
    return Body(outer, primary=("button.pay", evt.Confirm()))


def _preview(r: Render) -> Widget | None:
    """The masked layout of what will be printed, from the cache only (made ahead by kiosk.preview):
    beside the summary on a landscape panel, under it on a portrait one; nothing while not made."""
    v = r.view
    if r.settings.previews is None or v.certificate is None:
        return None
    size = preview_size((r.settings.width, r.settings.height))
    items = [k.removeprefix("item.") for k in v.items or ()]
    path = cached_preview(r.settings.previews, v.certificate, items, size)
    if path is None:
        return None
    caption_h = 80 if r.settings.width >= 1200 else 100  # narrow: the caption takes four lines
    portrait = r.settings.height > r.settings.width
    # Landscape: as tall as the summary's room allows (the picture scales down, never up, to fit).
    holder = BoxLayout(orientation="vertical", spacing=4, size_hint=(None, None if portrait else 1),
                       width=size[0] + 40, height=size[1] + caption_h + 4)
    holder.add_widget(KvImage(source=str(path), fit_mode="scale-down"))
    holder.add_widget(r.label(r.t("label.preview"), px=r.theme.min_px + 2, color=r.theme.muted,
                              size_hint_y=None, height=caption_h))
    if portrait:  # centred under the summary
        row = BoxLayout(size_hint_y=None, height=holder.height)
        row.add_widget(Widget())
        row.add_widget(holder)
        row.add_widget(Widget())
        return row
    return holder


def _payment(r: Render) -> Body:
    v = r.view
    return Body(_column(
        _summary_row(r, r.t("label.fee"), r.t("label.yen", amount=format_yen(v.fee or 0)), px=52),
        _summary_row(r, r.t("label.inserted"), r.t("label.yen", amount=format_yen(v.inserted)), px=52),
        r.label(r.t("screen.payment.due", **_values(v)), px=60, color=r.theme.alert),
        r.label(r.t("screen.payment.accepted", **_values(v)), px=32),
    ), title=r.t("screen.payment", fee=format_yen(v.fee or 0)))


def _printing(r: Render) -> Body:
    v = r.view
    bar = PagesBar(value=v.pages_done, total=v.pages_total, theme=r.theme, size_hint_y=None, height=60)
    note = r.t(v.message_key) if v.message_key else r.t("printing.stay")
    # The time left only when the flow has a measured rate for it; otherwise the pages say it all.
    left = r.t(v.print_left_key, **_values(v)) if v.print_left_key else ""
    return Body(_column(Widget(size_hint_y=0.3), bar, r.label(left, px=r.theme.title_px, size_hint_y=0.6),
                        r.label(note, color=r.theme.alert)),
                title=r.t(v.title_key or "screen.printing", **_values(v)))


def _take_card(r: Render) -> Body:
    row = BoxLayout(spacing=30, padding=(40, 10))
    row.add_widget(_card_picture(r, alert=True))
    alert = r.label(r.t("take_card.alert"), px=44, color=r.theme.alert)
    pulse(alert)
    row.add_widget(alert)
    return Body(row)


def _take_documents(r: Render) -> Body:
    v = r.view
    lines = []
    if v.change:
        lines.append(r.label(r.t("screen.take_documents.change", change=format_yen(v.change)), px=40))
    lines += _money_line(r)
    title = r.t(v.message_key, **_values(v)) if v.message_key else None
    return Body(_column(Illustration("output", size_hint_y=1.6), *lines),
                primary=("button.done", evt.DocumentsTaken()), title=title)


def _thank_you(r: Render) -> Body:
    return Body(_column(r.label(r.t("screen.thank_you.body"), px=60)))


def _out_of_service(r: Render) -> Body:
    return Body(_column(r.label(r.t(r.view.message_key or "oos.staff"), px=40),
                        r.label(r.t("oos.other_kiosk"), px=34)))


BODIES: dict[State, Callable[[Render], Body]] = {
    State.LANGUAGE: _language,
    State.NOTICE: _notice,
    State.PLACE_CARD: _place_card,
    State.READING: _waiting,
    State.PIN: _pin,
    State.PIN_LOCKED: _message,
    State.AUTHENTICATING: _waiting,
    State.MUNICIPALITY: _municipality,
    State.CERTIFICATE: _certificate,
    State.WHOSE: _whose,
    State.MEMBERS: _members,
    State.ITEMS: _items,
    State.TAX_YEAR: _tax_year,
    State.COPIES: _copies,
    State.ORDERING: _waiting,
    State.CONFIRM: _confirm,
    State.PAYMENT: _payment,
    State.ISSUING: _waiting,
    State.PRINTING: _printing,
    State.REFUNDING: _waiting,
    State.TAKE_CARD: _take_card,
    State.TAKE_DOCUMENTS: _take_documents,
    State.THANK_YOU: _thank_you,
    State.ERROR: _message,
    State.OUT_OF_SERVICE: _out_of_service,
}
