"""Card integration tests run through pyscard → pcscd → vpcd → the virtual card."""

from fixtures.pcsc import card_profile, card_profile_file, pcscd, virtual_card

__all__ = ["card_profile", "card_profile_file", "pcscd", "virtual_card"]
