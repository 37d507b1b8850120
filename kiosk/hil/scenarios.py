"""The built-in scenarios, as data (docs/hil.md §Scenarios).

A scenario names the residents it needs (by the tags of ``DIR/cards/index.json``), what each scripted
person wants (:class:`kiosk.hil.resident.Resident`), the interventions (``hooks``: at a screen, take
the card, empty the paper after N bytes, stop the center, cut the kiosk's power) and the outcome that
must come out (``expected``) plus the seal checks of what the printer printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.hil.resident import Resident

__all__ = ["SCENARIOS", "Person", "Scenario"]

# Tags that make a card refuse or a certificate unavailable (server_stub's edge cases).
REFUSING = ("revoked", "expired", "moved-out", "support-measure", "deceased")
# The other tokens `server_stub init` makes (issue 11): only the scenarios that name them use them.
OTHER_TOKENS = ("smartphone", "nextgen", "old-ca", "expired-ca")


@dataclass(frozen=True)
class Person:
    """One kiosk with one resident in front of it."""

    tags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = (*REFUSING, *OTHER_TOKENS)
    skip: int = 0
    resident: Resident = field(default_factory=Resident)
    hooks: tuple[dict[str, Any], ...] = ()
    wrong_pins: int = 0  # wrong PINs typed before the right one (0..3)
    same_municipality: bool = False  # a resident of the first person's municipality
    municipality: str | None = None  # only a resident registered there
    card: bool = True  # False: no resident, no virtual card (the kiosk only watches its reader)
    reader: int | None = None  # which vpcd reader (index of VPCD_PORTS) it watches; None: its own


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    expected: str
    people: tuple[Person, ...] = (Person(),)
    now: str = "in_hours"  # or "outside_hours", "holiday": the center's clock
    seals: str = "valid"  # what the printed pages' seals must say: valid, voided, none
    voided_page: bool = False  # a whole page came out before the failure: its QR must read "voided"
    stay_seconds: float = 0.0  # after the transaction: wait for the kiosk to come back in service
    power_cut: bool = False  # the kiosk is SIGKILLed at the "kill" hook and restarted
    read_before_pin: bool = False  # the kiosk reads the certificate before the PIN whatever the token
    # The reading every printed person must carry, checked on the content the seal signed
    # (kiosk.hil.checks.check_content); None: not checked.
    furigana: str | None = None
    timeouts: dict[str, float] = field(default_factory=dict)
    printer: str = "escpos"  # "ipp": the certificate printer is ippeveprinter, two-sided (a4-laser-600)
    # Municipal issuance servers behind the center (kiosk/hil/tiers.py); empty: the one-process center.
    tiers: tuple[dict[str, Any], ...] = ()
    center_args: tuple[str, ...] = ()  # further ``serve`` options (e.g. the municipal deadline)
    ipp_plan: dict[str, Any] = field(default_factory=dict)  # its engine's plan (kiosk/hil/ipp_engine.py)
    # The operators' side (kiosk/hil/fleet.py): the ops console runs too and the run follows its steps.
    fleet: bool = False
    kiosk_offset: int = 0  # the first kiosk certificate of DIR/kiosks/index.json the run uses
    report_seconds: float | None = None  # the kiosks' health.report_seconds (None: the default)
    end_state: str | None = None  # where the idle kiosk must settle after the transaction (a state value)


def _one(name: str, summary: str, expected: str, *, seals: str = "valid", **person: Any) -> Scenario:
    return Scenario(name, summary, expected, people=(Person(**person),), seals=seals)


# Two copies: the paper ends in the middle of the second page (after 1.5 pages of raster bytes),
# so the first page comes out whole with its QR seal, which must then read "voided".
_PAPER_END_MID_PAGE = {"at": "CONFIRM", "printer": {"inject": {"after_pages": 1.5, "paper_end": True}}}

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    _one("happy-juminhyo", "住民票の写し (本人), paid, printed, sealed", "issued",
         exclude=(*REFUSING, "no-seal", "no-tax-return", "foreign")),
    _one("voice-keypad", "住民票 by keypad only, voice on: clips per screen, no PIN digit said",
         "issued", exclude=(*REFUSING, "no-seal", "no-tax-return", "foreign"),
         resident=Resident(keypad=True)),
    _one("happy-inkan", "印鑑登録証明書", "issued", exclude=(*REFUSING, "no-seal", "foreign"),
         resident=Resident(certificate="inkan")),
    _one("happy-kazei", "課税（所得）証明書, newest year", "issued",
         exclude=(*REFUSING, "no-tax-return", "foreign"), resident=Resident(certificate="kazei")),
    _one("happy-koseki", "戸籍全部事項証明書 at the 本籍地", "issued", tags=("honseki-registered",),
         resident=Resident(certificate="koseki", relation="honseki", whose="household")),
    _one("household-juminhyo", "住民票の写し of the whole household", "issued", tags=("household",),
         resident=Resident(whose="household")),
    _one("pin-retry", "two wrong PINs, then the right one", "issued", wrong_pins=2,
         exclude=(*REFUSING, "foreign")),
    _one("pin-lock", "three wrong PINs lock the card", "pin_locked", wrong_pins=3, seals="none",
         exclude=(*REFUSING, "foreign")),
    _one("revoked-card", "a revoked certificate is refused by the center", "error:error.certificate_revoked",
         tags=("revoked",), exclude=(), seals="none"),
    _one("moved-out", "a resident who moved out cannot get a 住民票", "refused:reason.moved_out",
         tags=("moved-out",), exclude=(), seals="none"),
    Scenario("outside-hours", "the center's clock is at 02:00: refused", "error:error.outside_hours",
             now="outside_hours", seals="none"),
    _one("card-removed", "the card is pulled on the certificate screen", "error:error.card_removed",
         seals="none", hooks=({"at": "CERTIFICATE", "card": "remove"},)),
    Scenario("paper-out", "paper ends mid-page: order voided, refund, out of service until paper is back",
             "refunded:error.printer_fault+oos:oos.printer+recovered",
             people=(Person(resident=Resident(copies=2), hooks=(_PAPER_END_MID_PAGE,
                                   {"at": "OUT_OF_SERVICE", "printer": {"recover": True}})),),
             seals="voided", voided_page=True, stay_seconds=60.0),
    Scenario("refund-failed", "paper ends mid-page, then the hopper cannot pay the refund back: the slip "
             "prints, the screen stays until the staff clear it, journal and center agree on the money",
             "refund_failed:error.refund_failed+staff_cleared+oos:oos.printer",
             people=(Person(resident=Resident(copies=2),
                            hooks=(_PAPER_END_MID_PAGE,
                                   # paid, change given: the hopper may run dry from here on
                                   {"at": ["ISSUING", "PRINTING"], "cash": "empty"})),),
             # The staff leave the menu "in service", but the paper is still out: the idle poll
             # takes the kiosk out of service for the printer.
             seals="voided", voided_page=True, end_state="out_of_service"),
    Scenario("center-down", "the center goes away before authentication",
             "error:error.center_unreachable+oos:oos.center", seals="none",
             people=(Person(hooks=({"at": "PIN", "signal": "center_stop"},)),),
             timeouts={"center": 15.0}),
    Scenario("power-cut", "the kiosk is killed after payment, restarted: the journal resolves the order",
             "resolved_after_restart", seals="voided", power_cut=True,
             people=(Person(hooks=({"at": "ISSUING", "signal": "kill"},)),)),
    Scenario("happy-ipp", "住民票 on a page printer over IPP (ippeveprinter), both sides: the seal on each",
             "issued", people=(Person(exclude=(*REFUSING, "no-seal", "no-tax-return", "foreign")),),
             printer="ipp"),
    Scenario("furigana-blank", "no furigana registered: the printed 住民票 shows 「＊＊＊＊＊＊」",
             "issued", furigana="＊＊＊＊＊＊",
             people=(Person(tags=("no-furigana",), exclude=(*REFUSING, *OTHER_TOKENS, "foreign")),)),
    _one("happy-nextgen", "a next-generation card (ECDSA P-384/SHA-384): 印鑑登録証明書 printed", "issued",
         tags=("nextgen",), exclude=(*REFUSING, "no-seal", "foreign"),
         resident=Resident(certificate="inkan")),
    _one("happy-smartphone", "an Android phone: PIN first, then its certificate; 住民票 printed", "issued",
         tags=("smartphone",), exclude=(*REFUSING, "foreign")),
    Scenario("smartphone-pin-first", "a kiosk reads a phone's certificate before the PIN: the phone refuses "
             "(6982), the kiosk asks the PIN and goes on", "issued", read_before_pin=True,
             people=(Person(tags=("smartphone",), exclude=(*REFUSING, "foreign")),)),
    Scenario("ca-rollover", "an old-CA card and a current-CA card at two kiosks: both issued",
             "issued,issued",
             people=(Person(tags=("old-ca",), exclude=(*REFUSING, "foreign")),
                     Person(exclude=(*REFUSING, *OTHER_TOKENS, "foreign")))),
    _one("expired-ca", "a card whose CA has expired is refused with its reason",
         "error:error.certificate_expired", tags=("expired-ca",), exclude=REFUSING, seals="none"),
    Scenario("holiday-koseki", "戸籍 on a national holiday (a Monday): refused, said in English",
             "refused:reason.national_holiday", now="holiday", seals="none",
             # 架空市 (279992) issues 戸籍 on weekdays 09:00-17:00 only; its resident's 本籍 is there too.
             people=(Person(municipality="279992", exclude=(*REFUSING, *OTHER_TOKENS, "honseki-other",
                                                             "foreign"),
                            resident=Resident(certificate="koseki", relation="residence", whose="household",
                                              language="en")),)),
    Scenario("jam-ipp", "the page printer jams after the front of the sheet: order voided, refund, "
             "out of service", "refunded:error.printer_fault+oos:oos.printer", seals="voided",
             people=(Person(exclude=(*REFUSING, "no-seal", "no-tax-return", "foreign")),),
             printer="ipp", ipp_plan={"fail_after": 1, "reason": "media-jam"}),
    # Issue 13: kiosk-1 (reader 00 00, a card) transacts in the end; kiosk-2 never reads a card and
    # watches the same reader (one vpcd slot, docs/hil.md "fleet").  Short report and poll intervals.
    Scenario("fleet", "two kiosks report; paper out on one (console red, metric, alert, its screen out of "
             "service); the other taken out of service from the console in chromium, back, then issued",
             "issued+oos:oos.remote.maintenance+recovered,idle+oos:oos.printer",
             people=(Person(exclude=(*REFUSING, *OTHER_TOKENS, "no-seal", "no-tax-return", "foreign")),
                     Person(card=False, reader=0)),
             fleet=True, kiosk_offset=2, report_seconds=3.0, timeouts={"device_check": 1.0}),
    Scenario("two-kiosks", "two kiosks, two cards, the same moment: each prints its own resident",
             "issued,issued",
             people=(Person(exclude=(*REFUSING, "foreign")), Person(exclude=(*REFUSING, "foreign"), skip=1))),
    # The 2023-24 mis-issuances, replayed against the tiers (docs/center.md "Tiers").
    Scenario("municipal-slow", "the municipality answers after the center's deadline: voided, refunded",
             "refunded:reason.municipal_unavailable", seals="none",
             people=(Person(exclude=(*REFUSING, "foreign")),),
             tiers=({"name": "slow", "municipalities": "first", "extra": ("--delay-ms", "4000")},
                    {"name": "rest", "municipalities": "others"}),
             center_args=("--municipal-deadline", "1.0")),
    Scenario("municipal-race", "two residents, one municipal server, the same second: each gets their own",
             "issued,issued",
             people=(Person(exclude=(*REFUSING, "foreign")),
                     Person(exclude=(*REFUSING, "foreign"), skip=1, same_municipality=True)),
             tiers=({"name": "one", "municipalities": "all"},)),
    Scenario("municipal-two-servers", "one municipality on two server processes and one database",
             "issued,issued",
             people=(Person(exclude=(*REFUSING, "foreign")),
                     Person(exclude=(*REFUSING, "foreign"), skip=1, same_municipality=True)),
             tiers=({"name": "a", "municipalities": "all"}, {"name": "b", "municipalities": "all"})),
)}
