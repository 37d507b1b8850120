"""``PcscCard``: ``kiosk.devices.CardDevice`` over PC/SC and the JPKI AP (docs/card.md).

One PC/SC connection per card session: opened on the first read, closed (with a card reset, so a
verified PIN never outlives the transaction) by ``release()``.  Presence is watched by a
``card.pcsc.CardMonitor`` on the runner's card thread, which needs no connection to the card.

Every ``card.errors.CardError`` becomes a ``CardDeviceError`` with the flow's fault
(``kiosk.flow.faults``): a card taken away mid-read is ``card_removed``, a reader or pcscd that is gone
is ``reader_offline``, a card without the JPKI AP or a token the kiosk does not know (unknown label,
unexpected key algorithm or curve, iPhone) is ``card_unsupported``.  The PIN is never logged.

Each token's rules come from its label (card.contract).  A smartphone keeps its certificate behind the
PIN: ``read_auth_certificate`` before ``verify_pin`` answers ``card_pin_required`` without sending the
read, and the flow asks the PIN first.  ``follow_token_rules=False`` (the HIL scenario
smartphone-pin-first) sends the read anyway, to prove that the token itself refuses it (6982), which
maps to the same code.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from card.contract import AUTH_PIN_TRIES, KeyAlgorithm, TokenRules
from card.errors import (
    CardError,
    CardRemovedError,
    FileNotFoundOnCardError,
    NoCardError,
    NotJpkiCardError,
    PcscServiceError,
    PinBlockedError,
    PinIncorrectError,
    ReaderUnavailableError,
    SecurityStatusError,
    SignatureFormatError,
    TokenError,
)
from card.jpki import JpkiClient
from card.pcsc import CardMonitor, PcscTransport, find_reader, list_readers
from kiosk.devices import CardDeviceError, PinCheck
from kiosk.flow.faults import Fault

__all__ = ["PcscCard", "card_fault"]

log = logging.getLogger(__name__)

T = TypeVar("T")
# vpcd and real readers report a removal on their next presence poll (about a second at most).
REMOVAL_GRACE = 1.0
JPKI_PIN_TRIES = AUTH_PIN_TRIES  # card.contract: the card <-> kiosk contract


def card_fault(e: CardError) -> Fault:
    """The flow's fault for a card-layer error."""
    if isinstance(e, CardRemovedError | NoCardError):
        return Fault.CARD_REMOVED
    if isinstance(e, ReaderUnavailableError | PcscServiceError):
        return Fault.READER_OFFLINE
    if isinstance(e, NotJpkiCardError | FileNotFoundOnCardError | TokenError | SignatureFormatError):
        return Fault.CARD_UNSUPPORTED
    if isinstance(e, SecurityStatusError):
        return Fault.CARD_PIN_REQUIRED
    return Fault.CARD_UNREADABLE


