"""The message the card signs to authenticate to the center: ``contracts.center`` (one definition
shared with the center's verifier)."""

from __future__ import annotations

from contracts.center import AUTH_DOMAIN, auth_digest, auth_message

__all__ = ["AUTH_DOMAIN", "auth_digest", "auth_message"]
