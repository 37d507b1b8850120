"""Sans-IO ISO/IEC 7816-4 APDU codec.

``CommandAPDU`` covers the four cases of ISO 7816-3 §12.1 (header only; header + Le; header + Lc +
data; header + Lc + data + Le) in short and extended length form.  ``ResponseAPDU`` is data plus the
two status bytes.  Status words are data: ``SW`` names the ones the JPKI interface uses
(docs/jpki-card.md §4, §7) and ``describe_sw`` turns any status word into a readable name for logs.

Nothing here does I/O; bytes in, objects out, and every malformed input raises a typed error
(``MalformedApduError`` for bytes received, ``ApduError`` for fields we were asked to encode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from card.errors import ApduError, MalformedApduError

__all__ = [
    "MAX_EXTENDED_NE",
    "MAX_SHORT_NE",
    "SW",
    "CommandAPDU",
    "ResponseAPDU",
    "describe_sw",
]

MAX_SHORT_LC = 255
MAX_SHORT_NE = 256  # Le byte 00 means 256 (ISO 7816-3 §12.1.3)
MAX_EXTENDED_LC = 65535
MAX_EXTENDED_NE = 65536  # Le bytes 0000 mean 65536


class SW(IntEnum):
    """Status words the JPKI interface names (ISO 7816-4 §5.1.3, docs/jpki-card.md §4/§7)."""

    OK = 0x9000
    END_OF_FILE = 0x6282  # end of file reached before reading Ne bytes
    VERIFY_FAILED = 0x63C0  # 63Cx: x tries left; 63C0 = none left
    MEMORY_FAILURE = 0x6581
    WRONG_LENGTH = 0x6700
    SM_NOT_SUPPORTED = 0x6882
    INCOMPATIBLE_FILE = 0x6981
    SECURITY_STATUS = 0x6982
    AUTH_BLOCKED = 0x6983
    REF_DATA_UNUSABLE = 0x6984
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED = 0x6986
    WRONG_DATA = 0x6A80
    FILE_NOT_FOUND = 0x6A82
    WRONG_P1P2_FUNC = 0x6A86
    REF_DATA_NOT_FOUND = 0x6A88
    WRONG_P1P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    UNKNOWN = 0x6F00


_SW_TEXT: dict[int, str] = {
    SW.OK: "success",
    SW.END_OF_FILE: "end of file reached before reading Ne bytes",
    SW.MEMORY_FAILURE: "memory failure",
    SW.WRONG_LENGTH: "wrong length",
    SW.SM_NOT_SUPPORTED: "secure messaging not supported",
    SW.INCOMPATIBLE_FILE: "command incompatible with file structure",
    SW.SECURITY_STATUS: "security status not satisfied",
    SW.AUTH_BLOCKED: "authentication method blocked",
    SW.REF_DATA_UNUSABLE: "reference data not usable",
    SW.CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW.COMMAND_NOT_ALLOWED: "command not allowed",
    SW.WRONG_DATA: "incorrect data field",
    SW.FILE_NOT_FOUND: "file or application not found",
    SW.WRONG_P1P2_FUNC: "incorrect P1-P2",
    SW.REF_DATA_NOT_FOUND: "referenced data not found",
    SW.WRONG_P1P2: "wrong parameters (offset outside the EF)",
    SW.INS_NOT_SUPPORTED: "instruction not supported",
    SW.CLA_NOT_SUPPORTED: "class not supported",
    SW.UNKNOWN: "no precise diagnosis",
}


def describe_sw(sw: int) -> str:
    """A short English name for a status word, including the 61xx/63Cx/6Cxx families.

    :raises ApduError: when ``sw`` is not a 16-bit value.
    """
    if not 0 <= sw <= 0xFFFF:
        raise ApduError(f"status word out of range: {sw!r}")
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return f"{sw2 or 256} more bytes available (GET RESPONSE)"
    if sw1 == 0x6C:
        return f"wrong Le, exact length is {sw2 or 256}"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} tries left"
    return _SW_TEXT.get(sw, "unknown status")


def _check_byte(name: str, value: int) -> None:
    if not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ApduError(f"{name} must be a byte, got {value!r}")


@dataclass(frozen=True)
class CommandAPDU:
    """A command APDU.

    ``ne`` is the number of response bytes expected (Nₑ): ``None`` when absent (cases 1 and 3),
    1..256 in short form (256 is encoded ``00``), up to 65536 in extended form.  ``extended`` says
    how it is encoded; it is forced to ``True`` when Lc or Nₑ do not fit the short form.

    :raises ApduError: when a field is out of range.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    # Not in repr: a VERIFY APDU's data is the PIN, and reprs end up in logs and test reports.
    data: bytes = field(default=b"", repr=False)
    ne: int | None = None
    extended: bool = False

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            _check_byte(name, getattr(self, name))
        if not isinstance(self.data, bytes):
            raise ApduError("data must be bytes")
        if len(self.data) > MAX_EXTENDED_LC:
            raise ApduError(f"Lc {len(self.data)} exceeds {MAX_EXTENDED_LC}")
        if self.ne is not None and not 1 <= self.ne <= MAX_EXTENDED_NE:
            raise ApduError(f"Ne must be 1..{MAX_EXTENDED_NE} or None, got {self.ne!r}")
        needs_extended = len(self.data) > MAX_SHORT_LC or (self.ne or 0) > MAX_SHORT_NE
        # Frozen, so normalise through object.__setattr__: the encoding is a function of the fields.
        # Case 1 has no length field, so it cannot be "extended".
        if self.case == 1:
            object.__setattr__(self, "extended", False)
        elif needs_extended and not self.extended:
            object.__setattr__(self, "extended", True)

    @property
    def case(self) -> int:
        """ISO 7816-3 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le)."""
        return 1 + (self.ne is not None) + 2 * bool(self.data)

    def encode(self) -> bytes:
        """The APDU as bytes (ISO 7816-3 §12.1.3)."""
        out = bytearray((self.cla, self.ins, self.p1, self.p2))
        if self.extended:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.ne is not None:
                le = (self.ne % MAX_EXTENDED_NE).to_bytes(2, "big")
                # Case 2E has its own leading 00; in case 4E it follows the extended Lc.
                out += le if self.data else b"\x00" + le
        else:
            if self.data:
                out += bytes((len(self.data),)) + self.data
            if self.ne is not None:
                out.append(self.ne % MAX_SHORT_NE)
        return bytes(out)

    @classmethod
    def decode(cls, raw: bytes) -> CommandAPDU:
        """Parse a command APDU.

        :raises MalformedApduError: when ``raw`` is not one of the four cases, short or extended.
        """
        n = len(raw)
        if n < 4:
            raise MalformedApduError(f"command APDU too short ({n} bytes)")
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, ne=body[0] or MAX_SHORT_NE)
        if body[0] != 0:
            return cls._decode_short(cla, ins, p1, p2, body)
        return cls._decode_extended(cla, ins, p1, p2, body)

    @classmethod
    def _decode_short(cls, cla: int, ins: int, p1: int, p2: int, body: bytes) -> CommandAPDU:
        lc = body[0]
        if len(body) == 1 + lc:
            return cls(cla, ins, p1, p2, body[1:])
        if len(body) == 2 + lc:
            return cls(cla, ins, p1, p2, body[1 : 1 + lc], ne=body[-1] or MAX_SHORT_NE)
        raise MalformedApduError(f"short Lc {lc} does not match body length {len(body) - 1}")

    @classmethod
    def _decode_extended(cls, cla: int, ins: int, p1: int, p2: int, body: bytes) -> CommandAPDU:
        if len(body) < 3:
            raise MalformedApduError("truncated extended length field")
        value = int.from_bytes(body[1:3], "big")
        if len(body) == 3:
            return cls(cla, ins, p1, p2, ne=value or MAX_EXTENDED_NE, extended=True)
        if value == 0:
            raise MalformedApduError("extended Lc of 0 with a body")
        if len(body) == 3 + value:
            return cls(cla, ins, p1, p2, body[3:], extended=True)
        if len(body) == 5 + value:
            le = int.from_bytes(body[-2:], "big")
            return cls(cla, ins, p1, p2, body[3 : 3 + value], ne=le or MAX_EXTENDED_NE, extended=True)
        raise MalformedApduError(f"extended Lc {value} does not match body length {len(body) - 3}")

    def with_ne(self, ne: int | None) -> CommandAPDU:
        """The same command with another expected length (used for 6Cxx resends)."""
        return CommandAPDU(self.cla, self.ins, self.p1, self.p2, self.data, ne, self.extended)


@dataclass(frozen=True)
class ResponseAPDU:
    """A response APDU: data and the status bytes SW1 SW2.

    :raises ApduError: when SW1/SW2 are not bytes or data is not bytes.
    """

    data: bytes
    sw1: int
    sw2: int

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes):
            raise ApduError("data must be bytes")
        _check_byte("sw1", self.sw1)
        _check_byte("sw2", self.sw2)

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW.OK

    def encode(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))

    @classmethod
    def decode(cls, raw: bytes) -> ResponseAPDU:
        """Split a response into data and status word.

        :raises MalformedApduError: when fewer than the two status bytes arrived.
        """
        if len(raw) < 2:
            raise MalformedApduError(f"response APDU too short ({len(raw)} bytes)")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    @classmethod
    def status(cls, sw: int, data: bytes = b"") -> ResponseAPDU:
        """A response with the 16-bit status word ``sw``.

        :raises ApduError: when ``sw`` is not 16-bit.
        """
        if not 0 <= sw <= 0xFFFF:
            raise ApduError(f"status word out of range: {sw!r}")
        return cls(data, sw >> 8, sw & 0xFF)

    def describe(self) -> str:
        return f"{self.sw:04X} {describe_sw(self.sw)}"
