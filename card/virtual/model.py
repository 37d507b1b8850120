"""A virtual My Number card: the JPKI AP as a pure APDU-in / APDU-out machine.

``VirtualJpkiCard.execute(apdu) -> bytes`` implements docs/jpki-card.md §1-§7 and the §11 checklist,
shaped like vsmartcard's ``SmartcardOS``: an ``ins -> handler`` table; handlers return
``(data, sw)`` or raise ``SwError``.  No sockets here (``vpcd.py`` is the link to pcscd).

Choices where the public sources are silent (docs/jpki-card.md "UNCONFIRMED"), following OpenSC:
unknown AIDs and FIDs answer 6A82; READ BINARY short at EOF answers the data with 6282 and past EOF
6B00; an empty VERIFY always answers 63Cx (63C0 when blocked: OpenSC's bind aborts on SW1 != 63);
a VERIFY with data on a blocked PIN answers 6984; SELECT AP and reset clear the security state;
signing without VERIFY answers 6982; CLA with secure-messaging bits answers 6882.

The token's kind (its label; card.contract) changes two things.  A smartphone serves EF 000A only after
the PIN of EF 0018 is verified, and answers 6982 before, as Android phones do.  A next-generation token
has P-384 keys and signs a 48-byte SHA-384 hash into a raw r‖s signature (every detail: card.nextgen).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from card import nextgen
from card.apdu import MAX_SHORT_NE, SW, CommandAPDU
from card.contract import (
    AUTH_PIN_LENGTH,
    AUTH_PIN_TRIES,
    SIGN_PASSWORD_MAX,
    SIGN_PASSWORD_MIN,
    SIGN_PASSWORD_TRIES,
    rules_for,
)
from card.errors import MalformedApduError
from card.jpki import JPKI_AID, SHA256_DIGEST_INFO_PREFIX, Ef
from card.keys import PrivateKey
from card.profile import CardProfile
from card.virtual.state import CardState, StateFile

__all__ = ["OTHER_AIDS", "SwError", "VirtualJpkiCard", "card_id"]

log = logging.getLogger(__name__)

# 券面事項入力補助 AP and 券面事項確認 AP (docs/jpki-card.md §2): selectable, no files served here.
OTHER_AIDS = (bytes.fromhex("D3921000310001010408"), bytes.fromhex("D3921000310001010402"))
# EFs that exist on real cards with unknown purpose (docs/jpki-card.md §3): selectable, not readable.
_OPAQUE_FIDS = (0x0005, 0x0009, 0x0010, 0x0016, 0x0019, 0x001C, 0x001E)
TOKEN_INFO_LEN = 160  # [MC]: a CK_TOKEN_INFO-like record
Secret = Literal["auth", "sign"]


class SwError(Exception):
    """Raised by a handler to answer a bare status word."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"SW {sw:04X}")
        self.sw = sw


@dataclass(frozen=True)
class _File:
    fid: int
    kind: Literal["binary", "pin", "key", "opaque"]
    content: bytes = b""
    needs: Secret | None = None  # VERIFY needed before READ (binary) or SIGN (key)
    secret: Secret | None = None  # for pin files: which secret it checks


def card_id(profile: CardProfile) -> str:
    """Stable id of a card for the state file: SHA-256 of its auth certificate DER."""
    der = profile.auth.cert().public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def _pad(text: str, size: int) -> bytes:
    return text.encode("ascii", "replace")[:size].ljust(size, b" ")


def token_info(label: str, serial: str) -> bytes:
    """EF 0006: label (32, space padded), manufacturer (32), model (16), serial (16), zeros."""
    body = _pad(label, 32) + _pad("J-LIS (virtual test card)", 32) + _pad("JPKIAP", 16) + _pad(serial, 16)
    return body.ljust(TOKEN_INFO_LEN, b"\x00")


def _pkcs1_type1(t: bytes, k: int) -> int:
    """EMSA-PKCS1-v1_5 block type 1 (RFC 8017 §9.2 step 5) as an integer."""
    ps = b"\xff" * (k - len(t) - 3)
    return int.from_bytes(b"\x00\x01" + ps + b"\x00" + t, "big")