class PcscCard:
    """The card in the first PC/SC reader whose name contains ``reader`` ("" = the first reader).

    :param transport_factory: opens a connection to the named reader (``PcscTransport``).
    """

    def __init__(self, reader: str = "", *,
                 transport_factory: Callable[[str], PcscTransport] = PcscTransport,
                 follow_token_rules: bool = True) -> None:
        # Public so that a test harness (kiosk.hil smartphone-pin-first) can make a wired kiosk read
        # before the PIN and show that the token itself refuses it.
        self.follow_token_rules = follow_token_rules
        self._rules: TokenRules | None = None
        self._verified = False
        self._wanted = reader or None
        self._factory = transport_factory
        self._name: str | None = None
        self._transport: PcscTransport | None = None
        self._jpki: JpkiClient | None = None
        self._monitor: CardMonitor | None = None
        self._present: bool | None = None
        self._lock = threading.Lock()  # guards the connection (worker thread vs. release on wipe)

    # --- helpers ----------------------------------------------------------------------------------------

    def reader_name(self) -> str:
        """The PC/SC name of the configured reader.  :raises CardDeviceError: ``reader_offline``."""
        if self._name is None:
            try:
                self._name = find_reader(list_readers(), self._wanted)
            except CardError as e:
                raise CardDeviceError(f"card reader: {e.code}", Fault.READER_OFFLINE) from e
        return self._name

    def _call(self, what: str, action: Callable[[JpkiClient], T]) -> T:
        with self._lock:
            try:
                if self._jpki is None:
                    self._transport = self._factory(self.reader_name())
                    jpki = JpkiClient(self._transport)
                    jpki.select_ap()  # once per connection: every EF below lives in the JPKI AP
                    self._rules = jpki.token_rules()  # the label says which rules this token follows
                    self._jpki = jpki
                return action(self._jpki)
            except CardError as e:
                fault = card_fault(e)
                if fault is Fault.CARD_UNREADABLE and self._gone():
                    # Taken away mid-APDU, the link may answer garbage before pcscd notices the
                    # removal: what the resident did was remove the card, so say that.
                    fault = Fault.CARD_REMOVED
                log.info("card %s failed: %s (%s)", what, e.code, fault)
                if fault in (Fault.CARD_REMOVED, Fault.READER_OFFLINE):
                    self._close()
                    if fault is Fault.READER_OFFLINE:
                        self._name = None
                raise CardDeviceError(f"card {what}: {e.code}", fault) from e

    def _gone(self, within: float = REMOVAL_GRACE) -> bool:
        """Is the card off the reader (or does it leave within ``within`` s)?"""
        try:
            with CardMonitor(self.reader_name()) as monitor:
                monitor.wait_for(False, within)
        except (CardError, CardDeviceError):
            return False
        return True

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport, self._jpki, self._rules, self._verified = None, None, None, False

    # --- kiosk.devices.CardDevice ----------------------------------------------------------------------

    def present(self) -> bool:
        """Is a card on the reader?  :raises CardDeviceError: ``reader_offline``."""
        try:
            with CardMonitor(self.reader_name()) as monitor:
                return monitor.current().present
        except CardError as e:
            self._name = None
            raise CardDeviceError(f"card reader: {e.code}", Fault.READER_OFFLINE) from e

    def wait_for_change(self, present: bool | None, timeout: float) -> bool:
        """Block until presence differs from ``present`` or ``timeout`` s pass; the presence now.

        :raises CardDeviceError: ``reader_offline``.
        """
        try:
            if self._monitor is None:
                self._monitor = CardMonitor(self.reader_name())
                self._present = self._monitor.current().present
            if self._present is not None and present != self._present:
                return self._present
            state = self._monitor.wait_for_change(timeout)
            if state is not None:
                self._present = state.present
            return bool(self._present)
        except CardError as e:
            if self._monitor is not None:
                self._monitor.close()
            self._monitor, self._present, self._name = None, None, None
            raise CardDeviceError(f"card reader: {e.code}", Fault.READER_OFFLINE) from e

    def read_auth_certificate(self) -> bytes:
        """The user-authentication certificate (DER).  :raises CardDeviceError:."""
        def read(j: JpkiClient) -> bytes:
            rules = self._rules
            assert rules is not None  # set with the connection in _call
            if rules.pin_before_certificate and not self._verified and self.follow_token_rules:
                raise SecurityStatusError(0x6982, f"a {rules.kind.value} shows its certificate after the PIN")
            return j.read_checked_auth_certificate(rules)

        return self._call("read", read)

    def token_kind(self) -> str:
        """The kind of token on the reader (card.contract.TokenKind).  :raises CardDeviceError:."""
        def kind(j: JpkiClient) -> str:
            assert self._rules is not None
            return self._rules.kind.value

        return self._call("token", kind)

    def pin_tries_left(self) -> int:
        """Tries left of the user-authentication PIN.  :raises CardDeviceError:."""
        status = self._call("pin status", lambda j: j.pin_status())
        return JPKI_PIN_TRIES if status.verified else status.tries_left

    def verify_pin(self, pin: str) -> PinCheck:
        """VERIFY; a wrong PIN is a result.  :raises CardDeviceError: the card is gone or unreadable."""

        def verify(j: JpkiClient) -> PinCheck:
            try:
                j.verify_pin(pin)
            except PinIncorrectError as e:
                return PinCheck(False, e.tries_left)
            except PinBlockedError:
                return PinCheck(False, 0)
            self._verified = True
            return PinCheck(True, JPKI_PIN_TRIES)

        return self._call("verify", verify)

    def sign_auth(self, digest: bytes) -> bytes:
        """Sign the 32-byte digest with the authentication key.  :raises CardDeviceError:."""
        def sign(j: JpkiClient) -> bytes:
            if self._rules is not None and self._rules.key_algorithm is not KeyAlgorithm.RSA2048_SHA256:
                # A SHA-256 digest cannot make an ECDSA P-384/SHA-384 signature: sign_auth_message.
                raise TokenError(f"a {self._rules.kind.value} token signs the message, not a SHA-256 digest")
            return j.sign_sha256(digest)

        return self._call("sign", sign)

    def sign_auth_message(self, message: bytes) -> bytes:
        """Sign the domain-separated message in the token's own algorithm (RSA/SHA-256 or raw ECDSA
        P-384/SHA-384; card.jpki.JpkiClient.sign_auth_message).  :raises CardDeviceError:."""
        def sign(j: JpkiClient) -> bytes:
            assert self._rules is not None
            return j.sign_auth_message(message, self._rules)

        return self._call("sign", sign)

    def release(self) -> None:
        """Disconnect with a card reset: the PIN's verified state ends with the transaction."""
        with self._lock:
            self._close()

    def close(self) -> None:
        """Release the session and stop watching the reader."""
        self.release()
        if self._monitor is not None:
            self._monitor.cancel()
            self._monitor.close()
            self._monitor = None
