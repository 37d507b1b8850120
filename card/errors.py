"""Typed errors of the card package.

Local misuse (``CardUsageError``) is kept apart from what the card or the reader did
(``CardError`` subclasses); every error has a stable ``code`` for screens and logs.

Tree::

    CardError
    ├── CardUsageError (ValueError)          we called the interface wrongly
    │   └── ApduError                        a C-APDU we were asked to build is impossible
    ├── ProfileError (ValueError)            a card profile file is bad
    ├── MalformedApduError                   bytes that are not a valid (C-/R-)APDU
    ├── CardProtocolError                    the card answered out of spec
    │   ├── StatusWordError(sw)              an unexpected status word
    │   │   ├── FileNotFoundOnCardError (6A82)
    │   │   └── SecurityStatusError (6982)
    │   ├── NotJpkiCardError                 no JPKI AP on this card
    │   ├── TokenError                       the token is not one this reader can serve
    │   │   ├── UnknownTokenError(label)     an EF 0006 label nobody documented
    │   │   ├── UnsupportedTokenError(label) a known token without a published kiosk protocol (iPhone)
    │   │   └── KeyAlgorithmError            the certificate's key is not the token's algorithm/curve
    │   ├── SignatureFormatError             a signature not in the token's wire format (DER for raw)
    │   └── CertificateFormatError           the certificate file is not a DER certificate
    ├── PinError
    │   ├── PinIncorrectError(tries_left)    63Cx, x > 0
    │   ├── PinBlockedError                  63C0 / 6983 / 6984
    │   └── PinFormatError (CardUsageError)  a PIN the card cannot accept (never sent)
    └── TransportError                       the link to the card
        ├── CardRemovedError                 the card left the reader mid-operation
        ├── NoCardError                      no card in the reader
        ├── ReaderUnavailableError           no such reader / reader gone
        ├── PcscServiceError                 pcscd not running / stopped
        ├── CardTimeoutError                 nothing happened in time
        └── VpcdLinkError                    the virtual card's link to vpcd
"""

from __future__ import annotations

__all__ = [
    "ApduError",
    "CardError",
    "CardProtocolError",
    "CardRemovedError",
    "CardTimeoutError",
    "CardUsageError",
    "CertificateFormatError",
    "FileNotFoundOnCardError",
    "KeyAlgorithmError",
    "MalformedApduError",
    "NoCardError",
    "NotJpkiCardError",
    "PcscServiceError",
    "PinBlockedError",
    "PinError",
    "PinFormatError",
    "PinIncorrectError",
    "ProfileError",
    "ReaderUnavailableError",
    "SecurityStatusError",
    "SignatureFormatError",
    "StatusWordError",
    "TokenError",
    "TransportError",
    "UnknownTokenError",
    "UnsupportedTokenError",
    "VpcdLinkError",
]


class CardError(Exception):
    """Root of everything the card package raises."""

    code = "card_error"


class CardUsageError(CardError, ValueError):
    """The caller asked for something the card interface cannot do (a bug on our side)."""

    code = "card_usage"


class ApduError(CardUsageError):
    """A command APDU with impossible fields (e.g. Lc > 65535, CLA out of range)."""

    code = "apdu_invalid"


class ProfileError(CardError, ValueError):
    """A card profile file is missing a key or has a value of the wrong shape."""

    code = "card_profile"


class MalformedApduError(CardError, ValueError):
    """Bytes received that do not parse as an APDU (ISO 7816-3 §12.1 cases 1-4)."""

    code = "apdu_malformed"


class CardProtocolError(CardError):
    """The card answered something the JPKI interface does not allow (docs/jpki-card.md §4/§7)."""

    code = "card_protocol"


class StatusWordError(CardProtocolError):
    """The card answered a status word the operation did not expect."""

    code = "card_status"

    def __init__(self, sw: int, message: str = "") -> None:
        self.sw = sw
        super().__init__(message or f"card answered SW {sw:04X}")


class FileNotFoundOnCardError(StatusWordError):
    """6A82: the application or file does not exist on this card."""

    code = "card_file_not_found"


class SecurityStatusError(StatusWordError):
    """6982: the file or key needs a VERIFY first."""

    code = "card_security_status"


class NotJpkiCardError(CardProtocolError):
    """The card has no JPKI application (SELECT AP did not answer 9000)."""

    code = "card_not_jpki"


class TokenError(CardProtocolError):
    """The token answered as JPKI, but it is not one this reader can serve."""

    code = "card_token"


class UnknownTokenError(TokenError):
    """EF 0006 holds a label that no documented token uses; the reader refuses rather than guess."""

    code = "card_token_unknown"

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"unknown JPKI token label {label!r}")


class UnsupportedTokenError(TokenError):
    """A documented token whose kiosk protocol is not published (the iPhone): refused, not guessed."""

    code = "card_token_unsupported"

    def __init__(self, label: str, kind: str) -> None:
        self.label, self.kind = label, kind
        super().__init__(f"JPKI token {label!r} ({kind}) is not supported by this reader")


class KeyAlgorithmError(TokenError):
    """The certificate's key does not match the token kind (e.g. RSA on nextgen, a curve other than P-384)."""

    code = "card_key_algorithm"


class SignatureFormatError(CardProtocolError):
    """A signature that is not in the token's wire format (e.g. DER where raw r||s is expected)."""

    code = "card_signature_format"


class CertificateFormatError(CardProtocolError):
    """A certificate file does not hold one DER certificate (must start 30 82, bounded size)."""

    code = "card_certificate_format"


class PinError(CardError):
    """Base of PIN outcomes that are not success."""

    code = "pin_error"


class PinIncorrectError(PinError):
    """63Cx: wrong PIN, ``tries_left`` attempts remain (x > 0)."""

    code = "pin_incorrect"

    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(f"PIN incorrect, {tries_left} tries left")


class PinBlockedError(PinError):
    """63C0 / 6983 / 6984: no tries left; only a municipal office can unblock (docs/jpki-card.md §5)."""

    code = "pin_blocked"

    def __init__(self, message: str = "PIN blocked") -> None:
        super().__init__(message)


class PinFormatError(PinError, CardUsageError):
    """The PIN has a format the card cannot accept; it was not sent and no try was spent."""

    code = "pin_format"


class TransportError(CardError):
    """The link between us and the card failed."""

    code = "card_transport"


class CardRemovedError(TransportError):
    """The card left the reader (or was reset by someone else) during an operation."""

    code = "card_removed"


class NoCardError(TransportError):
    """No card is present in the reader."""

    code = "card_absent"


class ReaderUnavailableError(TransportError):
    """The reader does not exist or went away."""

    code = "reader_unavailable"


class PcscServiceError(TransportError):
    """The PC/SC service (pcscd) is not running or stopped."""

    code = "pcsc_service"


class CardTimeoutError(TransportError):
    """Nothing happened within the allowed time."""

    code = "card_timeout"


class VpcdLinkError(TransportError):
    """The virtual card's socket to the vpcd driver failed or got a malformed frame."""

    code = "vpcd_link"
