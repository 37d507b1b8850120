"""The view: everything a screen shows, made anew by the flow after every event.

``kiosk.flow.view_builder.build_view`` builds it from the state and the context; the UI renders it and
decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.flow.events import Relation
from kiosk.flow.states import State

__all__ = ["Choice", "View"]



@dataclass(frozen=True)
class Choice:
    """One button of a selection screen."""

    key: str  # language code, municipality code, certificate type, option key, member id, year
    label_key: str | None = None  # message key to translate (certificates, options, whose)
    # A literal label from the center (municipality or member name): shown on screen, never in a log.
    label: str | None = field(default=None, repr=False)
    # The label's reading in kana (municipality and member names, issue 18); the screen shows it or
    # its romanisation.  Never in a log, like the label.
    reading: str | None = field(default=None, repr=False)
    available: bool = True
    reason_key: str | None = None  # why not (message key), shown under a greyed-out button
    fee: int | None = None  # yen per copy, where it applies
    selected: bool = False
    relation: Relation | None = None  # MUNICIPALITY: 住民登録地 / 本籍地


@dataclass(frozen=True)
class View:
    """Everything a screen shows.  Immutable; the flow makes a new one after every event."""

    state: State
    language: str = "ja"
    title_key: str | None = None  # the flow's title instead of the state's (PRINTING: no pages yet, aborting)
    message_key: str | None = None  # ERROR / OUT_OF_SERVICE / PIN_LOCKED / hints (e.g. pin.wrong)
    choices: tuple[Choice, ...] = ()
    multi_select: bool = False  # choices are check boxes (members, items) rather than buttons
    certificate: str | None = None  # chosen type (for headers on later screens)
    municipality: str | None = None  # chosen municipality's display name
    tries_left: int | None = None
    # What the PIN screen says about the lock, in order (message keys): the three-strike rule from the
    # start, the tries left, and before the last try the advice to stop and that the lock is shared.
    pin_notes: tuple[str, ...] = ()
    pin_digits: int = 0  # digits typed so far (masked ●●●●); the required length is pin_max
    pin_max: int = 4
    fee_per_copy: int | None = None
    fee: int | None = None  # total to pay
    copies: int = 1
    max_copies: int = 1
    tax_year: int | None = None
    # What the resident chose, for the confirm screen: the label key of whose entries are printed
    # (None when the certificate offers no choice), the chosen members' names (世帯の一部), and the
    # label keys of the items to show (None when the certificate has no items to choose).
    whose: str | None = None
    members: tuple[str, ...] = field(default=(), repr=False)  # names: never in a repr or a log
    items: tuple[str, ...] | None = None
    inserted: int = 0  # yen inserted so far
    due: int = 0  # yen still to insert on PAYMENT (「あと100円」)
    accepted: tuple[int, ...] = ()  # coins and notes the cash device takes, on PAYMENT
    paid: int = 0  # yen taken for the order (0 until the fee is reached)
    change: int = 0
    refund: int = 0  # yen returned after a failure or a cancel
    # What happened to the resident's money, in words, on every screen after money was taken or
    # inserted (ERROR, REFUNDING, TAKE_DOCUMENTS): ``money.*`` keys; None when no money moved.
    money_key: str | None = None
    pages_done: int = 0
    pages_total: int = 0
    page_now: int = 0  # PRINTING: the page coming out now (「2/3枚目」), 0 before the page count is known
    # PRINTING: the time left from the printer's measured rate, as a message key (``printing.left_seconds``
    # or ``printing.left_minutes``) and its value in that unit; None when no rate is known or the
    # estimate has run out (the screen then shows pages only: never a promise the printer cannot keep).
    print_left_key: str | None = None
    print_left: int | None = None
    can_cancel: bool = False
    can_back: bool = False
    warning: bool = False  # the inactivity warning is showing ("続けますか?")
    seconds_left: float | None = None  # until the warning (or, while warning, until cancel)
    sound: str | None = None  # a repeating voice/alert the screen should loop (take_card, ...)
    # The screen waits for staff (a refund that failed): no button for the resident, no timeout, and
    # the staff corner gesture opens the service menu here too.
    # Bands across every resident screen (message keys): the closing countdown 「23:00終了・残りX分」
    # (``closing_minutes``) and, from placing the card until printing ends, "keep the card on the reader".
    bands: tuple[str, ...] = ()
    closing_minutes: int | None = None
    staff_call: bool = False
    refund_owed: int = 0  # yen the cash device could not pay back
    reference: str | None = None  # short transaction reference staff read out (kiosk.flow.reference)
    failed_at: str | None = None  # "22:51", Japan time, when the refund failed
