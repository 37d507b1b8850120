"""State-recording fakes for the runner tests: a card, a printer, and a small center that speaks
API v1 JSON to the real ``CenterClient`` through ``httpx.MockTransport``.

The integration tests (lead) replace them with the virtual card over pcscd, the printer emulator and
the center stub over mutual TLS.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from unit.kiosk.flowkit import RAW_MUNICIPALITIES

from kiosk.center_client import CenterClient
from kiosk.devices import CardDeviceError, DeviceStatus, PinCheck, PrinterDeviceError
from kiosk.flow.auth import auth_digest

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeCard:
    """A JPKI card: PIN with a try counter, signs with an RSA key (PKCS#1 v1.5 over SHA-256)."""

    pin: str = "1234"
    tries: int = 3
    present_now: bool = False
    certificate: bytes = b"\x30\x82fake-cert"
    verified: bool = False
    log: list[str] = field(default_factory=list)

    def present(self) -> bool:
        return self.present_now

    def read_auth_certificate(self) -> bytes:
        if not self.present_now:
            raise CardDeviceError("no card", "card_removed")
        self.log.append("read")
        return self.certificate

    def pin_tries_left(self) -> int:
        return self.tries

    def verify_pin(self, pin: str) -> PinCheck:
        if self.tries == 0:
            return PinCheck(False, 0)
        if pin == self.pin:
            self.tries, self.verified = 3, True
            return PinCheck(True, 3)
        self.tries -= 1
        return PinCheck(False, self.tries)

    def sign_auth(self, digest: bytes) -> bytes:
        if not self.verified:
            raise CardDeviceError("security status not satisfied", "card_unreadable")
        self.log.append("sign")
        return _KEY.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))

    def release(self) -> None:
        self.verified = False
        self.log.append("release")


@dataclass
class FakePrinter:
    fail_at_page: int | None = None
    fault: str = "printer_paper_end"
    state: DeviceStatus = DeviceStatus.OK
    printed: list[Mapping[str, object]] = field(default_factory=list)
    gate: threading.Event | None = None  # when set, each page waits for it (to test aborts)

    def print_documents(self, documents: Sequence[Mapping[str, object]], on_page: Callable[[int, int], None],
                        should_abort: Callable[[], bool]) -> int:
        total = len(documents)
        for i, doc in enumerate(documents, start=1):
            if self.gate is not None:
                self.gate.wait(5)
            if should_abort():
                raise PrinterDeviceError("aborted", "print_aborted", pages_done=i - 1)
            if self.fail_at_page == i:
                self.state = DeviceStatus.FAULT
                raise PrinterDeviceError("paper end", self.fault, pages_done=i - 1)
            self.printed.append(doc)
            on_page(i, total)
        return total

    def status(self) -> DeviceStatus:
        return self.state


@dataclass
class FakeReceipt:
    receipts: list[list[str]] = field(default_factory=list)

    def print_receipt(self, lines: Sequence[str]) -> None:
        self.receipts.append(list(lines))

    def status(self) -> DeviceStatus:
        return DeviceStatus.OK


@dataclass
class MiniCenter:
    """Just enough of API v1 for the runner: verifies the kiosk's signature, prices, issues once per
    Idempotency-Key, voids on ``failed``.  Set ``down`` to make it unreachable."""

    kiosk_id: str = "K0001"
    down: bool = False
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    completes: list[tuple[str, str, int]] = field(default_factory=list)
    issues: int = 0
    _challenges: dict[str, bytes] = field(default_factory=dict)

    def client(self) -> CenterClient:
        return CenterClient("https://center.test", self.kiosk_id, transport=httpx.MockTransport(self.handle),
                            retries=1, sleep=lambda s: None)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("down")
        body = json.loads(request.content or b"{}")
        path = request.url.path
        if path == "/v1/auth/challenge":
            cid = f"c-{len(self._challenges)}"
            self._challenges[cid] = bytes([len(self._challenges)]) * 32
            return httpx.Response(201, json={"challenge_id": cid, "expires_at": "t",
                                             "nonce": base64.b64encode(self._challenges[cid]).decode()})
        if path == "/v1/auth/response":
            nonce = self._challenges.pop(body["challenge_id"])
            digest = auth_digest(body["challenge_id"], self.kiosk_id, nonce)
            try:
                _KEY.public_key().verify(base64.b64decode(body["signature"]), digest, padding.PKCS1v15(),
                                         Prehashed(hashes.SHA256()))
            except Exception:
                return httpx.Response(401, json={"error": "signature_invalid", "message": "x"})
            return httpx.Response(201, json={"session_id": "s-1", "expires_at": "t",
                                             "municipalities": RAW_MUNICIPALITIES})
        if path == "/v1/orders":
            oid = f"o-{len(self.orders) + 1}"
            fee = {"juminhyo": 200, "kazei": 300}.get(body["certificate"], 200) * body["copies"]
            self.orders[oid] = {"fee": fee, "copies": body["copies"], "state": "ordered", "key": None}
            return httpx.Response(201, json={"order_id": oid, "fee_total": fee})
        if path.startswith("/v1/seals/"):
            return httpx.Response(404, json={"error": "seal_unknown", "message": "x"})
        oid = path.split("/")[3]
        order = self.orders[oid]
        if path.endswith("/issue"):
            if order["state"] == "ordered":
                self.issues += 1
                order.update(state="issued", key=request.headers["Idempotency-Key"])
            docs = [{"content": {"type": "juminhyo", "copy": i}, "seal": f"KJ1:{oid}:{i}"}
                    for i in range(order["copies"])]
            return httpx.Response(200, json={"order_id": oid, "documents": docs})
        if path.endswith("/complete"):
            self.completes.append((oid, body["result"], body["pages_printed"]))
            order["state"] = body["result"]
            return httpx.Response(200, json={"order_id": oid, "state": body["result"]})
        return httpx.Response(404, json={"error": "not_found", "message": "x"})
