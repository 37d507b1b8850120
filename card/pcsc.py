"""PC/SC adapter (pyscard's ``smartcard.scard``, the thin layer over pcsc-lite's C API).

Three things: list readers, watch a reader for card insertion/removal (``CardMonitor``), and talk to
a card (``PcscTransport``, a ``CardTransport``).  Every PC/SC error code becomes a typed
``TransportError`` (``CardRemovedError``, ``NoCardError``, ``ReaderUnavailableError``,
``PcscServiceError``, ``CardTimeoutError``); nothing from pyscard escapes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from smartcard import scard

from card.errors import (
    CardRemovedError,
    CardTimeoutError,
    NoCardError,
    PcscServiceError,
    ReaderUnavailableError,
    TransportError,
)

__all__ = [
    "CardMonitor",
    "PcscContext",
    "PcscTransport",
    "ReaderState",
    "find_reader",
    "list_readers",
    "wait_for_card",
]

log = logging.getLogger(__name__)


def _u32(value: int) -> int:
    return value & 0xFFFFFFFF


_SERVICE = {_u32(scard.SCARD_E_NO_SERVICE), _u32(scard.SCARD_E_SERVICE_STOPPED),
            _u32(scard.SCARD_E_INVALID_HANDLE), _u32(scard.SCARD_E_NO_READERS_AVAILABLE)}
_READER = {_u32(scard.SCARD_E_UNKNOWN_READER), _u32(scard.SCARD_E_READER_UNAVAILABLE)}
_REMOVED = {_u32(scard.SCARD_W_REMOVED_CARD), _u32(scard.SCARD_W_RESET_CARD),
            _u32(scard.SCARD_W_UNPOWERED_CARD)}
_NO_CARD = {_u32(scard.SCARD_E_NO_SMARTCARD)}
_TIMEOUT = {_u32(scard.SCARD_E_TIMEOUT)}
_COMM = {_u32(scard.SCARD_E_NOT_TRANSACTED), _u32(scard.SCARD_F_COMM_ERROR),
         _u32(scard.SCARD_W_UNRESPONSIVE_CARD), _u32(scard.SCARD_E_COMM_DATA_LOST)}
OK = 0
# pcsc-lite's SCardStatus state bits (pcsclite.h); pyscard does not export them.
_SCARD_PRESENT = 0x0004


def _message(hresult: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(hresult))
    except Exception:
        return "PC/SC error"


def _error(hresult: int, what: str) -> TransportError:
    """The typed error for a PC/SC result code."""
    code = _u32(hresult)
    text = f"{what}: {_message(hresult)} (0x{code:08X})"
    if code in _SERVICE:
        if code == _u32(scard.SCARD_E_NO_READERS_AVAILABLE):
            return ReaderUnavailableError(text)
        return PcscServiceError(text)
    if code in _READER:
        return ReaderUnavailableError(text)
    if code in _REMOVED:
        return CardRemovedError(text)
    if code in _NO_CARD:
        return NoCardError(text)
    if code in _TIMEOUT:
        return CardTimeoutError(text)
    return TransportError(text)


class PcscContext:
    """An ``SCardEstablishContext`` handle; use as a context manager.

    :raises PcscServiceError: when pcscd is not running.
    """

    def __init__(self) -> None:
        hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != OK:
            raise _error(hresult, "cannot reach the PC/SC service (is pcscd running?)")
        self.handle: Any = ctx
        self._released = False

    def readers(self) -> list[str]:
        """Reader names known to pcscd (empty when there are none).

        :raises PcscServiceError: pcscd went away.
        """
        hresult, readers = scard.SCardListReaders(self.handle, [])
        if _u32(hresult) == _u32(scard.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if hresult != OK:
            raise _error(hresult, "cannot list readers")
        return list(readers)

    def cancel(self) -> None:
        """Make a blocking ``SCardGetStatusChange`` on this context return (from any thread)."""
        scard.SCardCancel(self.handle)

    def release(self) -> None:
        if not self._released:
            self._released = True
            scard.SCardReleaseContext(self.handle)

    def __enter__(self) -> PcscContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def list_readers() -> list[str]:
    """Names of all PC/SC readers.

    :raises PcscServiceError: when pcscd is not running.
    """
    with PcscContext() as ctx:
        return ctx.readers()


def find_reader(readers: list[str], substring: str | None) -> str:
    """The first reader whose name contains ``substring`` (case-insensitive); the first when ``None``.

    :raises ReaderUnavailableError: when none matches.
    """
    for name in readers:
        if substring is None or substring.lower() in name.lower():
            return name
    wanted = f" matching {substring!r}" if substring else ""
    raise ReaderUnavailableError(f"no PC/SC reader{wanted}")


@dataclass(frozen=True)
class ReaderState:
    """One observation of a reader: is a card present, and its ATR."""

    reader: str
    present: bool
    atr: bytes
    in_use: bool = False


def _state_of(reader: str, event_state: int, atr: list[int]) -> ReaderState:
    if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
        raise ReaderUnavailableError(f"reader {reader!r} is gone or unavailable")
    present = bool(event_state & scard.SCARD_STATE_PRESENT) and not event_state & scard.SCARD_STATE_MUTE
    return ReaderState(reader, present, bytes(atr) if present else b"",
                       bool(event_state & scard.SCARD_STATE_INUSE))


class CardMonitor:
    """Watches one reader for card insertion and removal.

    ``wait_for_change(timeout)`` blocks until the reader's state changes and returns the new state,
    or ``None`` on timeout or ``cancel()`` (callable from another thread, e.g. the UI's).
    """

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self._ctx = PcscContext()
        self._known = scard.SCARD_STATE_UNAWARE
        self._lock = threading.Lock()
        self._last: ReaderState | None = None

    def _status_change(self, timeout: float) -> ReaderState | None:
        ms = max(0, int(timeout * 1000))
        hresult, states = scard.SCardGetStatusChange(self._ctx.handle, ms, [(self.reader, self._known)])
        code = _u32(hresult)
        if code in (_u32(scard.SCARD_E_TIMEOUT), _u32(scard.SCARD_E_CANCELLED)):
            return None
        if hresult != OK:
            raise _error(hresult, f"cannot watch reader {self.reader!r}")
        _, event_state, atr = states[0]
        self._known = event_state & ~scard.SCARD_STATE_CHANGED
        state = _state_of(self.reader, event_state, atr)
        self._last = state
        return state

    def current(self) -> ReaderState:
        """The reader's state now.

        :raises ReaderUnavailableError: the reader is gone.
        :raises PcscServiceError: pcscd stopped.
        """
        with self._lock:
            self._known = scard.SCARD_STATE_UNAWARE
            state = self._status_change(0)
        if state is None:
            raise CardTimeoutError(f"no status for reader {self.reader!r}")
        return state

    def wait_for_change(self, timeout: float) -> ReaderState | None:
        """Block until the card is inserted or removed (``None`` after ``timeout`` s or ``cancel()``).

        :raises ReaderUnavailableError: the reader is gone.
        :raises PcscServiceError: pcscd stopped.
        """
        with self._lock:
            if self._last is None:
                self._status_change(0)
            before = self._last
            deadline = time.monotonic() + timeout
            while True:
                state = self._status_change(max(0.0, deadline - time.monotonic()))
                if state is None:
                    return None
                # pcsc-lite also reports changes of the event counter; only presence matters here.
                if before is None or state.present != before.present or state.atr != before.atr:
                    return state
                if time.monotonic() >= deadline:
                    return None

    def wait_for(self, present: bool, timeout: float) -> ReaderState:
        """Wait until a card is present (``present=True``) or absent.

        :raises CardTimeoutError: when it does not happen within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        state = self.current()
        while state.present != present:
            left = deadline - time.monotonic()
            nxt = self.wait_for_change(left) if left > 0 else None
            if nxt is None:
                what = "inserted" if present else "removed"
                raise CardTimeoutError(f"no card {what} in {self.reader!r} within {timeout:g} s")
            state = nxt
        return state

    def cancel(self) -> None:
        """Wake a ``wait_for_change`` in another thread; it returns ``None``."""
        self._ctx.cancel()

    def close(self) -> None:
        self._ctx.release()

    def __enter__(self) -> CardMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for_card(reader: str, timeout: float) -> ReaderState:
    """Block until a card is present in ``reader`` (returns at once if one is).

    :raises CardTimeoutError: no card within ``timeout`` seconds.
    :raises ReaderUnavailableError: the reader is gone.
    :raises PcscServiceError: pcscd is not running.
    """
    with CardMonitor(reader) as monitor:
        return monitor.wait_for(True, timeout)


class PcscTransport:
    """A connected card (T=1, shared) in ``reader``; ``transmit(bytes) -> bytes``.

    Disconnecting resets the card by default so no verified PIN outlives the session.

    :raises NoCardError: no card in the reader.
    :raises ReaderUnavailableError: no such reader.
    :raises PcscServiceError: pcscd not running.
    """

    def __init__(self, reader: str, *, protocol: int = scard.SCARD_PROTOCOL_T1,
                 reset_on_close: bool = True) -> None:
        self.reader = reader
        self._ctx = PcscContext()
        self._reset_on_close = reset_on_close
        self._lock = threading.Lock()
        self._card: Any = None
        try:
            hresult, hcard, active = scard.SCardConnect(
                self._ctx.handle, reader, scard.SCARD_SHARE_SHARED, protocol)
            if hresult != OK:
                raise _error(hresult, f"cannot connect to the card in {reader!r}")
            self._card, self._protocol = hcard, active
            self.atr = self._status()[1]
        except BaseException:
            self.close()
            raise

    def _status(self) -> tuple[int, bytes]:
        hresult, _reader, state, _protocol, atr = scard.SCardStatus(self._card)
        if hresult != OK:
            raise _error(hresult, "card status")
        return int(state), bytes(atr)

    def transmit(self, apdu: bytes) -> bytes:
        """Send a command APDU, return the response with SW1 SW2.

        :raises CardRemovedError: the card left the reader.
        :raises PcscServiceError: pcscd stopped.
        :raises TransportError: any other link failure.
        """
        with self._lock:
            if self._card is None:
                raise CardRemovedError("card connection already closed")
            hresult, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
            if hresult == OK:
                return bytes(response)
            if _u32(hresult) in _COMM:
                raise self._diagnose(hresult)
            raise _error(hresult, "transmit")

    def _diagnose(self, hresult: int) -> TransportError:
        """After a communication error, tell a removed card from a mute one (vpcd notices removal
        on its next presence poll, so look for up to a second)."""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                state, _ = self._status()
            except CardRemovedError as exc:
                return exc
            except TransportError:
                break
            if not state & _SCARD_PRESENT:
                return CardRemovedError("card removed during the operation")
            time.sleep(0.1)
        return _error(hresult, "transmit")

    def close(self) -> None:
        """Disconnect (resetting the card unless ``reset_on_close=False``) and release the context."""
        with self._lock:
            if self._card is not None:
                disposition = scard.SCARD_RESET_CARD if self._reset_on_close else scard.SCARD_LEAVE_CARD
                try:
                    hresult = scard.SCardDisconnect(self._card, disposition)
                except scard.error as exc:  # pyscard's own error type; the handle is gone either way
                    log.warning("disconnect failed: %s", type(exc).__name__)
                else:
                    if hresult != scard.SCARD_S_SUCCESS:
                        # The reset may not have happened: the PIN-verified state could survive on the
                        # card, so say so (the next session re-selects the AP, which clears it too).
                        log.warning("disconnect/reset failed: 0x%08X", hresult & 0xFFFFFFFF)
                self._card = None
            self._ctx.release()

    def __enter__(self) -> PcscTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
