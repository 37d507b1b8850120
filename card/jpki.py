"""JPKI application client over any ``transmit(bytes) -> bytes`` (docs/jpki-card.md §2-§7).

Sans-IO in the sense that matters: it builds APDUs and interprets responses; the bytes travel
through whatever transport it is given (PC/SC, the in-process virtual card, a recorder).  Every
answer that is out of spec becomes a typed ``CardError``; PINs are never logged (the transport's
logging redacts VERIFY data and this module logs no data fields).

Tokens differ (card.contract): read ``token_rules()`` first, from the label in EF 0006, and follow it.
A phone needs ``verify_pin`` before ``read_auth_certificate``; a next-generation card signs SHA-384 into
a raw r‖s ECDSA signature (card.nextgen).  ``sign_auth_message`` picks the right signature for the
token; ``key_algorithm_of`` checks that a certificate carries the key its token kind promises.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import IntEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from card import nextgen
from card.apdu import MAX_SHORT_NE, SW, CommandAPDU, ResponseAPDU
from card.contract import AUTH_PIN_LENGTH, KeyAlgorithm, TokenRules, rules_for_label
from card.errors import (
    CardProtocolError,
    CardUsageError,
    CertificateFormatError,
    FileNotFoundOnCardError,
    KeyAlgorithmError,
    MalformedApduError,
    NotJpkiCardError,
    PinBlockedError,
    PinFormatError,
    PinIncorrectError,
    SecurityStatusError,
    StatusWordError,
)
from card.transport import CardTransport, ChainingTransport, Transmit

__all__ = [
    "JPKI_AID",
    "SHA256_DIGEST_INFO_PREFIX",
    "Ef",
    "JpkiClient",
    "PinStatus",
    "key_algorithm_of",
    "sha256_digest_info",
]

log = logging.getLogger(__name__)

JPKI_AID = bytes.fromhex("D392F000260100000001")  # docs/jpki-card.md §2
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")  # §6
MAX_CERT_SIZE = 8192  # real JPKI certificates are ~1.2-1.9 kB; bound the read (style §11)
READ_CHUNK = 256  # OpenSC's default max_recv_size (docs/jpki-card.md §7)
TOKEN_LABEL_LEN = 32
MAX_SIGN_INPUT = 245  # PKCS#1 v1.5 with RSA-2048: k - 11 (docs/jpki-card.md §4 "1-245 B")


class Ef(IntEnum):
    """JPKI elementary files (docs/jpki-card.md §3)."""

    SIGN_CERT = 0x0001
    SIGN_CA_CERT = 0x0002
    TOKEN_INFO = 0x0006
    CERT_PRESENCE = 0x0008
    AUTH_CERT = 0x000A
    AUTH_CA_CERT = 0x000B
    AUTH_KEY = 0x0017
    AUTH_PIN = 0x0018
    SIGN_KEY = 0x001A
    SIGN_PASSWORD = 0x001B


@dataclass(frozen=True)
class PinStatus:
    """What an empty VERIFY told us, without spending a try (docs/jpki-card.md §4)."""

    tries_left: int
    verified: bool = False

    @property
    def blocked(self) -> bool:
        return self.tries_left == 0 and not self.verified


def sha256_digest_info(digest: bytes) -> bytes:
    """The DER DigestInfo for a SHA-256 hash (docs/jpki-card.md §6): 19-byte prefix + 32-byte hash.

    :raises card.errors.CardUsageError: when ``digest`` is not 32 bytes.
    """
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise CardUsageError("a SHA-256 digest is 32 bytes")
    return SHA256_DIGEST_INFO_PREFIX + digest


def key_algorithm_of(der: bytes) -> KeyAlgorithm:
    """The key algorithm of a DER certificate, when it is one a JPKI token may carry.

    :raises CertificateFormatError: not a certificate.
    :raises KeyAlgorithmError: RSA of another size, EC on a curve other than P-384, or anything else.
    """
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except ValueError as exc:
        raise CertificateFormatError("the certificate does not parse") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size != 2048:
            raise KeyAlgorithmError(f"RSA key of {key.key_size} bits, expected 2048")
        return KeyAlgorithm.RSA2048_SHA256
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name != nextgen.CURVE.name:
            raise KeyAlgorithmError(f"EC key on {key.curve.name}, expected {nextgen.CURVE.name}")
        return KeyAlgorithm.ECDSA_P384_SHA384
    raise KeyAlgorithmError(f"unexpected key type {type(key).__name__}")


def _raise_pin_sw(sw: int) -> None:
    """Map a VERIFY status word (ISO 7816-4 §7.5.6, OpenSC iso7816.c) to the typed outcome."""
    if sw == SW.OK:
        return
    if sw >> 8 == 0x63 and sw & 0xF0 == 0xC0:
        tries = sw & 0x0F
        if tries == 0:
            raise PinBlockedError("PIN blocked (no tries left)")
        raise PinIncorrectError(tries)
    if sw in (SW.AUTH_BLOCKED, SW.REF_DATA_UNUSABLE):
        raise PinBlockedError(f"PIN blocked (SW {sw:04X})")
    raise _sw_error(sw, "VERIFY")


def _sw_error(sw: int, what: str) -> StatusWordError:
    if sw == SW.FILE_NOT_FOUND:
        return FileNotFoundOnCardError(sw, f"{what}: file not found (6A82)")
    if sw == SW.SECURITY_STATUS:
        return SecurityStatusError(sw, f"{what}: security status not satisfied (6982)")
    if sw in (SW.AUTH_BLOCKED, SW.REF_DATA_UNUSABLE):
        return StatusWordError(sw, f"{what}: key or PIN blocked ({sw:04X})")
    return StatusWordError(sw, f"{what}: unexpected status {sw:04X}")


class JpkiClient:
    """The JPKI AP of a My Number card, over ``transport``.

    The transport is wrapped in ``ChainingTransport`` so 61xx/6Cxx are handled whatever the reader.
    """

    def __init__(self, transport: CardTransport | Transmit, *, max_cert_size: int = MAX_CERT_SIZE) -> None:
        self._transmit = ChainingTransport(transport).transmit
        self.max_cert_size = max_cert_size

    # -- plumbing -------------------------------------------------------------------------------------
    def _send(self, cmd: CommandAPDU) -> ResponseAPDU:
        raw = self._transmit(cmd.encode())
        try:
            return ResponseAPDU.decode(raw)
        except MalformedApduError as exc:
            raise CardProtocolError(f"invalid response to INS {cmd.ins:02X}") from exc

    def _expect_ok(self, cmd: CommandAPDU, what: str) -> ResponseAPDU:
        resp = self._send(cmd)
        if not resp.ok:
            raise _sw_error(resp.sw, what)
        return resp

    # -- selection ------------------------------------------------------------------------------------
    def select_ap(self) -> None:
        """SELECT the JPKI AP by AID, P2=0C (no FCI).  Also logs out (docs/jpki-card.md §5).

        :raises NotJpkiCardError: when the card has no JPKI AP.
        """
        resp = self._send(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, JPKI_AID))
        if not resp.ok:
            raise NotJpkiCardError(f"no JPKI application on this card (SW {resp.sw:04X})")

    def select_ef(self, fid: int) -> None:
        """SELECT an EF of the current AP by FID (``00 A4 02 0C 02 FID``).

        :raises FileNotFoundOnCardError: when the EF does not exist.
        :raises StatusWordError: on any other non-9000 answer.
        """
        self._expect_ok(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")), f"SELECT EF {fid:04X}")

    # -- reading --------------------------------------------------------------------------------------
    def read_binary(self, offset: int, length: int) -> bytes:
        """READ BINARY ``length`` bytes from ``offset`` of the current EF in 256-byte chunks.

        Stops early at end of file (short data, 6282 or 6B00), so the result can be shorter.

        :raises SecurityStatusError: 6982, the EF needs a VERIFY first.
        :raises StatusWordError: any other unexpected status word.
        :raises CardProtocolError: when the card returns more than asked.
        """
        out = bytearray()
        # Bounded: enough rounds for a card that answers in chunks as small as 32 bytes.
        for _ in range(length // 32 + 8):
            remaining = length - len(out)
            if remaining <= 0:
                break
            pos = offset + len(out)
            if pos > 0x7FFF:  # P1 bit 8 would switch to SFI addressing (ISO 7816-4 §7.2.3)
                raise CardProtocolError("READ BINARY offset beyond 7FFF")
            ne = min(READ_CHUNK, remaining)
            resp = self._send(CommandAPDU(0x00, 0xB0, pos >> 8, pos & 0xFF, ne=ne))
            if len(resp.data) > ne:
                raise CardProtocolError(f"READ BINARY returned {len(resp.data)} bytes for Le {ne}")
            if resp.sw == SW.WRONG_P1P2:  # offset past end of file
                break
            if resp.sw not in (SW.OK, SW.END_OF_FILE):
                raise _sw_error(resp.sw, "READ BINARY")
            out += resp.data
            if resp.sw == SW.END_OF_FILE or not resp.data:
                break
        return bytes(out)

    def read_certificate(self, fid: int) -> bytes:
        """Read a certificate EF with OpenSC's length rule (docs/jpki-card.md §7): read 4 bytes, which must
        be ``30 82 hi lo``; size = (hi<<8 | lo) + 4; then read the whole file in chunks.

        :raises CertificateFormatError: wrong header, oversize, or truncated file.
        :raises FileNotFoundOnCardError: the EF does not exist.
        :raises SecurityStatusError: the EF needs a VERIFY first (0001).
        """
        self.select_ef(fid)
        head = self.read_binary(0, 4)
        if len(head) < 4 or head[0] != 0x30 or head[1] != 0x82:
            raise CertificateFormatError(f"EF {fid:04X} does not start with a DER SEQUENCE 30 82")
        size = ((head[2] << 8) | head[3]) + 4
        if size > self.max_cert_size:
            raise CertificateFormatError(
                f"EF {fid:04X} certificate of {size} bytes exceeds {self.max_cert_size}")
        der = self.read_binary(0, size)
        if len(der) != size:
            raise CertificateFormatError(f"EF {fid:04X} is truncated ({len(der)} of {size} bytes)")
        return der

    def read_auth_certificate(self) -> bytes:
        """The user-authentication certificate, EF 000A (DER).

        :raises CertificateFormatError: see ``read_certificate``.
        """
        return self.read_certificate(Ef.AUTH_CERT)

    def read_auth_ca_certificate(self) -> bytes:
        """The user-authentication CA certificate, EF 000B (DER).

        :raises CertificateFormatError: see ``read_certificate``.
        """
        return self.read_certificate(Ef.AUTH_CA_CERT)

    def read_sign_ca_certificate(self) -> bytes:
        """The signing CA certificate, EF 0002 (DER).

        :raises CertificateFormatError: see ``read_certificate``.
        """
        return self.read_certificate(Ef.SIGN_CA_CERT)

    def read_sign_certificate(self) -> bytes:
        """The signing certificate, EF 0001; needs ``verify_sign_password`` first.

        :raises SecurityStatusError: when the signing password was not verified.
        """
        return self.read_certificate(Ef.SIGN_CERT)

    def token_label(self) -> str:
        """The token label: first 32 bytes of EF 0006, ASCII, space padded (docs/jpki-card.md §3).

        :raises CardProtocolError: when the file is shorter than 32 bytes or not ASCII.
        """
        self.select_ef(Ef.TOKEN_INFO)
        raw = self.read_binary(0, TOKEN_LABEL_LEN)
        if len(raw) != TOKEN_LABEL_LEN:
            raise CardProtocolError(f"token info is {len(raw)} bytes, expected at least 32")
        try:
            return raw.decode("ascii").rstrip(" \x00")
        except UnicodeDecodeError as exc:
            raise CardProtocolError("token label is not ASCII") from exc

    def token_rules(self) -> TokenRules:
        """The rules of this token, from its label (card.contract).

        :raises UnknownTokenError: a label no documented token uses (named in the error).
        :raises UnsupportedTokenError: a known token without a published kiosk protocol (iPhone).
        """
        return rules_for_label(self.token_label())

    def read_checked_auth_certificate(self, rules: TokenRules) -> bytes:
        """EF 000A, refused unless its key is the algorithm ``rules`` promise.

        :raises KeyAlgorithmError: the token's certificate carries another algorithm or curve.
        :raises SecurityStatusError: a phone whose PIN is not verified yet (6982).
        """
        der = self.read_auth_certificate()
        found = key_algorithm_of(der)
        if found is not rules.key_algorithm:
            raise KeyAlgorithmError(f"a {rules.kind.value} token must carry {rules.key_algorithm.value}, "
                                    f"its certificate has {found.value}")
        return der

    # -- PINs -----------------------------------------------------------------------------------------
    def pin_status(self, fid: int = Ef.AUTH_PIN) -> PinStatus:
        """Tries left on a PIN without spending one: an empty VERIFY answers 63Cx (docs/jpki-card.md §4).

        :raises StatusWordError: on anything but 63Cx / 9000 / blocked codes.
        """
        self.select_ef(fid)
        resp = self._send(CommandAPDU(0x00, 0x20, 0x00, 0x80))
        if resp.ok:
            return PinStatus(tries_left=-1, verified=True)
        if resp.sw1 == 0x63 and resp.sw2 & 0xF0 == 0xC0:
            return PinStatus(tries_left=resp.sw2 & 0x0F)
        if resp.sw in (SW.AUTH_BLOCKED, SW.REF_DATA_UNUSABLE):
            return PinStatus(tries_left=0)
        raise _sw_error(resp.sw, "PIN status")

    def _verify(self, fid: int, secret: bytes) -> None:
        self.select_ef(fid)
        resp = self._send(CommandAPDU(0x00, 0x20, 0x00, 0x80, secret))
        _raise_pin_sw(resp.sw)

    def verify_pin(self, pin: str) -> None:
        """VERIFY the 4-digit user-authentication PIN on EF 0018.

        :raises PinFormatError: not 4 ASCII digits (nothing sent, no try spent).
        :raises PinIncorrectError: wrong PIN; ``tries_left`` > 0.
        :raises PinBlockedError: 63C0 / 6983 / 6984.
        """
        if not (isinstance(pin, str) and len(pin) == AUTH_PIN_LENGTH and pin.isascii() and pin.isdigit()):
            raise PinFormatError("the PIN is 4 digits")
        self._verify(Ef.AUTH_PIN, pin.encode("ascii"))

    def verify_sign_password(self, password: str) -> None:
        """VERIFY the signing password (6-16 of A-Z 0-9) on EF 001B; upper-cased like myna does.

        :raises PinFormatError: wrong format (nothing sent).
        :raises PinIncorrectError: wrong password.
        :raises PinBlockedError: blocked.
        """
        pw = password.upper() if isinstance(password, str) else ""
        if not (6 <= len(pw) <= 16 and pw.isascii() and pw.isalnum()):
            raise PinFormatError("the signing password is 6-16 letters A-Z and digits")
        self._verify(Ef.SIGN_PASSWORD, pw.encode("ascii"))

    # -- signing --------------------------------------------------------------------------------------
    def sign(self, digest_info: bytes, key: int = Ef.AUTH_KEY) -> bytes:
        """Sign a DigestInfo with a key EF: SELECT key, ``80 2A 00 80 Lc DigestInfo 00``.

        The card applies PKCS#1 v1.5 type-1 padding (docs/jpki-card.md §6).

        :raises card.errors.CardUsageError: empty or too long input.
        :raises SecurityStatusError: the PIN was not verified (6982).
        :raises CardProtocolError: the signature is not 256 bytes.
        """
        if not 1 <= len(digest_info) <= MAX_SIGN_INPUT:
            raise CardUsageError(f"signature input must be 1..{MAX_SIGN_INPUT} bytes")
        self.select_ef(key)
        resp = self._expect_ok(CommandAPDU(0x80, 0x2A, 0x00, 0x80, digest_info, ne=MAX_SHORT_NE), "SIGN")
        if len(resp.data) != 256:
            raise CardProtocolError(f"signature of {len(resp.data)} bytes, expected 256 (RSA-2048)")
        return resp.data

    def sign_sha256(self, digest: bytes, key: int = Ef.AUTH_KEY) -> bytes:
        """Sign a 32-byte SHA-256 hash (the DigestInfo is built here).

        :raises card.errors.CardUsageError: when ``digest`` is not 32 bytes.
        :raises SecurityStatusError: the PIN was not verified.
        """
        return self.sign(sha256_digest_info(digest), key)

    def sign_ecdsa_sha384(self, digest: bytes, key: int = Ef.AUTH_KEY) -> bytes:
        """Sign a 48-byte SHA-384 hash on a next-generation token; the raw r‖s signature (card.nextgen).

        :raises card.errors.CardUsageError: when ``digest`` is not 48 bytes.
        :raises SecurityStatusError: the PIN was not verified.
        :raises SignatureFormatError: the token answered anything but 96 bytes (e.g. DER).
        """
        if len(digest) != nextgen.HASH_LEN:
            raise CardUsageError(f"a SHA-384 digest is {nextgen.HASH_LEN} bytes")
        self.select_ef(key)
        cmd = CommandAPDU(0x80, 0x2A, nextgen.SIGN_P1, 0x80, digest, ne=MAX_SHORT_NE)
        raw = self._expect_ok(cmd, "SIGN").data
        nextgen.raw_to_der(raw)  # raises SignatureFormatError on DER or a wrong length
        return raw

    def sign_auth_message(self, message: bytes, rules: TokenRules) -> bytes:
        """The user-authentication signature over ``message`` in the token's algorithm.

        RSA tokens: PKCS#1 v1.5 over SHA-256 (256 bytes).  Next-generation: ECDSA P-384 over SHA-384,
        raw r‖s (96 bytes).  The center verifies both over the same message.

        :raises SecurityStatusError: the PIN was not verified.
        :raises SignatureFormatError: the signature is not in the token's wire format.
        """
        if rules.key_algorithm is KeyAlgorithm.ECDSA_P384_SHA384:
            return self.sign_ecdsa_sha384(hashlib.sha384(message).digest())
        return self.sign_sha256(hashlib.sha256(message).digest())  # sign() checks the 256 bytes
