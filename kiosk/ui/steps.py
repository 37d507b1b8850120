"""The step indicator: カード → 暗証番号 → 証明書 → 確認・お支払い → 印刷, the current step marked.

Which step a screen belongs to is the flow's word (``kiosk.flow.guidance.step_of``); this only draws it.
Done steps carry a check mark and the current one is filled and numbered, so the state is not told by
colour alone.
"""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.flow.guidance import STEP_KEYS, step_of
from kiosk.ui.screens import Render
from kiosk.ui.widgets import FitLabel, Panel

__all__ = ["HEIGHT", "step_bar"]

HEIGHT = 44  # the title band gives up as much (app.py): the body keeps its height
NARROW_WIDTH = 1200  # below this a step's name may take two lines (1024×768, portrait 1080×1920)
NARROW_HEIGHT = 62


def step_bar(r: Render) -> Widget | None:
    """The indicator for ``r.view``'s screen, or None off the transaction's steps."""
    current = step_of(r.view.state)
    if current is None:
        return None
    th = r.theme
    narrow = r.settings.width < NARROW_WIDTH
    bar = BoxLayout(size_hint_y=None, height=NARROW_HEIGHT if narrow else HEIGHT, spacing=6, padding=(12, 4))
    for i, key in enumerate(STEP_KEYS):
        if i == current:
            color, text_color, mark = th.primary, th.primary_text, f"{i + 1}"
        elif i < current:
            color, text_color, mark = th.selected, th.selected_text, "✓"
        else:
            color, text_color, mark = th.secondary, th.secondary_text, f"{i + 1}"
        # The current step is wider: its name is never squeezed, the others may shrink.
        cell = Panel(color=color, radius=10, padding=(8, 2), size_hint_x=1.4 if i == current else 1.0)
        cell.add_widget(FitLabel(text=f"{mark} {r.t(key)}", base_font=th.min_px + 4, min_font=th.min_px,
                                 one_line=not narrow, font_name=r.font(), color=text_color,
                                 line_height=1.0))
        cell.key = f"step.{i}.{'current' if i == current else 'done' if i < current else 'todo'}"
        bar.add_widget(cell)
    return bar
