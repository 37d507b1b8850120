"""The transport seam: anything with ``transmit(apdu: bytes) -> bytes`` talks to a card.

``CardTransport`` is the Protocol (PC/SC, the in-process virtual card, a recording wrapper all fit).
``ChainingTransport`` adds the ISO 7816-4 response handling a T=0 reader or a card may demand
(§5.3.4 / docs/jpki-card.md §7: after 61xx a GET RESPONSE, after 6Cxx the command again with Le = xx),
bounded so a looping card cannot hang us.  ``MeteredTransport`` counts APDUs and bytes and logs
them with VERIFY/CHANGE data redacted: PINs never reach a log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from card.apdu import MAX_SHORT_NE, CommandAPDU, ResponseAPDU
from card.errors import CardProtocolError, MalformedApduError

__all__ = [
    "ApduStats",
    "CardTransport",
    "ChainingTransport",
    "MeteredTransport",
    "Transmit",
    "as_transmit",
    "redact_apdu",
]

log = logging.getLogger(__name__)

Transmit = Callable[[bytes], bytes]

# INS codes whose data field is a secret (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER).
_SECRET_INS = frozenset({0x20, 0x21, 0x24, 0x2C})
GET_RESPONSE_INS = 0xC0


class CardTransport(Protocol):
    """One APDU out, one response APDU (data + SW1 SW2) back."""

    def transmit(self, apdu: bytes) -> bytes:
        """Send ``apdu`` and return the response including the two status bytes.

        :raises card.errors.TransportError: when the link to the card fails.
        """
        ...


def as_transmit(target: CardTransport | Transmit) -> Transmit:
    """Accept either a transport object or a bare callable."""
    method = getattr(target, "transmit", None)
    if callable(method):
        return method  # type: ignore[no-any-return]
    if callable(target):
        return target
    raise TypeError("expected a CardTransport or a transmit callable")


def redact_apdu(apdu: bytes) -> str:
    """Hex of a command APDU with the data of PIN commands replaced by ``<n bytes redacted>``."""
    try:
        cmd = CommandAPDU.decode(apdu)
    except MalformedApduError:
        return f"{apdu[:4].hex(' ').upper()} <{max(len(apdu) - 4, 0)} bytes>"
    if cmd.ins in _SECRET_INS and cmd.data:
        head = apdu[:4].hex(" ").upper()
        return f"{head} Lc={len(cmd.data)} <{len(cmd.data)} bytes redacted>"
    return apdu.hex(" ").upper()


def _parse_response(raw: bytes) -> ResponseAPDU:
    try:
        return ResponseAPDU.decode(raw)
    except MalformedApduError as exc:
        raise CardProtocolError(f"card sent an invalid response: {exc}") from exc


class ChainingTransport:
    """Wraps a transmit callable; resolves 61xx (GET RESPONSE, chained) and 6Cxx (resend once).

    :param max_rounds: most GET RESPONSE commands for one APDU.
    :param max_bytes: most response data bytes accepted for one APDU.
    """

    def __init__(self, inner: CardTransport | Transmit, *, max_rounds: int = 64,
                 max_bytes: int = 65536) -> None:
        self._inner = as_transmit(inner)
        self.max_rounds = max_rounds
        self.max_bytes = max_bytes

    def transmit(self, apdu: bytes) -> bytes:
        """Send ``apdu``; return the complete response.

        :raises CardProtocolError: when the card answers garbage, loops, or sends too much.
        :raises card.errors.TransportError: from the inner transport.
        """
        resp = _parse_response(self._inner(apdu))
        if resp.sw1 == 0x6C:
            resp = self._resend_with_le(apdu, resp.sw2 or MAX_SHORT_NE)
        if resp.sw1 != 0x61:
            return resp.encode()
        return self._get_responses(apdu[0], resp).encode()

    def _resend_with_le(self, apdu: bytes, ne: int) -> ResponseAPDU:
        try:
            cmd = CommandAPDU.decode(apdu)
        except MalformedApduError as exc:
            raise CardProtocolError("card asked to resend an APDU that does not parse") from exc
        resp = _parse_response(self._inner(cmd.with_ne(ne).encode()))
        if resp.sw1 == 0x6C:
            raise CardProtocolError("card answered 6Cxx twice")
        return resp

    def _get_responses(self, cla: int, first: ResponseAPDU) -> ResponseAPDU:
        data = bytearray(first.data)
        resp = first
        for _ in range(self.max_rounds):
            if resp.sw1 != 0x61:
                return ResponseAPDU(bytes(data), resp.sw1, resp.sw2)
            # GET RESPONSE is an inter-industry command (ISO 7816-4 §7.6.1): CLA 0x, same channel.
            get_cla = 0x00 if cla & 0x80 else cla & 0x03
            get = CommandAPDU(get_cla, GET_RESPONSE_INS, 0, 0, ne=resp.sw2 or MAX_SHORT_NE)
            resp = _parse_response(self._inner(get.encode()))
            data += resp.data
            if len(data) > self.max_bytes:
                raise CardProtocolError(f"response longer than {self.max_bytes} bytes")
        if resp.sw1 == 0x61:
            raise CardProtocolError(f"card still had data after {self.max_rounds} GET RESPONSE")
        return ResponseAPDU(bytes(data), resp.sw1, resp.sw2)


@dataclass
class ApduStats:
    """What went over the link: commands and bytes each way (status bytes included)."""

    commands: int = 0
    bytes_out: int = 0
    bytes_in: int = 0

    def reset(self) -> None:
        self.commands = self.bytes_out = self.bytes_in = 0


class MeteredTransport:
    """Counts and logs (at DEBUG, secrets redacted) every APDU through ``inner``."""

    def __init__(self, inner: CardTransport | Transmit, stats: ApduStats | None = None) -> None:
        self._inner = as_transmit(inner)
        self.stats = stats or ApduStats()

    def transmit(self, apdu: bytes) -> bytes:
        """Send through the inner transport, counting.

        :raises card.errors.TransportError: from the inner transport.
        """
        self.stats.commands += 1
        self.stats.bytes_out += len(apdu)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("C-APDU %s", redact_apdu(apdu))
        resp = self._inner(apdu)
        self.stats.bytes_in += len(resp)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("R-APDU %d bytes, SW %s", max(len(resp) - 2, 0), resp[-2:].hex().upper())
        return resp
