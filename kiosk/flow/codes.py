"""Stable codes (center errors, availability reasons, device faults) → message keys.

Every code the center or a device can report maps to a key of ``kiosk.flow.messages.MESSAGES`` that
says in plain words what happened and what to do.  Unknown codes fall back to a generic key rather than
showing a raw code (a test checks that every key named here has ja and en texts).
"""

from __future__ import annotations

from kiosk.flow.faults import Fault

__all__ = [
    "CENTER_ERRORS",
    "DEVICE_FAULTS",
    "OUT_OF_SERVICE_KEYS",
    "REASONS",
    "error_key",
    "out_of_service_key",
    "reason_key",
]

# Center API v1 error codes (contracts.center.ERROR_CODES; a test checks each is here) plus the client's own.
CENTER_ERRORS: dict[str, str] = {
    "challenge_unknown": "error.try_again",
    "challenge_expired": "error.try_again",
    "challenge_used": "error.try_again",
    "certificate_invalid": "error.certificate_invalid",
    "certificate_expired": "error.certificate_expired",
    "certificate_revoked": "error.certificate_revoked",
    "signature_invalid": "error.signature_invalid",
    # The CA that issued the certificate has expired (a CA rollover): like an expired certificate, the
    # resident renews it at the municipal office.
    "ca_expired": "error.certificate_expired",
    "key_algorithm_unsupported": "error.certificate_invalid",
    "signature_format": "error.signature_invalid",
    "resident_unknown": "error.resident_unknown",
    "session_expired": "error.session_expired",
    "not_available": "error.not_available",
    "outside_hours": "error.outside_hours",
    "order_unknown": "error.order_unknown",
    "fee_mismatch": "error.order_unknown",
    "center_unreachable": "error.center_unreachable",
    "center_bad_answer": "error.center_unreachable",
    "center_busy": "error.center_busy",
    "center_error": "error.center_busy",
    # server_stub's further codes (server_stub/errors.py, rules.py, service.py)
    "session_unknown": "error.session_expired",
    "resident_deceased": "error.resident_unknown",
    "request_timeout": "error.try_again",
    "client_certificate_required": "error.center_unreachable",
    "rate_limited": "error.center_busy",
    # The center cannot check card revocation (its CRL is stale, unreadable or rolled back): nobody can
    # be authenticated until it is fixed, so the kiosk also goes out of service (out_of_service_key).
    "crl_unavailable": "error.center_busy",
    "kiosk_unknown": "error.center_unreachable",
    "kiosk_revoked": "error.center_unreachable",
    # Requests the kiosk got wrong or repeated out of turn: nothing the resident can fix but to start over.
    "certificate_type_unknown": "error.order_unknown",
    "copies_invalid": "error.order_unknown",
    "option_invalid": "error.order_unknown",
    "option_not_allowed": "error.order_unknown",
    "year_not_offered": "error.order_unknown",
    "payment_mismatch": "error.order_unknown",
    "order_already_issued": "error.order_unknown",
    "order_completed": "error.order_unknown",
    "order_not_issued": "error.order_unknown",
    "idempotency_key_required": "error.order_unknown",
    "idempotency_key_reused": "error.order_unknown",
    "field_invalid": "error.order_unknown",
    "body_malformed": "error.order_unknown",
    "body_too_large": "error.order_unknown",
    "bad_request": "error.order_unknown",
    "headers_too_large": "error.order_unknown",
    "http_malformed": "error.order_unknown",
    "not_found": "error.order_unknown",
    "method_not_allowed": "error.order_unknown",
    "seal_unknown": "error.order_unknown",
    # The center could not do its part: nothing about this resident, try again later.
    "store_failed": "error.center_busy",
    # Fleet operations: a refused health report is the kiosk's own bug (the reporter logs it, no resident
    # sees it); mapped like the other requests the kiosk got wrong, should one ever reach a screen.
    "report_field_unknown": "error.order_unknown",
    "report_invalid": "error.order_unknown",
    "report_history_too_long": "error.order_unknown",
    "command_invalid": "error.order_unknown",
    "csrf_invalid": "error.order_unknown",
}

