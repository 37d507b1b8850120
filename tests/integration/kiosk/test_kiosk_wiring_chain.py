"""``kiosk.wiring`` end to end with REAL devices: the runner built from a config drives a virtual My
Number card through pcscd + vpcd, the center stub over mutual TLS, and the printer emulator over TCP and
over a pty (ESC/POS with status, flow control and abort), with the simulated cash acceptor.

Covered: a 住民票 printed with a QR seal that decodes from the emulator's PNG and verifies at the center
for that resident; the card taken away mid-transaction; paper running out mid-page after payment (order
voided at the center, money refunded, out of service until the printer is fixed); the center down.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fixtures.center import CenterData, CenterProcess
from fixtures.emulator import running_emulator
from fixtures.pcsc import PcscdHandle, VirtualCardHandle, serve_virtual_card

from card.virtual.vpcd import Throttle
from kiosk.config import KioskConfig, parse_config
from kiosk.flow import State
from kiosk.flow import events as evt
from kiosk.runtime import Runner
from kiosk.wiring import Wiring, build_wiring
from printer.emulator import Emulator
from server_stub.verify import decode_qr, verify_seal

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

STAFF_HASH = "pbkdf2_sha256$600000$+/x80HwYwB6KcpUgMzk9pA==$txBBVHlW3lSVpy8lZXt626CKpPuBKlcjZV2NGVS0SBE="


class Recorder:
    """Delegates to the real certificate printer and keeps what the center issued (to look the seals up)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.documents: list[Mapping[str, object]] = []

    def print_documents(self, documents: Sequence[Mapping[str, object]], on_page: Callable[[int, int], None],
                        should_abort: Callable[[], bool]) -> int:
        self.documents += documents
        return int(self.real.print_documents(documents, on_page, should_abort))

    def status(self) -> Any:
        return self.real.status()


@dataclass
class Rig:
    runner: Runner
    wiring: Wiring
    printer: Recorder
    emulator: Emulator
    receipts: Emulator
    card: VirtualCardHandle
    entry: dict[str, Any]
    center: CenterProcess
    data: CenterData

    def send(self, *events: evt.Event) -> None:
        for e in events:
            self.runner.submit(e)
            assert self.runner.wait_idle(30)

    def until(self, *states: State, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.runner.view.state not in states:
            assert time.monotonic() < deadline, self.runner.view
            self.runner.wait_idle(1)
            time.sleep(0.02)

    def to_payment(self) -> None:
        self.until(State.ATTRACT)
        self.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next())
        self.until(State.PIN)  # the card lies on the reader already: read at once
        self.send(evt.PinSubmitted(self.entry["pin"]))
        # A single municipality is no choice: the flow goes straight to its certificates (issue 18).
        self.until(State.MUNICIPALITY, State.CERTIFICATE)
        if self.runner.view.state is State.MUNICIPALITY:
            muni = next(c for c in self.runner.view.choices if c.key == self.entry["municipality"])
            self.send(evt.MunicipalityChosen(muni.key, muni.relation or "residence"))
        self.send(evt.CertificateChosen("juminhyo"), evt.WhoseChosen("self"), evt.OptionsChosen(frozenset()),
                  evt.CopiesChosen(1), evt.Confirm())
        assert self.runner.view.state is State.PAYMENT, self.runner.view

    def seal_status(self, index: int = 0) -> dict[str, Any]:
        seal = str(self.printer.documents[index]["seal"])
        return verify_seal(seal, self.data.path / "seal" / "public.pem", data=self.data.path,
                           content=dict(self.printer.documents[index]))


def _config(data: CenterData, center: CenterProcess, reader: str, printer: dict[str, Any],
            receipt: dict[str, Any], tmp: Path) -> KioskConfig:
    raw = {
        "kiosk": {"id": data.kiosks[0].kiosk_id, "store_name": "見本マート 見本駅前店"},
        "center": {"url": f"https://127.0.0.1:{center.port}", "data_dir": str(data.path), "retries": 0,
                   "connect_timeout": 2.0, "read_timeout": 10.0},
        "card": {"reader": reader},
        "printer": {"profile": "a4-thermal-203", "transport": printer},
        "receipt": {"profile": "receipt-80-203", "transport": receipt},
        "staff": {"pin_hash": STAFF_HASH},
        # Short message timeouts so a finished transaction is back on the attract loop quickly.
        "timeouts": {"message": 1.0, "take_documents": 1.0, "thank_you": 0.5},
        "paths": {"journal": "journal.db", "logs": "logs"},
    }
    return parse_config(raw, tmp)


