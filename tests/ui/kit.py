"""Drive the kiosk UI like a resident: tap labelled buttons, read the screen, take screenshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.flow import Flow, FlowSettings, State, Timeouts
from kiosk.flow import events as evt
from kiosk.flow.staff import StaffGate, hash_pin
from kiosk.service_menu import AuditLog, IssueCounters, ServiceMenu, StatusLine
from kiosk.simulated_devices import SimulatedDevices
from kiosk.ui.i18n import LANGUAGES, Translator
from kiosk.ui.port import LocalPort
from kiosk.ui.settings import UISettings

STAFF_PIN = "258046"
_HASH = hash_pin(STAFF_PIN, scheme="scrypt")  # scrypt: fast tests, no PBKDF2 below 600,000
TR = Translator()


def pump(frames: int = 2) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def screenshot(path: Path) -> Path:
    """Redraw and read the back buffer before any flip (docs/kivy-headless.md pitfall 1); Pillow writes
    the PNG with fast compression (SDL's own PNG writer takes ~0.5 s per 1280×800 frame)."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    pump(1)
    Window.dispatch("on_draw")
    w, h = Window.size
    data = glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (w, h), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image.save(path, compress_level=1)
    return path


def tap_at(x: float, y: float) -> None:
    from kivy.tests.common import UnitTestTouch

    t = UnitTestTouch(x, y)
    t.touch_down()
    pump(1)
    t.touch_up()
    pump(2)


def tap(widget: Any) -> None:
    tap_at(*widget.to_window(*widget.center))


@dataclass
class FakeBackend:
    """The service menu's view of the devices, with a paper-near-end printer and a known latency."""

    paper_near_end: bool = True
    calls: list[str] = field(default_factory=list)

    def device_status(self) -> list[StatusLine]:
        return [StatusLine("reader", "ok"),
                StatusLine("printer", "warning" if self.paper_near_end else "ok",
                             "paper_near_end" if self.paper_near_end else None),
                StatusLine("payment", "ok"),
                StatusLine("center", "ok", latency_ms=42.0)]

    def test_print(self) -> StatusLine:
        self.calls.append("test_print")
        return StatusLine("printer", "ok")

    def test_reader(self) -> StatusLine:
        self.calls.append("test_reader")
        return StatusLine("reader", "ok")

    def paper_replenished(self) -> None:
        self.calls.append("paper_replenished")
        self.paper_near_end = False

    def restart(self) -> None:
        self.calls.append("restart")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_kiosk(tmp: Path, settings: UISettings, wall: float | None = None, **devices: Any) -> tuple[
        Any, LocalPort, SimulatedDevices, ServiceMenu, FakeBackend]:
    from kiosk.ui.app import KioskApp

    clock = Clock()
    # ``wall``: a fixed wall-clock time (epoch seconds) for screens that depend on it (closing time).
    flow = Flow(FlowSettings(languages=LANGUAGES, timeouts=Timeouts()), clock=clock,
                **({} if wall is None else {"wall_clock": lambda: wall}))
    counters = IssueCounters(tmp / "counters.json")
    sim = SimulatedDevices(on_receipt=counters.record, **devices)
    port = LocalPort(flow, sim)
    backend = FakeBackend()
    menu = ServiceMenu(StaffGate(_HASH, max_attempts=3, lockout_seconds=300, clock=clock), backend,
                       AuditLog(tmp / "audit.jsonl"), counters)
    counters.record(dt.date(2026, 11, 25), "juminhyo", 3)
    app = KioskApp(port, settings, service=menu, clock=clock)
    app.clock = clock
    return app, port, sim, menu, backend


class Driver:
    """A resident (or staff member) at the kiosk."""

    def __init__(self, app: Any, port: LocalPort, shots: Path) -> None:
        self.app, self.port, self.shots = app, port, shots

    @property
    def state(self) -> State:
        return self.port.flow.state

    def t(self, key: str, **values: object) -> str:
        return TR.text(key, self.port.view.language, **values)

    def tiles(self) -> list[Any]:
        from kivy.uix.behaviors import ButtonBehavior

        return [w for w in self.app.root_layout.walk() if isinstance(w, ButtonBehavior)]

    def texts(self, widget: Any) -> list[str]:
        from kivy.uix.label import Label

        return [w.text for w in widget.walk(restrict=True) if isinstance(w, Label)]

    def find(self, text: str) -> Any:
        hits = [w for w in self.tiles()
                if any(text == t or t.startswith(text) or t.endswith(text) for t in self.texts(w))]
        assert hits, f"no button {text!r} on {self.state.name}; have {[self.texts(w) for w in self.tiles()]}"
        return hits[0]

    def press(self, text: str) -> None:
        tap(self.find(text))

    def key(self, key: str, **values: object) -> None:
        self.press(self.t(key, **values))

    def send(self, *events: evt.Event) -> None:
        for e in events:
            self.port.submit(e)
        pump(2)

    def screen_text(self) -> str:
        return "\n".join(self.texts(self.app.root_layout))

    def shot(self, name: str) -> Path:
        return screenshot(self.shots / f"{name}.png")

    def touch_start(self) -> None:
        tap_at(640, 400)

    def corners(self) -> None:
        w, h = 1280, 800
        for x, y in ((10, h - 10), (w - 10, h - 10), (w - 10, 10), (10, 10)):
            tap_at(x, y)


def collect_views() -> dict[str, Any]:
    """One ``View`` of every screen (and the inactivity warning), made by driving the real flow."""
    from dataclasses import replace

    views: dict[str, Any] = {}

    def port(**devices: Any) -> LocalPort:
        flow = Flow(FlowSettings(languages=LANGUAGES, timeouts=Timeouts()), clock=Clock())
        return LocalPort(flow, SimulatedDevices(**devices))

    def snap(p: LocalPort, name: str | None = None) -> None:
        views[name or p.flow.state.value] = p.view

    p = port(hold={"ReadCard", "Authenticate", "CreateOrder", "Issue", "Print"})
    snap(p)
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted()):
        snap(p)
        p.submit(e)
    snap(p)  # reading
    p.submit(evt.CardRead(b"x", 3))
    for d in "12":
        p.submit(evt.PinDigit(d))
    snap(p)
    views["warning"] = replace(p.view, warning=True)
    p.submit(evt.PinDigit("3"))
    p.submit(evt.PinDigit("4"))
    p.submit(evt.PinSubmitted())
    snap(p)  # authenticating
    from kiosk.flow import parse_municipalities
    from kiosk.simulated_devices import SAMPLE_MUNICIPALITIES
    p.submit(evt.PinResult(True, 3))
    p.submit(evt.Authenticated("s", parse_municipalities(SAMPLE_MUNICIPALITIES)))
    snap(p)
    p.submit(evt.MunicipalityChosen("139991", "residence"))
    snap(p)
    p.submit(evt.CertificateChosen("juminhyo"))
    snap(p)
    p.submit(evt.WhoseChosen("members"))
    snap(p)
    p.submit(evt.MembersChosen(("m1",)))
    snap(p)
    p.submit(evt.OptionsChosen(frozenset({"honseki"})))
    snap(p)
    p.submit(evt.CopiesChosen(3))
    snap(p)
    p.submit(evt.Confirm())
    snap(p)  # ordering
    p.submit(evt.OrderCreated("o1", 600))
    p.submit(evt.MoneyInserted(500))
    snap(p)
    p.submit(evt.MoneyInserted(1000))
    p.submit(evt.PaymentComplete(1500, 900))
    snap(p)  # issuing
    p.submit(evt.Issued(({"content": {}, "seal": "s"},) * 3))
    p.submit(evt.PrintProgress(2, 3, seconds_per_page=25.0))  # the last page, 「残り約30秒」
    snap(p)
    p.submit(evt.Printed(3))
    snap(p)
    p.submit(evt.CardRemoved())
    snap(p)
    p.submit(evt.DocumentsTaken())
    snap(p)
    # tax year (課税証明書)
    q = port()
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(), evt.PinSubmitted("1234"),
              evt.MunicipalityChosen("139991", "residence"), evt.CertificateChosen("kazei")):
        q.submit(e)
    snap(q)
    # refund after a printer fault, then the error screen
    r = port(auto_pay=True, printer_fault="printer_paper_end", hold={"Refund"})
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(), evt.PinSubmitted("1234"),
              evt.MunicipalityChosen("279998", "honseki"), evt.CertificateChosen("koseki")):
        r.submit(e)
    snap(r, "whose_koseki")
    r.submit(evt.WhoseChosen("household"))
    r.submit(evt.CopiesChosen(1))
    r.submit(evt.Confirm())
    snap(r)  # refunding
    r.submit(evt.Refunded(450))
    snap(r)  # error
    # PIN locked; out of service; staff screens
    s = port(tries_left=1)
    for e in (evt.Touch(), evt.ChooseLanguage("ja"), evt.Next(), evt.CardInserted(),
              evt.PinSubmitted("0000")):
        s.submit(e)
    snap(s)
    o = port()
    o.submit(evt.DeviceFault("payment", "payment_jam"))
    snap(o)
    o.submit(evt.ServiceRequested())
    snap(o)
    o.submit(evt.StaffPinSubmitted(True))
    snap(o)
    return views
