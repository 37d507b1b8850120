"""The staff screens: PIN login and the service menu.  They render ``kiosk.service_menu`` and call it.

Staff read Japanese (the menu switches to English only when the kiosk language is English).  Every
action goes through ``ServiceMenu``, which audits it; nothing is decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.flow import events as evt
from kiosk.service_menu import ServiceMenu
from kiosk.ui.screens import Body, Render, _pin_pad
from kiosk.ui.widgets import Dots

__all__ = ["service_login", "service_menu", "staff_render"]


def staff_render(r: Render) -> Render:
    lang = "en" if r.lang == "en" else "ja"
    return replace(r, view=replace(r.view, language=lang))


def service_login(r: Render, menu: ServiceMenu) -> Body:
    r = staff_render(r)
    typed: list[str] = r.local.setdefault("staff_pin", [])

    def digit(d: str) -> None:
        if len(typed) < 8:
            typed.append(d)
            r.refresh()

    def erase() -> None:
        typed.clear()
        r.refresh()

    def submit() -> None:
        pin = "".join(typed)
        typed.clear()
        r.send(evt.StaffPinSubmitted(menu.login(pin)))
        r.refresh()

    state = menu.login_state
    hint = {"locked": r.t("service.locked"), "wrong": r.t("service.pin_wrong"), "idle": ""}[state]
    left = BoxLayout(orientation="vertical", spacing=10)
    left.add_widget(Dots(filled=len(typed), total=max(4, len(typed)), theme=r.theme, size_hint_y=0.35))
    left.add_widget(r.label(hint, color=r.theme.alert))
    row = BoxLayout(spacing=30, padding=(40, 12, 40, 6))
    row.add_widget(left)
    row.add_widget(_pin_pad(r, digit, erase, submit))
    return Body(row)


def _status_panel(r: Render, menu: ServiceMenu) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=4)
    for s in menu.status():
        row = BoxLayout(spacing=12)
        row.add_widget(r.label(r.t(f"service.device.{s.device}"), px=r.theme.small_px, halign="left"))
        state = r.t(f"service.state.{s.state}")
        if s.detail:
            state += "　" + r.t(f"service.detail.{s.detail}")
        if s.latency_ms is not None:
            state += "　" + r.t("service.latency", ms=round(s.latency_ms))
        color = r.theme.text if s.state == "ok" else r.theme.alert
        row.add_widget(r.label(state, px=r.theme.small_px, color=color, halign="left", size_hint_x=1.6))
        box.add_widget(row)
    return box


def _counters_panel(r: Render, menu: ServiceMenu) -> Widget:
    days = menu.counters.by_day(5)
    if not days:
        return r.label(r.t("service.no_counts"), px=r.theme.small_px)
    box = BoxLayout(orientation="vertical", spacing=2)
    for day, per_type in days:
        parts = "  ".join(f"{r.tr.text('certificate.' + k, 'ja')} {n}" for k, n in sorted(per_type.items()))
        box.add_widget(r.label(f"{day}  {parts}", px=r.theme.small_px, halign="left", font=r.font("ja")))
    return box


def _log_panel(r: Render, menu: ServiceMenu) -> Widget:
    lines = menu.log_lines(8)
    return r.label("\n".join(lines) or "-", px=18, halign="left", valign="top", font=r.font("en"))


_PANELS = {"status": _status_panel, "counters": _counters_panel, "log": _log_panel}


def service_menu(r: Render, menu: ServiceMenu) -> Body:
    r = staff_render(r)
    tab: str = r.local.setdefault("tab", "status")

    def act(fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            fn()
            r.refresh()
        return run

    def show(name: str) -> Callable[[], None]:
        def run() -> None:
            r.local["tab"] = name
            r.refresh()
        return run

    actions = GridLayout(cols=2, spacing=12, size_hint_x=0.62)
    actions.add_widget(r.button(r.t("service.test_print"), act(menu.test_print), px=28))
    actions.add_widget(r.button(r.t("service.test_reader"), act(menu.test_reader), px=28))
    actions.add_widget(r.button(r.t("service.paper_replenished"), act(menu.paper_replenished), px=28))
    oos_key = "service.set_in_service" if menu.out_of_service else "service.set_out_of_service"
    actions.add_widget(r.button(r.t(oos_key), act(lambda: menu.set_out_of_service(not menu.out_of_service)),
                                kind="alert" if menu.out_of_service else "secondary", px=28))
    actions.add_widget(r.button(r.t("service.restart"), act(menu.restart), px=28))
    actions.add_widget(r.label(r.t(menu.last_result) if menu.last_result else "", px=r.theme.small_px))
    right = BoxLayout(orientation="vertical", spacing=8)
    tabs = BoxLayout(spacing=8, size_hint_y=None, height=r.settings.min_target_px)
    for name in _PANELS:
        tabs.add_widget(r.button(r.t(f"service.tab.{name}"), show(name),
                                 kind="selected" if name == tab else "secondary", px=r.theme.small_px))
    right.add_widget(tabs)
    right.add_widget(_PANELS[tab](r, menu))
    row = BoxLayout(spacing=20, padding=(30, 6))
    row.add_widget(actions)
    row.add_widget(right)
    return Body(row, primary=("service.exit", lambda: r.send(evt.ServiceExit(menu.leave()))))