@contextlib.contextmanager
def rig(data: CenterData, tmp: Path, link: str = "tcp", tags: tuple[str, ...] = (),
        throttle: Throttle | None = None) -> Iterator[Rig]:
    entry, profile = next((e, p) for e, p in data.plain_cards() if set(tags) <= set(e["tags"]))
    center = CenterProcess(data.path)
    try:
        tcp = link == "tcp"
        with serve_virtual_card(profile, throttle=throttle) as card, \
                running_emulator(tmp / "prints", "a4-thermal-203", tcp=tcp, pty=not tcp) as emu, \
                running_emulator(tmp / "receipts", "receipt-80-203") as rcpt:
            if link == "tcp":
                host, port = emu.tcp_address or ("", 0)
                transport: dict[str, Any] = {"type": "tcp", "host": host, "port": port}
            else:
                transport = {"type": "serial", "path": emu.pty_path, "baud": 115200}
            rhost, rport = rcpt.tcp_address or ("", 0)
            cfg = _config(data, center, card.reader, transport, {"type": "tcp", "host": rhost, "port": rport},
                          tmp)
            wiring = build_wiring(cfg, tick_seconds=0.1, health_seconds=0.5)
            runner = wiring.runner
            recorder = Recorder(runner.devices.printer)
            runner.devices = replace(runner.devices, printer=recorder)
            runner.start()
            try:
                yield Rig(runner, wiring, recorder, emu, rcpt, card, entry, center, data)
            finally:
                runner.stop()
                wiring.close()
    finally:
        center.stop()


@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_juminhyo_printed_with_a_seal_the_center_verifies(pcscd: PcscdHandle, center_data: CenterData,
                                                          tmp_path: Path, link: str) -> None:
    with rig(center_data, tmp_path, link) as r:
        r.to_payment()
        r.runner.devices.cash.insert(1000)  # type: ignore[attr-defined]
        r.until(State.TAKE_CARD, State.TAKE_DOCUMENTS, State.THANK_YOU, State.ATTRACT)
        pages = r.emulator.wait_pages(1)
        assert len(pages) >= 1 and not r.emulator.aborted()
        png = tmp_path / "prints" / "0001.png"
        seal = decode_qr(png)
        assert seal == r.printer.documents[0]["seal"]
        report = verify_seal(seal, center_data.path / "seal" / "public.pem", data=center_data.path,
                             content=dict(r.printer.documents[0]))
        assert report["valid"] and report["status"] == "valid", report
        assert report["content_digest"] == "match"
        # The seal names the resident the card belongs to (the center's registry id, not personal data).
        claims = report["claims"]
        assert r.entry["municipality"] in str(claims)
        # The receipt came out on the second printer, with no personal data, and the counters moved.
        receipt = r.receipts.wait_pages(1)
        text = "\n".join(receipt[0].text)
        assert "利用明細書" in text and "住民票" in text
        body = r.printer.documents[0]["content"]["body"]
        # No personal data: neither a resident's name nor the address appears anywhere in the text log.
        assert not any(str(p["name"]) in text for p in body["persons"])
        assert str(body["address"]) not in text and len(str(body["address"])) > 4
        assert not any(str(p["name"]).replace("　", "") in text.replace("　", "") for p in body["persons"])
        # Printed by printer.receipt: the issuing municipality, the full order id, every line in 48 columns.
        town = r.printer.documents[0]["content"]["municipality"]  # type: ignore[index]
        assert "ご利用明細書" in text and f"交付元　：{town['prefecture']}{town['name']}" in text
        assert re.search(r"^取引番号：O-[\w-]{20,}$", text, re.MULTILINE), text
        assert all(len(line.encode("cp932")) <= 48 for line in receipt[0].text[1:])
        r.card.remove()
        r.until(State.ATTRACT)
        (_day, counts), = r.wiring.counters.by_day()
        assert counts == {"juminhyo": 1}


def test_card_removed_mid_flow_cancels(pcscd: PcscdHandle, center_data: CenterData, tmp_path: Path) -> None:
    with rig(center_data, tmp_path) as r:
        r.until(State.ATTRACT)
        r.send(evt.Touch(), evt.ChooseLanguage("ja"), evt.Next())
        r.until(State.PIN)
        r.card.remove()
        r.until(State.ERROR, timeout=10)
        assert r.runner.view.message_key == "error.card_removed"
        r.send(evt.Next())
        r.until(State.ATTRACT)
        assert r.emulator.printed() == [] and r.runner.devices.cash.status().value == "ok"


