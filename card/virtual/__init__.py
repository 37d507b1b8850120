"""A virtual My Number card: the pure JPKI model, its persistent state and the link to pcscd's vpcd."""

from card.virtual.model import SwError, VirtualJpkiCard, card_id
from card.virtual.state import CardState, StateFile

__all__ = ["CardState", "StateFile", "SwError", "VirtualJpkiCard", "card_id"]
