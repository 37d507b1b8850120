"""``PcscCard``: ``kiosk.devices.CardDevice`` over PC/SC and the JPKI AP (docs/card.md).

One PC/SC connection per card session: opened on the first read, closed (with a card reset, so a
verified PIN never outlives the transaction) by ``release()``.  Presence is watched by a
``card.pcsc.CardMonitor`` on the runner's card thread, which needs no connection to the card.

Every ``card.errors.CardError`` becomes a ``CardDeviceError`` with the flow's fault
(``kiosk.flow.faults``): a card taken away mid-read is ``card_removed``, a reader or pcscd that is gone
is ``reader_offline``, a card without the JPKI AP is ``card_unsupported``.  The PIN is never logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

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
JPKI_PIN_TRIES = 3  # the user-authentication PIN allows three tries (docs/jpki-card.md §5)


def card_fault(e: CardError) -> Fault:
    """The flow's fault for a card-layer error."""
    if isinstance(e, CardRemovedError | NoCardError):
        return Fault.CARD_REMOVED
    if isinstance(e, ReaderUnavailableError | PcscServiceError):
        return Fault.READER_OFFLINE
    if isinstance(e, NotJpkiCardError | FileNotFoundOnCardError):
        return Fault.CARD_UNSUPPORTED
    return Fault.CARD_UNREADABLE


class PcscCard:
    """The card in the first PC/SC reader whose name contains ``reader`` ("" = the first reader).

    :param transport_factory: opens a connection to the named reader (``PcscTransport``).
    """

    def __init__(self, reader: str = "", *,
                 transport_factory: Callable[[str], PcscTransport] = PcscTransport) -> None:
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
                    self._jpki = jpki
                return action(self._jpki)
            except CardError as e:
                fault = card_fault(e)
                if fault is Fault.CARD_UNREADABLE and self._gone():
                    # Taken away mid-APDU, the link may answer garbage before pcscd notices the
                    # removal: what the resident did was remove the card, so say that.
                    code = "card_removed"
                log.info("card %s failed: %s (%s)", what, e.code, code)
                if code in ("card_removed", "reader_offline"):
                    self._close()
                    if code == "reader_offline":
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
        self._transport, self._jpki = None, None

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
        return self._call("read", lambda j: j.read_auth_certificate())

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
            return PinCheck(True, JPKI_PIN_TRIES)

        return self._call("verify", verify)

    def sign_auth(self, digest: bytes) -> bytes:
        """Sign the 32-byte digest with the authentication key.  :raises CardDeviceError:."""
        return self._call("sign", lambda j: j.sign_sha256(digest))

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