# Device faults (kiosk.flow.faults; a test checks every Fault is here) and the flow's own endings.
DEVICE_FAULTS: dict[str, str] = {
    "card_unreadable": "error.card_unreadable",
    "card_removed": "error.card_removed",
    "card_unsupported": "error.card_unsupported",
    # A token that keeps its certificate behind the PIN (a phone): the flow asks the PIN and reads after
    # it (steps_card); seen as a fault only if the token still refuses after a verified PIN.
    "card_pin_required": "error.card_unreadable",
    "card_timeout": "error.card_unreadable",
    "pin_blocked": "error.pin_blocked",
    "reader_offline": "error.reader_offline",
    "printer_paper_end": "error.printer_fault",
    "printer_cover_open": "error.printer_fault",
    "printer_offline": "error.printer_fault",
    "printer_timeout": "error.printer_fault",
    "printer_error": "error.printer_fault",
    "print_aborted": "error.card_removed_refunded",
    "card_removed_paid": "error.card_removed_refunded",
    "payment_jam": "error.payment_fault",
    "payment_offline": "error.payment_fault",
    "payment_no_change": "error.payment_fault",
    "payment_error": "error.payment_fault",
    "refund_failed": "error.refund_failed",
    "journal_error": "error.payment_fault",
    "center_unreachable": "error.center_unreachable",
    "timeout": "error.timeout",
}

# Availability reasons the center gives for a service it will not issue to this resident
# (docs/domain.md §1 "Stuck points").
REASONS: dict[str, str] = {
    "moved_out": "reason.moved_out",
    "moving_out": "reason.moving_out",
    "support_measure": "reason.support_measure",
    "no_seal": "reason.no_seal",
    "no_seal_registered": "reason.no_seal",
    "honseki_not_registered": "reason.registration_required",
    "no_koseki": "reason.no_koseki",
    "closed_hours": "reason.outside_hours",
    "year_end": "reason.year_end",
    "no_tax_return": "reason.no_tax_return",
    "not_resident_jan1": "reason.not_resident_jan1",
    "tax_unpaid": "reason.tax_unpaid",
    "weekday_only": "reason.weekday_only",
    "national_holiday": "reason.national_holiday",
    "issuing_ca_expired": "error.certificate_expired",
    "outside_hours": "reason.outside_hours",
    "not_offered": "reason.not_offered",
    "householder_relationship_not_offered": "reason.householder_relationship_not_offered",
    "honseki_not_offered": "reason.honseki_not_offered",
    "my_number_not_offered": "reason.my_number_not_offered",
    "registration_required": "reason.registration_required",
    "recent_change": "reason.recent_change",
    "deceased": "reason.other",
    "foreign_resident": "reason.foreign_resident",
    "under_15": "reason.under_15",
    "maintenance": "reason.maintenance",
}

# Why the kiosk stopped (the OUT_OF_SERVICE screen's notice), by the fault's family.
OUT_OF_SERVICE_KEYS: dict[str, str] = {
    "printer": "oos.printer",
    "payment": "oos.payment",
    "center": "oos.center",
    "card": "oos.reader",
    "refund": "oos.refund_failed",
    "staff": "oos.staff",
    "journal": "oos.journal",
    "receipt": "oos.printer",
}


def error_key(code: str, reason: str | None = None) -> str:
    """The message key for a center error or device fault code (``error.other`` when unknown).

    A refusal with a ``reason`` (``not_available`` / ``outside_hours`` + ``moved_out``, ``year_end``,
    ``maintenance``, ...) says the reason, which tells the resident more than the code.
    """
    if reason is not None and reason != "closed_hours" and reason in REASONS:
        return REASONS[reason]
    return CENTER_ERRORS.get(code) or DEVICE_FAULTS.get(code) or "error.other"


def reason_key(code: str | None) -> str | None:
    """The message key for an availability reason (``reason.other`` when unknown, None for none)."""
    if code is None:
        return None
    return REASONS.get(code, "reason.other")


def out_of_service_key(code: str) -> str | None:
    """The OUT_OF_SERVICE notice a fault or center code calls for, or None when the kiosk can go on.

    A card that cannot be read is the resident's problem, not the kiosk's; a printer, cash device,
    reader, journal or center that fails would fail the next resident too, so the kiosk stops.
    """
    if code in ("center_bad_answer", "client_certificate_required", "kiosk_unknown", "kiosk_revoked"):
        return OUT_OF_SERVICE_KEYS["center"]
    if code == "crl_unavailable":
        # Residents see that the system is unavailable; the service menu says why (crl_unavailable).
        return OUT_OF_SERVICE_KEYS["center"]
    if code not in _FAULT_VALUES:
        return None  # a center refusal: about this resident, not this kiosk
    fault = Fault(code)
    if fault is Fault.PRINT_ABORTED:
        return None  # the resident took the card away: the printer is fine
    if fault is Fault.REFUND_FAILED:
        return OUT_OF_SERVICE_KEYS["refund"]
    if fault is Fault.READER_OFFLINE:
        return OUT_OF_SERVICE_KEYS["card"]
    if fault.family == "card":
        return None
    # Without a working journal a power cut could lose a resident's money: stop taking any.
    return OUT_OF_SERVICE_KEYS[fault.family]


_FAULT_VALUES = frozenset(f.value for f in Fault)
