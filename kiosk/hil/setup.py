"""One kiosk of a scenario: its directory, config file, parts and what its process reported."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.flow.staff import hash_pin
from kiosk.hil.options import VPCD_PORTS, RunOptions
from kiosk.hil.services import REPO, Service

if TYPE_CHECKING:
    from kiosk.hil.scenarios import Person, Scenario

__all__ = ["STAFF_PIN", "KioskSetup", "kiosk_config"]

STAFF_PIN = "258046"  # the HIL kiosks' service-menu PIN (test material)
# Phases of machine time: screens where the kiosk works and the person waits.
PHASES = {"card": ("reading",), "center": ("authenticating", "ordering", "issuing"),
          "print": ("printing",), "refund": ("refunding",)}


@dataclass
class KioskSetup:
    index: int
    dir: Path
    shots: Path
    prints: Path
    prefix: str
    label: str
    entry: dict[str, Any]
    kiosk: dict[str, Any]
    person: Person
    scenario: Scenario
    data: Path
    config: Path = Path()
    card: Service = field(init=False)
    printer: Service = field(init=False)
    receipt: Service = field(init=False)
    proc: Service = field(init=False)
    seen: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    killed: bool = False
    restarted: bool = False
    error: str | None = None
    acks: int = 0

    @classmethod
    def make(cls, i: int, out: Path, *, data: Path, entry: dict[str, Any], kiosk: dict[str, Any],
             person: Person, scenario: Scenario) -> KioskSetup:
        label = f"kiosk-{i + 1}"
        d = out / "kiosk" / label
        d.mkdir(parents=True, exist_ok=True)
        prefix = "" if len(scenario.people) == 1 else f"{label}-"
        return cls(i, d, out / "screens", out / "prints" / label, prefix, label, entry, kiosk, person,
                   scenario, data)

    @property
    def kiosk_id(self) -> str:
        return str(self.kiosk["kiosk_id"])

    @property
    def shots_taken(self) -> int:
        return sum(1 for r in self.records if "state" in r)

    def script(self, *, restart: bool = False) -> dict[str, Any]:
        """What the kiosk process's resident does (after a restart: nothing, the kiosk recovers)."""
        resident = asdict(self.person.resident)
        right = self.entry["pin"]
        wrong = f"{(int(right) + 1) % 10000:04d}"
        resident["pins"] = [wrong] * self.person.wrong_pins
        if restart:
            return {"resident": resident, "hooks": [], "stop_at": "attract", "max_seconds": 60}
        hooks = [dict(h, ack=str(self.dir / f"ack-{n}")) for n, h in enumerate(self.person.hooks)]
        spec: dict[str, Any] = {"resident": resident, "hooks": hooks, "max_seconds": 600,
                                "state_timeout": 300, "stay_seconds": self.scenario.stay_seconds}
        if self.scenario.end_state:
            spec["end_state"] = self.scenario.end_state
        if self.scenario.fleet:  # watch the screens until the orchestrator says go (kiosk/hil/fleet.py)
            spec.update(watch_until=str(self.gate), watch_only=not self.person.card)
        return spec

    @property
    def gate(self) -> Path:
        """The file the fleet orchestrator creates when this kiosk's resident may start (or it may end)."""
        return self.dir / "go"

    def ack(self) -> None:
        """Tell the kiosk process the orchestrator did what its hook asked."""
        hooks = [h for h in self.records if "hook" in h]
        Path(hooks[-1]["hook"]["ack"]).touch()

    def new_records(self) -> list[dict[str, Any]]:
        lines = self.proc.lines[self.seen:]
        self.seen += len(lines)
        new = []
        for line in lines:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(rec, dict):
                continue
            new.append(rec)
            self.records.append(rec)
            if "state" in rec:
                self.transitions.append({"state": rec["state"], "message_key": rec.get("message_key"),
                                         "mono": rec["mono"], "restart": self.restarted})
            if rec.get("done"):
                if self.restarted or not self.killed:
                    self.done = True
                if "summary" in rec:
                    for key, value in rec["summary"].items():
                        if isinstance(value, list):
                            self.summary.setdefault(key, []).extend(value)
                        else:
                            self.summary[key] = value
                if "error" in rec:
                    self.error = f"{rec['error']}: {rec.get('message')}"
        return new

    def outcome(self) -> str:
        if self.error:
            return f"failed:{self.error}"
        if self.killed:
            return "resolved_after_restart" if self.restarted and self.done else "not_restarted"
        seq = [(t["state"], t["message_key"]) for t in self.transitions]
        states = [s for s, _ in seq]
        err = next((k for s, k in seq if s == "error"), None)
        if self.summary.get("staff_cleared"):
            base = f"refund_failed:{err}+staff_cleared"
        elif self.summary.get("unavailable"):
            base = f"refused:{self.summary['unavailable']}"
        elif "pin_locked" in states:
            base = "pin_locked"
        elif "refunding" in states:
            base = f"refunded:{err}"
        elif err:
            base = f"error:{err}"
        elif "printing" in states and "thank_you" in states:
            base = "issued"
        elif states and set(states) <= {"attract", "out_of_service"}:
            base = "idle"  # nobody used it (fleet: the kiosk whose paper ran out)
        else:
            base = f"incomplete:{states[-1] if states else 'none'}"
        if "out_of_service" in states:
            i = states.index("out_of_service")
            base += f"+oos:{seq[i][1]}"
            if "attract" in states[i:]:
                base += "+recovered"
        return base

    def phase_timings(self) -> dict[str, float]:
        """Seconds spent on the screens where the kiosk works (the person's think time excluded)."""
        out: dict[str, float] = {}
        tr = self.transitions
        for a, b in itertools.pairwise(tr):
            if a["restart"] != b["restart"]:
                continue
            for phase, states in PHASES.items():
                if a["state"] in states:
                    out[phase] = round(out.get(phase, 0.0) + b["mono"] - a["mono"], 4)
        return out


