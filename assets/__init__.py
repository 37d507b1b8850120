"""Fonts, sounds and translations shared by the kiosk, the printer and the center stub."""
