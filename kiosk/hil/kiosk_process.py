"""``python -m kiosk.hil kiosk-process``: one kiosk (real UI + runner from ``kiosk.wiring``) driven by
the scripted resident, in its own process so a scenario can SIGKILL it (power cut) or run two at once.

It prints one JSON line per screen change on stdout (``{"t", "state", "message_key", ...}``), writes a
screenshot of every new screen to ``--shots``, and ends with ``{"done": true, "summary": {...}}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from contracts.jst import reiwa_number
from kiosk.config import load_config
from kiosk.flow import State, View
from kiosk.hil.errors import StepError
from kiosk.hil.resident import Action, Resident, next_action
from kiosk.hil.services import http_json
from printer.profiles import get_profile

__all__ = ["main"]

log = logging.getLogger(__name__)

# Screens where the scripted person stops: the transaction is over (or the kiosk is out of service).
_IDLE_AFTER = frozenset({State.ATTRACT, State.OUT_OF_SERVICE})
_STARTED = frozenset(set(State) - {State.ATTRACT, State.OUT_OF_SERVICE})


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class KioskProcess:
    """The kiosk under test and the resident in front of it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.spec: dict[str, Any] = json.loads(Path(args.script).read_text(encoding="utf-8"))
        r = self.spec.get("resident", {})
        self.resident = Resident(**{**r, "pins": tuple(r.get("pins", ()))})
        self.hooks: list[dict[str, Any]] = list(self.spec.get("hooks", []))
        self.shots = Path(args.shots)
        self.views: list[tuple[float, View]] = []
        self._lock = threading.Lock()
        self.pins_typed = 0
        self.shot_count = int(args.shot_start)
        self.summary: dict[str, Any] = {"states": [], "message_keys": [], "pages": 0, "fees": []}

    # --- the runner's callbacks (flow thread) ---------------------------------------------------------

    def on_view(self, view: View) -> None:
        now = time.monotonic()
        with self._lock:
            last = self.views[-1][1] if self.views else None
            self.views.append((now, view))
        for hook in list(self.hooks):
            if hook.get("cash") == "empty" and view.state.value in _states(hook):
                # The hopper runs dry the moment the kiosk reaches that screen (on the flow thread,
                # before the effects of this batch run), not when the script next looks: a quick
                # printer fault would otherwise be refunded first.
                self.hooks.remove(hook)
                _emit({"hook": hook, "state": view.state.value, "mono": round(now, 4)})
                cash: Any = self.runner.devices.cash  # kiosk.payment.SimulatedCashDevice
                cash.stock.clear()
            if hook.get("signal") == "kill" and view.state.value in _states(hook):
                # The power cut, at the very moment the screen changes (the flow thread, before any
                # further effect of this batch could finish): nothing gets to clean up.
                _emit({"hook": hook, "state": view.state.value, "mono": round(now, 4)})
                os.kill(os.getpid(), signal.SIGKILL)
        if last is None or last.state is not view.state or last.message_key != view.message_key:
            _emit({"t": round(time.time(), 4), "mono": round(now, 4), "state": view.state.value,
                   "message_key": view.message_key, "pages_done": view.pages_done,
                   "pages_total": view.pages_total, "fee": view.fee, "refund": view.refund})

    # --- main loop (Kivy's thread) ---------------------------------------------------------------------

    def run(self) -> int:
        from kiosk.flow.staff import StaffGate
        from kiosk.service_menu import AuditLog, IssueCounters, ServiceMenu
        from kiosk.ui.boot import prepare
        from kiosk.ui.settings import UISettings

        cfg = load_config(self.args.config)
        self.printer_profile = cfg.printer.profile
        ui = UISettings.from_config(cfg.ui, tick_seconds=0.0, sound=False)
        prepare(ui, kivy_home=Path(cfg.paths.logs) / "kivy")
        from kiosk import wiring
        from kiosk.ui.app import KioskApp
        from kiosk.ui.harness import Screen

        holder: dict[str, Any] = {}

        def on_view(view: View) -> None:
            self.on_view(view)
            if "app" in holder:
                holder["app"].on_view(view)

        def on_sound(name: str | None, loop: bool) -> None:
            if "app" in holder:
                holder["app"].on_sound(name, loop)

        runner, backend = wiring.build_runner(cfg, on_view=on_view, on_sound=on_sound)
        if self.args.card_read_before_pin:
            # smartphone-pin-first: this kiosk ignores the token's rule, so the token must refuse.
            backend.card.follow_token_rules = False  # type: ignore[attr-defined]
        logs = Path(cfg.paths.logs)
        counters = IssueCounters(logs / "counters.json")
        staff = cfg.staff
        gate = StaffGate(staff.pin_hash, staff.max_attempts, staff.lockout_seconds, time.monotonic)
        menu = ServiceMenu(gate, backend, AuditLog(logs / "audit.jsonl"), counters)
        app = KioskApp(runner, ui, service=menu, languages=cfg.ui.languages,  # type: ignore[arg-type]
                       voice=cfg.voice)
        holder["app"] = app
        self.runner = runner
        runner.start()
        self.screen = Screen(app)
        _emit({"ready": True, "kiosk_id": cfg.kiosk.id})
        try:
            self._drive()
        finally:
            runner.stop()
            backend.close()
            self.screen.stop()
        self.summary["voice"] = _voice_by_screen(self.screen.app.voice.played)
        _emit({"done": True, "summary": self.summary})
        return 0

    def _view(self) -> View:
        view: View = self.runner.view
        return view

    def _rendered(self) -> bool:
        shown, want = self.screen.app.view, self._view()
        return shown is not None and (shown.state, shown.message_key, shown.language) == (
            want.state, want.message_key, want.language)

    def _settle(self, seconds: float = 0.05) -> None:
        """Let the flow finish what a tap started and the screen catch up with the view."""
        self.runner.wait_idle(2.0)
        self.screen.pump_for(seconds)
        self.screen.pump_for(2.0, self._rendered)

    def _drive(self) -> None:
        self.runner.wait_idle(20.0)  # start-up: journal recovery and the device check
        shown: tuple[State, str | None] | None = None
        if self.spec.get("watch_until"):
            shown = self._watch(Path(self.spec["watch_until"]))
            if self.spec.get("watch_only"):
                return
        deadline = time.monotonic() + float(self.spec.get("max_seconds", 90))
        started = False
        stuck_since = time.monotonic()
        while time.monotonic() < deadline:
            self._settle()
            view = self._view()
            key = (view.state, view.message_key)
            if key != shown:
                shown, stuck_since = key, time.monotonic()
                self._record(view)
                self._shoot(view)
                if self._hooks(view):
                    continue
            started = started or view.state in _STARTED
            if started and view.state in _IDLE_AFTER:
                end = str(self.spec.get("end_state") or "")
                if end and view.state.value != end:
                    # The transaction is over; wait for the idle kiosk to settle where it must (e.g. out
                    # of service once its device poll finds the paper still out), then read it again.
                    if not self.screen.pump_for(30.0, partial(self._reached, end)):
                        raise StepError(f"the idle kiosk never reached {end}")
                    continue
                if self.spec.get("stay_seconds") and not self._stay(view):
                    continue
                return
            if str(self.spec.get("stop_at", "")).lower() == view.state.value:
                return
            if view.state is State.THANK_YOU and not self.spec.get("stay_seconds"):
                return  # done; THANK_YOU goes back to the attract loop by itself
            if view.state is State.ERROR and view.staff_call:
                self._staff_clear(view)
                continue
            action = next_action(view, self.resident, self.pins_typed, self.args.card_pin)
            if view.state in (State.ERROR, State.PIN_LOCKED, State.THANK_YOU):
                # PIN_LOCKED waits for 「カードを取り出す」 (it never closes by itself); the rest for 次へ.
                button = "button.take_card" if view.state is State.PIN_LOCKED else "button.next"
                action = Action("touch") if view.state is State.THANK_YOU else Action("press", button)
                self._hold(view)
            if action.kind == "wait":
                self.screen.pump_for(0.05)
                if time.monotonic() - stuck_since > float(self.spec.get("state_timeout", 60)):
                    raise StepError(f"stuck on {view.state.value}")
                continue
            self._do(action, view)
        raise StepError("scenario did not finish in time")

    def _reached(self, state: str) -> bool:
        return bool(self._view().state.value == state)

    def _watch(self, gate: Path) -> tuple[State, str | None] | None:
        """Fleet (kiosk/hil/fleet.py): nobody at the kiosk; the operators act on it from the console.
        Every screen it shows is recorded and shot; an out-of-service screen's rendered texts are
        printed (``{"shown": ...}``: a notice, no personal data), so the orchestrator checks what the
        screen says, not only the flow's state.  Ends when ``gate`` exists."""
        shown: tuple[State, str | None] | None = None
        while not gate.exists():
            self._settle()
            view = self._view()
            key = (view.state, view.message_key)
            if key == shown:
                self.screen.pump_for(0.05)
                continue
            shown = key
            self._record(view)
            shot = self._shoot(view)
            if view.state is State.OUT_OF_SERVICE:
                _emit({"shown": {"state": view.state.value, "message_key": view.message_key, "shot": shot,
                                 "texts": [t for t in self.screen.texts() if t]}})
        return shown

    def _stay(self, view: View) -> bool:
        """Out of service at the end: wait ``stay_seconds`` for the kiosk to recover by itself (the
        runner re-checks devices); True when it is time to stop."""
        if view.state is State.ATTRACT:
            return True
        limit = float(self.spec["stay_seconds"])
        ok = self.screen.pump_for(limit, lambda: self._view().state is State.ATTRACT)
        self._settle()
        if ok:
            self._record(self._view())
            self._shoot(self._view())
        return True

    def _staff_clear(self, view: View) -> None:
        """A refund that failed (issue 18): the resident taps, the screen stays; after a while the
        staff make the corner gesture, type the staff PIN and leave the service menu."""
        from kiosk.hil.setup import STAFF_PIN
        from kiosk.ui.i18n import Translator

        self.summary["slip"] = {"owed": view.refund_owed, "reference": view.reference, "time": view.failed_at}
        hold = float(self.spec.get("staff_hold_seconds", 5))
        self.screen.center()  # the resident tries to dismiss it
        self.screen.pump_for(hold)
        self._settle()
        now = self._view()
        if now.state is not State.ERROR or not now.staff_call:
            raise StepError(f"the refund-failed screen gave way to {now.state.value} before staff came")
        self.summary["staff_hold"] = hold
        w, h = self.screen.app.root_layout.size  # the window (only kiosk/ui imports Kivy)
        for x, y in ((10, h - 10), (w - 10, h - 10), (w - 10, 10), (10, 10)):
            self.screen.tap_at(x, y)
        self._settle()
        if self._view().state is not State.SERVICE_LOGIN:
            raise StepError("the staff gesture did not open the service login on the refund-failed screen")
        self._shoot(self._view())
        tr = Translator()
        for digit in STAFF_PIN:
            self._press(digit)
        self._press(tr.text("button.confirm", "ja"))
        self._settle()
        if self._view().state is not State.SERVICE_MENU:
            raise StepError("the staff PIN did not open the service menu")
        self._shoot(self._view())
        self._press(tr.text("service.exit", "ja"))
        self._settle()
        self.summary["staff_cleared"] = True

    def _hold(self, view: View) -> None:
        """Message screens: a person reads them for a moment (screens stay in the shots)."""
        self.screen.pump_for(float(self.spec.get("read_seconds", 0.1)))

    def _record(self, view: View) -> None:
        self.summary["states"].append(view.state.value)
        if view.message_key:
            self.summary["message_keys"].append(view.message_key)
        if view.pages_done:
            self.summary["pages"] = max(self.summary["pages"], view.pages_done)
        if view.fee:
            self.summary["fees"].append(view.fee)

    def _shoot(self, view: View) -> str:
        self.shot_count += 1
        name = f"{self.args.prefix}{self.shot_count:02d}-{view.state.value.lower()}.png"
        self.screen.shot(self.shots / name)
        return name

    def _hooks(self, view: View) -> bool:
        """Interventions bound to this screen; True when one fired (re-read the screen)."""
        fired = False
        for hook in list(self.hooks):
            # "at" is a state, or a list of states: the first of them the script sees fires the hook (a
            # busy machine can draw a short state, e.g. PRINTING before a quick fault, between two looks).
            if view.state.value not in _states(hook) or hook.get("cash"):
                continue  # (a cash hook is the flow thread's: on_view)
            self.hooks.remove(hook)
            fired = True
            _emit({"hook": hook})
            if "card" in hook:
                http_json(f"{self.args.card_control}/{hook['card']}", {})
                if hook["card"] == "remove":
                    # A person who pulls the card stops tapping: wait until the kiosk has noticed
                    # (the reader watch posts CardRemoved) before the script reads the screen again.
                    self.screen.pump_for(10.0, lambda: self._view().state is not view.state)
            if "printer" in hook:
                fault = _in_bytes(hook["printer"], self.printer_profile)
                http_json(f"{self.args.printer_control}/state", fault)
            if "signal" in hook:  # the orchestrator acts (stops the center, cuts the power) and acks
                ack = Path(hook["ack"])
                if not self.screen.pump_for(float(hook.get("wait", 30)), ack.exists):
                    raise StepError(f"no answer to hook {hook['signal']}")
            if "sleep" in hook:
                self.screen.pump_for(float(hook["sleep"]))
        return fired

    def _do(self, action: Action, view: View) -> None:
        from kiosk.ui.i18n import Translator

        tr = Translator()
        if self.resident.keypad and action.kind in ("touch", "press", "lang", "choose", "copies", "pin"):
            self._keys(action, view)
            return
        lang = view.language
        if action.kind == "touch":
            self.screen.center()
        elif action.kind == "press":
            self._press(tr.text(action.arg, lang))
        elif action.kind == "lang":
            self._press(tr.text(f"language.{action.arg}", action.arg))
        elif action.kind == "choose":
            self._choose(view, str(action.arg), tr)
            if action.extra.get("then"):
                self._settle()
                self._press(tr.text(action.extra["then"], lang))
        elif action.kind == "copies":  # the count is the screen's own input until 次へ
            for _ in range(int(action.arg) - 1):
                self._press("+  " + tr.text("button.more", lang))
            self._press(tr.text("button.next", lang))
        elif action.kind == "pin":
            for digit in action.arg:
                self._press(digit)
            self._press(tr.text("button.confirm", lang))
            self.pins_typed += 1
        elif action.kind == "pay":
            fee = int(view.fee or 0) - int(view.inserted or 0)
            cash: Any = self.runner.devices.cash  # kiosk.payment.SimulatedCashDevice (payment.device)
            while fee > 0:
                coin = next(c for c in (1000, 500, 100, 50, 10) if fee > c // 2 or c == 10)
                cash.insert(coin)
                fee -= coin
            self.screen.pump_for(0.05, lambda: self._view().state is not State.PAYMENT)
        elif action.kind == "card":
            http_json(f"{self.args.card_control}/{action.arg}", {})
            want = action.arg == "insert"
            self.screen.pump_for(10, lambda: self._view().state is not view.state or (
                bool(getattr(self._view(), "card_present", want)) != want))

    def _keys(self, action: Action, view: View) -> None:
        """The same action with the keypad only: move the focus to the control, then Enter."""
        if action.kind == "touch":
            self._key("choose")
        elif action.kind == "press":
            self._focus_and_choose(str(action.arg))
        elif action.kind == "lang":
            self._focus_and_choose(f"language.{action.arg}")
        elif action.kind == "choose":
            self._focus_and_choose(f"choice.{action.arg}")
            if action.extra.get("then"):
                self._settle()
                self._focus_and_choose(action.extra["then"])
        elif action.kind == "copies":
            for _ in range(int(action.arg) - 1):
                self._focus_and_choose("button.more")
            self._focus_and_choose("button.next")
        elif action.kind == "pin":
            for digit in action.arg:
                self._key("digit", digit)  # straight to the flow: never spoken, never logged
            self._focus_and_choose("button.confirm")
            self.pins_typed += 1

    def _key(self, action: str, digit: str | None = None) -> None:
        self.screen.app.keypad(action, digit)
        self.screen.pump_for(0.05)

    def _focus_and_choose(self, key: str) -> None:
        app = self.screen.app
        for _ in range(80):
            self._key("next")
            if app.focus.key == key:
                self._key("choose")
                return
        raise StepError(f"keypad: no control {key!r} on {self._view().state.value}")

    def _press(self, *texts: str) -> None:
        w = self.screen.find(*texts)
        if w is None:
            raise StepError(f"no button {texts!r} on {self._view().state.value}")
        self.screen.tap(w)

    def _choose(self, view: View, key: str, tr: Any) -> None:
        choice = next((c for c in view.choices if c.key == key), None)
        if choice is None:
            raise StepError(f"no choice {key!r} on {view.state.value}")
        if not choice.available:  # greyed out with the reason: the person reads it and gives up
            self.summary["unavailable"] = choice.reason_key
            _emit({"unavailable": choice.key, "reason_key": choice.reason_key})
            self._press(tr.text("button.cancel", view.language))
            return
        translated = tr.text(choice.label_key, view.language) if choice.label_key else None
        texts = [t for t in (choice.label, translated) if t]
        if view.state is State.TAX_YEAR:
            year = int(key)
            texts.append(tr.text("label.tax_year", view.language, year=year, reiwa=reiwa_number(year)))
        self._press(*texts)


def _voice_by_screen(played: list[tuple[str, str, str]]) -> dict[str, list[list[str]]]:
    """The clips the voice guide played (or found missing), per screen, in order: ``[key, outcome]``."""
    out: dict[str, list[list[str]]] = {}
    for screen, key, outcome in played:
        out.setdefault(screen, []).append([key, outcome])
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.hil kiosk-process")
    ap.add_argument("--config", required=True)
    ap.add_argument("--script", required=True, help="JSON: resident, hooks, limits")
    ap.add_argument("--shots", required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--shot-start", default="0")
    ap.add_argument("--card-control", required=True)
    ap.add_argument("--printer-control", required=True)
    ap.add_argument("--card-pin", required=True)
    ap.add_argument("--card-read-before-pin", action="store_true",
                    help="read the certificate before the PIN whatever the token (proves the token refuses)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "kivy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    def on_term(_signum: int, _frame: object) -> None:
        raise SystemExit(143)  # unwind: the runner and the app stop in their finally blocks

    signal.signal(signal.SIGTERM, on_term)
    try:
        return KioskProcess(args).run()
    except StepError as e:
        _emit({"done": True, "error": e.code, "message": str(e)})
        return 3


def _in_bytes(state: dict[str, Any], profile_name: str) -> dict[str, Any]:
    """A fault placed ``after_pages`` (e.g. 1.5 = mid second page) becomes the emulator's ``after_bytes``
    for this kiosk's printer: a raster page is width_bytes × page height in dots on the wire."""
    inject = state.get("inject")
    if not isinstance(inject, dict) or "after_pages" not in inject:
        return state
    profile = get_profile(profile_name)
    page_bytes = profile.width_bytes * (profile.page_height_dots or 0)
    inject = {k: v for k, v in inject.items() if k != "after_pages"}
    inject["after_bytes"] = int(float(state["inject"]["after_pages"]) * page_bytes)
    return {**state, "inject": inject}


def _states(hook: dict[str, Any]) -> list[str]:
    """The screens a hook fires at: ``"at"`` is one state name or a list of them."""
    at = hook["at"] if isinstance(hook["at"], list) else [hook["at"]]
    return [str(a).lower() for a in at]
