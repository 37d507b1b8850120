"""The Kivy touch UI (the only package that imports Kivy; tests/unit/test_layering.py enforces it).

Import ``kiosk.ui.boot.prepare`` first (it configures Kivy before the window exists), then
``kiosk.ui.app.KioskApp``.  The pure modules (``settings``, ``i18n``, ``port``, ``simulated``, ``theme``,
``chime``) import no Kivy.
"""

__all__: list[str] = []
