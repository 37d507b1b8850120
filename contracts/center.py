"""The kiosk ↔ center contract (Center API v1, docs/architecture.md "Center API v1").

The center's OpenAPI document is built from these lists, and the kiosk maps every code to a message
(tests/unit/kiosk/test_kiosk_codes.py fails when one is missing), so a code added here reaches both.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "AUTH_DOMAIN",
    "ERROR_CODES",
    "MAX_COPIES",
    "REASONS",
    "auth_digest",
    "auth_message",
]

# The domain prefix keeps the card's signature from ever being valid for any other use of its key.
AUTH_DOMAIN = b"konbini-kiosk-auth-v1"

# Copies of one certificate per order.  The real service's maximum is not published; five is what the
# center stub allows and the kiosk offers (docs/domain.md §1.7).
MAX_COPIES = 5

ERROR_CODES: tuple[str, ...] = (
    # transport and request shape
    "bad_request",
    "body_malformed",
    "body_too_large",
    "headers_too_large",
    "http_malformed",
    "request_timeout",
    "field_invalid",
    "not_found",
    "method_not_allowed",
    # authentication
    "client_certificate_required",
    "challenge_unknown",
    "challenge_expired",
    "challenge_used",
    "certificate_invalid",
    "certificate_expired",
    "certificate_revoked",
    "crl_unavailable",
    "ca_expired",  # the certificate's CA generation has itself expired (reason issuing_ca_expired)
    "key_algorithm_unsupported",
    "signature_format",
    "signature_invalid",
    "resident_unknown",
    "resident_deceased",
    # sessions and orders
    "session_unknown",
    "session_expired",
    "not_available",
    "outside_hours",
    "option_invalid",
    "option_not_allowed",
    "year_not_offered",
    "copies_invalid",
    "certificate_type_unknown",
    "order_unknown",
    "order_already_issued",
    "order_not_issued",
    "order_completed",
    "idempotency_key_required",
    "idempotency_key_reused",
    "payment_mismatch",
    # seals and storage
    "seal_unknown",
    "store_failed",
    # the kiosk itself: too many requests, not in the kiosk registry, certificate revoked
    "rate_limited",
    "kiosk_unknown",
    "kiosk_revoked",
    # fleet operations (POST /v1/kiosks/status; the operators' console)
    "report_field_unknown",
    "report_invalid",
    "report_history_too_long",
    "command_invalid",
    "csrf_invalid",
)

# Why a service is not offered to this resident now (the ``reason`` of a refusal or of a service).
REASONS: tuple[str, ...] = (
    "closed_hours",
    "year_end",
    "maintenance",
    "weekday_only",
    "national_holiday",  # 戸籍 services open on weekdays only are closed on 国民の祝日 and 振替休日 too
    "not_offered",
    "moved_out",
    "support_measure",
    "no_seal_registered",
    "no_tax_return",
    "honseki_not_registered",
    "no_koseki",
    "issuing_ca_expired",  # with ca_expired: the card's CA generation has expired
)


def auth_message(challenge_id: str, kiosk_id: str, nonce: bytes) -> bytes:
    """``b"konbini-kiosk-auth-v1" 00 challenge_id 00 kiosk_id 00 nonce`` (ids UTF-8, nonce raw)."""
    return b"\0".join((AUTH_DOMAIN, challenge_id.encode(), kiosk_id.encode(), nonce))


def auth_digest(challenge_id: str, kiosk_id: str, nonce: bytes) -> bytes:
    """SHA-256 of ``auth_message``: what an RSA card signs (as a DigestInfo) with EF 0017."""
    return hashlib.sha256(auth_message(challenge_id, kiosk_id, nonce)).digest()
