"""Card unit tests: a session-wide test card profile (no PC/SC needed)."""

from fixtures.pcsc import card_profile, card_profile_file

__all__ = ["card_profile", "card_profile_file"]
