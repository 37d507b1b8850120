"""What the flow needs from the kiosk's config: timeouts, languages, limits (pure data).

``kiosk.config.KioskConfig.flow_settings()`` builds one from the config file; tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from card.contract import AUTH_PIN_LENGTH
from contracts.center import MAX_COPIES

__all__ = ["FlowSettings", "Timeouts"]


@dataclass(frozen=True)
class Timeouts:
    """Seconds.  Defaults are our choice (docs/domain.md §1: idle timeouts are UNCONFIRMED)."""

    idle_warn: float = 60.0  # no input on a resident screen → "続けますか?" warning
    idle_cancel: float = 20.0  # warning unanswered → transaction cancelled
    message: float = 30.0  # ERROR / PIN_LOCKED screens continue on their own
    card_read: float = 20.0  # READING watchdog
    center: float = 45.0  # AUTHENTICATING / ORDERING / ISSUING watchdog (above the client's retry budget)
    print_progress: float = 180.0  # PRINTING watchdog, restarted by every page (a page can take long)
    refund: float = 60.0  # REFUNDING watchdog
    take_documents: float = 30.0
    take_card_staff: float = 90.0  # card left on the reader this long → written prompt for staff, event
    thank_you: float = 5.0
    # The idle kiosk (ATTRACT, OUT_OF_SERVICE) polls its printers and cash device this often: a paper
    # end found there takes it out of service before a resident pays, a refill brings it back.
    device_check: float = 10.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"{name}: must be > 0")


@dataclass(frozen=True)
class FlowSettings:
    languages: tuple[str, ...] = ("ja", "en")
    # Per transaction: the center's maximum, so the kiosk never offers what the center would refuse.
    max_copies: int = MAX_COPIES
    pin_length: int = AUTH_PIN_LENGTH  # card.contract
    # What the cash device takes, shown on the payment screen (coins 10–500 yen, the 1,000-yen note).
    accepted_money: tuple[int, ...] = (10, 50, 100, 500, 1000)
    timeouts: Timeouts = Timeouts()
    # Closing time (Japan time) and the countdown before it (issue 18): from ``countdown_minutes``
    # before closing every screen says 「23:00終了・残りX分」, and from ``closing_margin`` seconds
    # before closing a new transaction is refused before the card is read.  The margin is what a
    # transaction needs (docs/kiosk-flow.md, issue 18 section): the slowest machine time measured
    # (bench/e2e.py, one page over a 115200-baud link: 95 s) plus about two minutes of a resident's
    # choices, PIN and payment, rounded up to 240 s.
    closing: tuple[int, int] = (23, 0)
    countdown_minutes: int = 15
    closing_margin: float = 240.0

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError("languages: at least one")
        if self.max_copies < 1:
            raise ValueError("max_copies: must be >= 1")
        if not (0 <= self.closing[0] <= 24 and 0 <= self.closing[1] < 60):
            raise ValueError("closing: (hour, minute) in Japan time")
        if self.countdown_minutes < 0 or self.closing_margin < 0:
            raise ValueError("countdown_minutes, closing_margin: must be >= 0")

    @property
    def default_language(self) -> str:
        return self.languages[0]
