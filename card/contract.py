"""The card <-> kiosk contract: PIN tries and lengths, and the kinds of JPKI token and their rules.

Both the card package (virtual card, JPKI client) and the kiosk (flow, screens, adapters) import these
values instead of repeating them, so a change in the service (say, a phone with other PIN rules) has
one home.  Facts: docs/card.md (PINs; token labels); assumptions about the next-generation card live in
``card.nextgen``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from card import nextgen
from card.errors import UnknownTokenError, UnsupportedTokenError

__all__ = [
    "AUTH_PIN_LENGTH",
    "AUTH_PIN_TRIES",
    "CLASSIC_ATR",
    "CONTACTLESS_ATR",
    "SIGN_PASSWORD_MAX",
    "SIGN_PASSWORD_MIN",
    "SIGN_PASSWORD_TRIES",
    "TOKEN_LABELS",
    "KeyAlgorithm",
    "TokenKind",
    "TokenRules",
    "rules_for",
    "rules_for_label",
]

AUTH_PIN_TRIES = 3  # user-authentication PIN: locked after 3 wrong tries
AUTH_PIN_LENGTH = 4  # 4 digits
SIGN_PASSWORD_TRIES = 5  # signing password: locked after 5
SIGN_PASSWORD_MIN, SIGN_PASSWORD_MAX = 6, 16

CLASSIC_ATR = "3BE000FF8131FE4514"  # the one ATR OpenSC knows for JPKI (contact interface)
# A PC/SC part 3 ATR of an ISO 14443-4 token as a contactless reader builds it: 3B 8n 80 01, the
# historical bytes, TCK.  Ours has the 4 historical bytes "JPKI"; a real phone's are UNCONFIRMED.
CONTACTLESS_ATR = "3B8480014A504B491D"


class TokenKind(StrEnum):
    CARD = "card"  # My Number card 2016- (and the old 住基 card): RSA-2048, contact or NFC
    SMARTPHONE = "smartphone"  # Android スマホ用電子証明書 in the GP secure element, over NFC
    NEXTGEN = "nextgen"  # the announced next-generation card: ECDSA P-384 (card.nextgen)
    IPHONE = "iphone"  # iPhone (iOS 18.5+): label known, kiosk protocol unpublished -> refused


class KeyAlgorithm(StrEnum):
    RSA2048_SHA256 = "RSA-2048/SHA-256"
    ECDSA_P384_SHA384 = "ECDSA-P384/SHA-384"


@dataclass(frozen=True)
class TokenRules:
    """What a reader must do differently for one kind of token."""

    kind: TokenKind
    key_algorithm: KeyAlgorithm
    # The user-authentication certificate (EF 000A) is readable only after the PIN (EF 0018): phones.
    pin_before_certificate: bool
    contactless: bool
    # False: the label is known but the kiosk does not know how to talk to it (never guessed).
    supported: bool = True


_RULES = {
    TokenKind.CARD: TokenRules(TokenKind.CARD, KeyAlgorithm.RSA2048_SHA256, False, False),
    TokenKind.SMARTPHONE: TokenRules(TokenKind.SMARTPHONE, KeyAlgorithm.RSA2048_SHA256, True, True),
    TokenKind.NEXTGEN: TokenRules(TokenKind.NEXTGEN, KeyAlgorithm.ECDSA_P384_SHA384, False, False),
    TokenKind.IPHONE: TokenRules(TokenKind.IPHONE, KeyAlgorithm.RSA2048_SHA256, True, True, supported=False),
}

# EF 0006 labels.  JPKIAPICCTOKEN is the 住基 card's, JPKIAPICCTOKEN2 today's card, JPKIAPGPSETOKEN an
# Android secure element, JPKIAPIOSTOKEN an iPhone; the next-generation label is an assumption.
TOKEN_LABELS: dict[str, TokenKind] = {
    "JPKIAPICCTOKEN": TokenKind.CARD,
    "JPKIAPICCTOKEN2": TokenKind.CARD,
    "JPKIAPGPSETOKEN": TokenKind.SMARTPHONE,
    "JPKIAPIOSTOKEN": TokenKind.IPHONE,
    nextgen.TOKEN_LABEL: TokenKind.NEXTGEN,
}


def rules_for(kind: TokenKind | str) -> TokenRules:
    """:raises ValueError: not a token kind."""
    return _RULES[TokenKind(kind)]


def rules_for_label(label: str) -> TokenRules:
    """The rules of the token whose EF 0006 says ``label``.

    :raises UnknownTokenError: a label nobody has documented (never guessed from its prefix).
    :raises UnsupportedTokenError: a known token this kiosk cannot serve (the iPhone hook).
    """
    kind = TOKEN_LABELS.get(label)
    if kind is None:
        raise UnknownTokenError(label)
    rules = _RULES[kind]
    if not rules.supported:
        raise UnsupportedTokenError(label, kind.value)
    return rules
