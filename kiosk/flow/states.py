"""Where the transaction is: one ``State`` per screen.

The UI (``kiosk/ui/``) maps ``View.state`` to a screen and nothing else; the events that move the flow
between states are in ``kiosk.flow.events`` and what a screen shows in ``kiosk.flow.view``.
Names here are **stable**: the UI and the translations depend on them.  Extend, never rename.
"""

from __future__ import annotations

import enum

__all__ = ["State"]


class State(enum.Enum):
    """Where the transaction is.  One screen per state (the UI's only map)."""

    ATTRACT = "attract"  # idle loop, "touch to start"
    LANGUAGE = "language"
    NOTICE = "notice"  # hours, what can be issued, fees; Next = agree
    PLACE_CARD = "place_card"
    READING = "reading"  # "do not move the card"
    PIN = "pin"  # keypad; view.tries_left, view.message_key after a wrong PIN
    PIN_LOCKED = "pin_locked"  # what to do at the municipal office
    AUTHENTICATING = "authenticating"  # PIN ok, card signs, center checks the certificate
    MUNICIPALITY = "municipality"  # 住民登録地 / 本籍地
    CERTIFICATE = "certificate"
    WHOSE = "whose"  # 本人 / 世帯全員 / 世帯の一部
    MEMBERS = "members"  # 世帯の一部: check boxes of members (names shown, never logged)
    ITEMS = "items"  # 本籍・筆頭者, 世帯主・続柄, 個人番号 where allowed
    TAX_YEAR = "tax_year"
    COPIES = "copies"
    ORDERING = "ordering"  # waiting for the center to price the order
    CONFIRM = "confirm"  # fee shown; Confirm = pay
    PAYMENT = "payment"
    ISSUING = "issuing"
    PRINTING = "printing"
    REFUNDING = "refunding"  # something failed after payment: void + refund in progress
    TAKE_CARD = "take_card"  # alert until the card is removed
    TAKE_DOCUMENTS = "take_documents"  # certificate(s), receipt, change
    THANK_YOU = "thank_you"
    ERROR = "error"  # a refusal or fault, view.message_key says what and what to do
    OUT_OF_SERVICE = "out_of_service"  # view.message_key says why
    SERVICE_LOGIN = "service_login"  # staff PIN
    SERVICE_MENU = "service_menu"