def test_card_removed_mid_read_is_card_removed(pcscd: PcscdHandle, center_data: CenterData,
                                               tmp_path: Path) -> None:
    # A slow contactless link (200 ms per APDU): the certificate read takes a few seconds.
    with rig(center_data, tmp_path, throttle=Throttle(kbps=106, latency_ms=200)) as r:
        r.until(State.ATTRACT)
        r.send(evt.Touch(), evt.ChooseLanguage("ja"))
        r.runner.submit(evt.Next())
        r.until(State.READING, timeout=10)
        time.sleep(0.5)
        r.card.remove(wait=False)
        r.until(State.ERROR, timeout=20)
        assert r.runner.view.message_key == "error.card_removed", r.runner.view
        r.send(evt.Next())
        r.until(State.ATTRACT)


def test_paper_end_mid_page_voids_refunds_and_goes_out_of_service(pcscd: PcscdHandle, center_data: CenterData,
                                                                   tmp_path: Path) -> None:
    with rig(center_data, tmp_path, "pty") as r:
        r.to_payment()
        r.emulator.inject(after_bands=4, paper_end=True)
        cash = r.runner.devices.cash
        r.runner.devices.cash.insert(1000)  # type: ignore[attr-defined]
        r.until(State.ERROR, State.OUT_OF_SERVICE)
        assert r.emulator.printed() == [] and len(r.emulator.aborted()) == 1
        view = r.runner.view
        assert view.fee == 200 and view.refund == 200, view  # the fee back; the change went out already
        deadline = time.monotonic() + 20
        while r.seal_status()["status"] != "voided":
            assert time.monotonic() < deadline, r.seal_status()
            time.sleep(0.2)
        r.send(evt.Next())
        r.until(State.TAKE_CARD)
        r.card.remove()
        r.until(State.OUT_OF_SERVICE)
        assert r.runner.view.message_key == "oos.printer", r.runner.view
        time.sleep(1.0)  # several health checks: still out of service while the paper is out
        assert r.runner.view.state is State.OUT_OF_SERVICE
        r.emulator.set_state(paper_end=False)
        r.until(State.ATTRACT, timeout=15)
        assert cash.status().value == "ok"


def test_center_down_is_out_of_service(pcscd: PcscdHandle, center_data: CenterData, tmp_path: Path) -> None:
    with rig(center_data, tmp_path) as r:
        r.until(State.ATTRACT)
        r.center.stop()
        r.runner.check_devices()
        r.until(State.OUT_OF_SERVICE, timeout=20)
        assert r.runner.view.message_key is not None and "center" in r.runner.view.message_key


def test_service_backend_on_the_real_devices(pcscd: PcscdHandle, center_data: CenterData,
                                             tmp_path: Path) -> None:
    from kiosk.flow.staff import StaffGate
    from kiosk.service_menu import ServiceMenu

    with rig(center_data, tmp_path) as r:
        r.until(State.ATTRACT)
        menu = ServiceMenu(StaffGate(STAFF_HASH, 5, 300.0, time.monotonic), r.wiring, r.wiring.audit,
                           r.wiring.counters)
        lines = {s.device: s for s in menu.status()}
        assert [(d, lines[d].state, lines[d].detail) for d in ("reader", "printer", "payment")] == [
            ("reader", "ok", None), ("printer", "ok", None), ("payment", "ok", None)]
        center = lines["center"]
        assert center.state == "ok" and center.latency_ms is not None and center.latency_ms > 0
        r.emulator.set_state(paper_near_end=True)
        line = r.wiring.printer_line()
        assert (line.state, line.detail) == ("warning", "paper_near_end")
        assert menu.test_print().state == "ok"
        assert len(r.emulator.wait_pages(1)) == 1 and len(r.receipts.wait_pages(1)) == 1
        assert "ご利用明細書" in "\n".join(r.receipts.printed()[0].text)
        assert menu.test_reader().state == "ok"
        r.card.remove()
        assert (r.wiring.reader_line().state, r.wiring.reader_line().detail) == ("ok", "no_card")
        r.emulator.set_state(paper_end=True)
        assert (r.wiring.printer_line().state, r.wiring.printer_line().detail) == ("fault", "paper_end")
        r.runner.check_devices()
        r.until(State.OUT_OF_SERVICE, timeout=10)
        r.emulator.set_state(paper_end=False, paper_near_end=False)
        menu.paper_replenished()
        r.until(State.ATTRACT, timeout=10)
        actions = [e["action"] for e in r.wiring.audit.tail()]
        assert actions == ["test_print", "test_reader", "paper_replenished"]