def _raw_sign(key: rsa.RSAPrivateKey, t: bytes) -> bytes:
    """RSASP1 over the type-1 padded ``t`` using CRT (what the card's chip does for P1=00)."""
    if len(t) == 51 and t.startswith(SHA256_DIGEST_INFO_PREFIX):
        # Same bytes (PKCS#1 v1.5 is deterministic; a unit test checks it), ~10x faster than pow().
        return key.sign(t[19:], padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    n = key.private_numbers()
    k = (n.public_numbers.n.bit_length() + 7) // 8
    m = _pkcs1_type1(t, k)
    m1, m2 = pow(m, n.dmp1, n.p), pow(m, n.dmq1, n.q)
    s = m2 + ((n.iqmp * (m1 - m2)) % n.p) * n.q
    return s.to_bytes(k, "big")


class VirtualJpkiCard:
    """The JPKI AP of one virtual card, from a ``CardProfile``.

    :param state_file: where PIN counters persist; ``None`` keeps them in memory.
    :param max_response: if set, longer answers are served through 61xx + GET RESPONSE (T=0 style),
        which exercises the host's chaining.
    :raises card.errors.ProfileError: when the profile's keys or certificates do not load.
    """

    def __init__(self, profile: CardProfile, *, state_file: StateFile | None = None,
                 max_response: int | None = None) -> None:
        self.profile = profile
        self.atr = bytes.fromhex(profile.atr)
        self.card_id = card_id(profile)
        self._store = state_file
        self.state = state_file.load(self.card_id) if state_file else CardState()
        self._keys: dict[int, PrivateKey] = {
            Ef.AUTH_KEY: profile.auth.private_key(),
            Ef.SIGN_KEY: profile.sign.private_key(),
        }
        self.max_response = max_response
        self._files = self._build_files(profile)
        self._lock = threading.RLock()
        self._ap: bytes | None = None
        self._ef: _File | None = None
        self._verified: set[Secret] = set()
        self._pending = b""
        self._handlers: dict[int, Callable[[CommandAPDU], tuple[bytes, int]]] = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0x20: self._verify,
            0x24: self._change_reference_data,
            0x2A: self._perform_security_operation,
            0xC0: self._get_response,
        }
        self.reset()

    @staticmethod
    def _build_files(profile: CardProfile) -> dict[int, _File]:
        def der(cert: x509.Certificate) -> bytes:
            return cert.public_bytes(serialization.Encoding.DER)

        serial = f"{profile.auth.cert().serial_number:016X}"[-16:]
        kind = profile.kind
        # A phone keeps even the user-authentication certificate behind the PIN (card.contract).
        auth_cert_needs: Secret | None = "auth" if kind and rules_for(kind).pin_before_certificate else None
        files = [
            _File(Ef.SIGN_CERT, "binary", der(profile.sign.cert()), needs="sign"),
            _File(Ef.SIGN_CA_CERT, "binary", der(profile.sign.ca_cert())),
            _File(Ef.TOKEN_INFO, "binary", token_info(profile.token_label, serial)),
            _File(Ef.CERT_PRESENCE, "binary", bytes.fromhex("8F8F00")),
            _File(Ef.AUTH_CERT, "binary", der(profile.auth.cert()), needs=auth_cert_needs),
            _File(Ef.AUTH_CA_CERT, "binary", der(profile.auth.ca_cert())),
            _File(Ef.AUTH_KEY, "key", needs="auth"),
            _File(Ef.AUTH_PIN, "pin", secret="auth"),
            _File(Ef.SIGN_KEY, "key", needs="sign"),
            _File(Ef.SIGN_PASSWORD, "pin", secret="sign"),
            *(_File(fid, "opaque") for fid in _OPAQUE_FIDS),
        ]
        return {f.fid: f for f in files}

    # -- lifecycle ------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Cold or warm reset: nothing selected, no PIN verified (docs/jpki-card.md §11)."""
        with self._lock:
            self._ap, self._ef, self._verified, self._pending = None, None, set(), b""

    def tries_left(self, secret: Secret) -> int:
        return self.state.auth_tries_left if secret == "auth" else self.state.sign_tries_left

    # -- dispatch -------------------------------------------------------------------------------------
    def execute(self, apdu: bytes) -> bytes:
        """Answer one command APDU with a response APDU (data + SW1 SW2); never raises."""
        with self._lock:
            try:
                cmd = CommandAPDU.decode(apdu)
            except MalformedApduError:
                return SW.WRONG_LENGTH.to_bytes(2, "big")
            try:
                data, sw = self._dispatch(cmd)
            except SwError as exc:
                data, sw = b"", exc.sw
            return self._respond(cmd, data, sw)

    def transmit(self, apdu: bytes) -> bytes:
        """``execute`` under the ``CardTransport`` name: the card is usable in-process without PC/SC."""
        return self.execute(apdu)

    def _dispatch(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.cla & 0x0C:  # secure messaging indicated; the JPKI AP has none ([MC])
            raise SwError(SW.SM_NOT_SUPPORTED)
        handler = self._handlers.get(cmd.ins)
        if handler is None:
            raise SwError(SW.INS_NOT_SUPPORTED)
        if cmd.cla & 0x03:
            raise SwError(0x6881)  # logical channels not supported
        expected_cla = 0x80 if cmd.ins == 0x2A else 0x00
        if cmd.cla != expected_cla:
            raise SwError(SW.CLA_NOT_SUPPORTED)
        if cmd.ins != 0xC0:
            self._pending = b""
        return handler(cmd)

    def _respond(self, cmd: CommandAPDU, data: bytes, sw: int) -> bytes:
        if self.max_response is not None and len(data) > self.max_response and cmd.ins != 0xC0:
            self._pending = data[self.max_response :]
            data, sw = data[: self.max_response], 0x6100 | (min(len(self._pending), 256) & 0xFF)
        return data + sw.to_bytes(2, "big")

    def _get_response(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if not self._pending or cmd.p1 or cmd.p2:
            raise SwError(SW.CONDITIONS_NOT_SATISFIED if not self._pending else SW.WRONG_P1P2)
        ne = cmd.ne or MAX_SHORT_NE
        data, self._pending = self._pending[:ne], self._pending[ne:]
        if self._pending:
            return data, 0x6100 | (min(len(self._pending), 256) & 0xFF)
        return data, SW.OK

    # -- SELECT ---------------------------------------------------------------------------------------
    def _select(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.p2 not in (0x0C, 0x00):  # 0C: no FCI (docs/jpki-card.md §2); 00 answered the same way
            raise SwError(SW.WRONG_P1P2_FUNC)
        if not cmd.data:
            raise SwError(SW.WRONG_LENGTH)
        if cmd.p1 == 0x04:
            return self._select_aid(cmd.data)
        if cmd.p1 == 0x02:
            return self._select_ef(cmd.data)
        if cmd.p1 in (0x00, 0x01, 0x08, 0x09):
            # Selection from the MF / by path: OpenSC never sends it for JPKI (§7); nothing to find.
            raise SwError(SW.FILE_NOT_FOUND)
        raise SwError(SW.WRONG_P1P2_FUNC)

    def _select_aid(self, aid: bytes) -> tuple[bytes, int]:
        if aid != JPKI_AID and aid not in OTHER_AIDS:
            # Other drivers probe their own AIDs first; 9000 here would make us MUSCLE (§1).
            raise SwError(SW.FILE_NOT_FOUND)
        self._ap, self._ef, self._verified = aid, None, set()
        return b"", SW.OK

    def _select_ef(self, fid_bytes: bytes) -> tuple[bytes, int]:
        if len(fid_bytes) != 2:
            raise SwError(SW.WRONG_LENGTH)
        file = self._files.get(int.from_bytes(fid_bytes, "big")) if self._ap == JPKI_AID else None
        if file is None:
            raise SwError(SW.FILE_NOT_FOUND)
        self._ef = file
        return b"", SW.OK

    def _by_sfi_or_current(self, p: int) -> _File:
        """P2 (VERIFY, PSO) or P1 (READ BINARY) = 80 means the current EF, 80|SFI names one."""
        if p == 0x80:
            if self._ef is None:
                raise SwError(SW.COMMAND_NOT_ALLOWED)
            return self._ef
        file = self._files.get(p & 0x1F) if self._ap == JPKI_AID and p & 0xE0 == 0x80 else None
        if file is None:
            raise SwError(SW.FILE_NOT_FOUND if p & 0xE0 == 0x80 else SW.WRONG_P1P2_FUNC)
        self._ef = file
        return file

    # -- READ BINARY ----------------------------------------------------------------------------------
    def _read_binary(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.data or cmd.ne is None:
            raise SwError(SW.WRONG_LENGTH)
        if cmd.p1 & 0x80:  # short EF identifier in P1, 8-bit offset in P2 (ISO 7816-4 §7.2.3)
            if cmd.p1 & 0x60:
                raise SwError(SW.WRONG_P1P2_FUNC)
            file, offset = self._by_sfi_or_current(cmd.p1), cmd.p2
        else:
            if self._ef is None:
                raise SwError(SW.COMMAND_NOT_ALLOWED)
            file, offset = self._ef, (cmd.p1 << 8) | cmd.p2
        if file.kind != "binary":
            raise SwError(SW.SECURITY_STATUS if file.kind == "opaque" else SW.INCOMPATIBLE_FILE)
        if file.needs is not None and file.needs not in self._verified:
            # Logged (no data) so a test harness can tell the token refused, not the reader.
            log.info("virtual card: READ BINARY of EF %04X refused before VERIFY (6982)", file.fid)
            raise SwError(SW.SECURITY_STATUS)
        if offset >= len(file.content):
            raise SwError(SW.WRONG_P1P2)
        chunk = file.content[offset : offset + cmd.ne]
        return chunk, SW.OK if len(chunk) == cmd.ne else SW.END_OF_FILE

    # -- VERIFY / CHANGE REFERENCE DATA -------------------------------------------------------------------
    def _pin_file(self, cmd: CommandAPDU) -> _File:
        file = self._by_sfi_or_current(cmd.p2)
        if file.kind != "pin" or file.secret is None:
            raise SwError(SW.COMMAND_NOT_ALLOWED)
        return file

    def _expected(self, secret: Secret) -> str:
        if secret == "auth":
            return self.state.auth_pin or self.profile.pin
        return self.state.sign_password or self.profile.sign_password

    def _set_tries(self, secret: Secret, value: int) -> None:
        attr = "auth_tries_left" if secret == "auth" else "sign_tries_left"
        if getattr(self.state, attr) != value:
            setattr(self.state, attr, value)
            self._persist()

    def _persist(self) -> None:
        if self._store is not None:
            self._store.save(self.card_id, self.state)

    @staticmethod
    def _valid_format(secret: Secret, value: bytes) -> bool:
        if secret == "auth":
            return len(value) == AUTH_PIN_LENGTH and value.isdigit()
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return SIGN_PASSWORD_MIN <= len(value) <= SIGN_PASSWORD_MAX and all(c in alphabet for c in value)

    def _verify(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.p1 != 0x00:
            raise SwError(SW.WRONG_P1P2_FUNC)
        secret = self._pin_file(cmd).secret
        assert secret is not None
        tries = self.tries_left(secret)
        if not cmd.data:
            return b"", 0x63C0 | tries  # retry counter query, costs nothing (docs/jpki-card.md §4)
        if tries == 0:
            raise SwError(SW.REF_DATA_UNUSABLE)  # later VERIFYs on a blocked PIN (§5)
        max_len = AUTH_PIN_LENGTH if secret == "auth" else SIGN_PASSWORD_MAX
        if not 1 <= len(cmd.data) <= max_len or (secret == "sign" and len(cmd.data) < SIGN_PASSWORD_MIN):
            raise SwError(SW.WRONG_LENGTH)
        if cmd.data == self._expected(secret).encode("ascii"):
            self._set_tries(secret, AUTH_PIN_TRIES if secret == "auth" else SIGN_PASSWORD_TRIES)
            self._verified.add(secret)
            return b"", SW.OK
        self._verified.discard(secret)
        self._set_tries(secret, tries - 1)
        log.info("virtual card: wrong %s secret, %d tries left", secret, tries - 1)
        return b"", 0x63C0 | (tries - 1)

    def _change_reference_data(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.p1 != 0x01:  # 01: new value only, after a successful VERIFY (docs/jpki-card.md §4)
            raise SwError(SW.WRONG_P1P2_FUNC)
        secret = self._pin_file(cmd).secret
        assert secret is not None
        if secret not in self._verified:
            raise SwError(SW.SECURITY_STATUS)
        if not self._valid_format(secret, cmd.data):
            raise SwError(SW.WRONG_DATA)
        value = cmd.data.decode("ascii")
        if secret == "auth":
            self.state.auth_pin = value
        else:
            self.state.sign_password = value
        self._persist()
        return b"", SW.OK

    # -- PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE --------------------------------------------
    def _perform_security_operation(self, cmd: CommandAPDU) -> tuple[bytes, int]:
        if cmd.p1 > 0x05:
            raise SwError(SW.WRONG_P1P2_FUNC)
        if cmd.p2 != 0x80 and cmd.p2 not in (0x80 | Ef.AUTH_KEY, 0x80 | Ef.SIGN_KEY):
            raise SwError(SW.WRONG_P1P2_FUNC)
        key_file = self._by_sfi_or_current(cmd.p2)
        if key_file.kind != "key" or key_file.needs is None:
            raise SwError(SW.CONDITIONS_NOT_SATISFIED)
        if key_file.needs not in self._verified:
            raise SwError(SW.SECURITY_STATUS)
        if cmd.ne is not None and cmd.ne < 256:
            raise SwError(SW.WRONG_LENGTH)
        key = self._keys[key_file.fid]
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return self._sign_ecdsa(key, cmd.p1, cmd.data), SW.OK
        return self._sign(key, cmd.p1, cmd.data), SW.OK

    @staticmethod
    def _sign_ecdsa(key: ec.EllipticCurvePrivateKey, mode: int, data: bytes) -> bytes:
        """Next-generation signing as card.nextgen assumes it: the hash as given, raw low-s r‖s."""
        if mode != nextgen.SIGN_P1:
            raise SwError(SW.WRONG_P1P2_FUNC)
        if len(data) != nextgen.HASH_LEN:
            raise SwError(SW.WRONG_LENGTH)
        der = key.sign(data, ec.ECDSA(utils.Prehashed(nextgen.HASH)))
        return nextgen.der_to_raw(der)

    @staticmethod
    def _sign(key: rsa.RSAPrivateKey, mode: int, data: bytes) -> bytes:
        """The six P1 modes a real card accepts (docs/jpki-card.md §4 table, [MC])."""
        if mode == 0x00:  # caller's bytes (a DigestInfo), PKCS#1 v1.5 type 1
            if not 1 <= len(data) <= 245:
                raise SwError(SW.WRONG_LENGTH)
            return _raw_sign(key, data)
        if not data:
            raise SwError(SW.WRONG_LENGTH)
        if mode in (0x02, 0x04) and len(data) != 32:
            raise SwError(SW.WRONG_LENGTH)
        digest = data if mode in (0x02, 0x04) else hashlib.sha256(data).digest()
        if mode == 0x01:  # bare hash, no DigestInfo
            return _raw_sign(key, digest)
        if mode in (0x02, 0x03):
            return _raw_sign(key, SHA256_DIGEST_INFO_PREFIX + digest)
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return key.sign(digest, pss, utils.Prehashed(hashes.SHA256()))