def kiosk_config(k: KioskSetup, center: Service, opts: RunOptions) -> Path:
    """Write the kiosk's TOML config (docs/kiosk-flow.md §11) for this run's parts."""
    from card.virtual.vpcd import reader_name_for_port

    profile = opts.profile
    if k.scenario.printer == "ipp":
        profile = "a4-laser-600"
        transport = f'{{ type = "ipp", uri = "{k.printer.info["uri"]}", duplex = true }}'
    elif opts.link == "tcp":
        host, port = k.printer.info["tcp"]
        transport = f'{{ type = "tcp", host = "{host}", port = {port} }}'
    else:
        transport = f'{{ type = "serial", path = "{k.printer.info["pty"]}", baud = 115200 }}'
    rh, rp = k.receipt.info["tcp"]
    timeouts = {"idle_warn": 60.0, "idle_cancel": 20.0, "message": 30.0, "card_read": 20.0, "center": 45.0,
                "print_progress": 180.0, "refund": 60.0, "take_documents": 30.0, "thank_you": 5.0}
    timeouts.update(k.scenario.timeouts)
    lines = [
        "[kiosk]", f'id = "{k.kiosk_id}"', 'store_name = "見本マート 見本駅前店"',
        f"terminal = {k.index + 1}",
        "[center]", f'url = "{center.info["url"]}"', f'data_dir = "{k.data}"',
        "connect_timeout = 2.0", "read_timeout = 20.0", "retries = 1",
        "[card]", f'reader = "{reader_name_for_port(VPCD_PORTS[_reader(k)])}"',
        "[printer]", f'profile = "{profile}"', f"transport = {transport}",
        "[receipt]", 'profile = "receipt-80-203"',
        f'transport = {{ type = "tcp", host = "{rh}", port = {rp} }}',
        "[payment]", 'device = "simulated"',
        "[timeouts]", *(f"{key} = {value}" for key, value in timeouts.items()),
        "[staff]", f'pin_hash = "{hash_pin(STAFF_PIN, scheme="scrypt")}"',
        "max_attempts = 5", "lockout_seconds = 300.0",
        "[ui]", "resolution = [1280, 800]", "fullscreen = true",
        'languages = ["ja", "en", "zh", "ko", "pt", "vi"]',
        # Voice only where the scenario listens (voice-keypad): the others keep their timing.
        "[voice]", f"enabled = {'true' if k.person.resident.keypad else 'false'}",
        f'clips = "{REPO / "var" / "voice"}"',
        "[paths]", f'journal = "{k.dir / "journal.db"}"', f'logs = "{k.dir / "logs"}"',
    ]
    if k.scenario.report_seconds is not None:
        lines += ["[health]", f"report_seconds = {k.scenario.report_seconds}"]
    k.config = k.dir / "kiosk.toml"
    k.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return k.config


def _reader(k: KioskSetup) -> int:
    return k.index if k.person.reader is None else k.person.reader
