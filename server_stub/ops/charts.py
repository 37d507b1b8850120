"""Inline SVG bar charts for the console: no script, no library, readable without colour."""

from __future__ import annotations

from html import escape

__all__ = ["bar_chart"]


def bar_chart(
    title: str, bars: list[tuple[str, int]], *, width: int = 720, bar_h: int = 18, horizontal: bool = True
) -> str:
    """Bars with their labels and values as text (``role="img"`` with a title for screen readers)."""
    top = max((v for _, v in bars), default=0) or 1
    if horizontal:
        label_w, gap = 160, 4
        h = max(1, len(bars)) * (bar_h + gap) + 8
        rows = []
        for i, (label, v) in enumerate(bars):
            y = 4 + i * (bar_h + gap)
            w = round((width - label_w - 60) * v / top)
            rows.append(
                f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end">{escape(label)}</text>'
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" class="bar"/>'
                f'<text x="{label_w + w + 4}" y="{y + bar_h - 5}">{v}</text>'
            )
        body = "".join(rows) or '<text x="8" y="16">まだ交付はありません / nothing issued yet</text>'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
            f'height="{h}" viewBox="0 0 {width} {h}"><title>{escape(title)}</title>{body}</svg>'
        )
    height, base = 160, 130
    n = max(1, len(bars))
    step = (width - 40) / n
    cols = []
    for i, (label, v) in enumerate(bars):
        bh = round((base - 10) * v / top)
        x = 30 + i * step
        cols.append(
            f'<rect x="{x:.1f}" y="{base - bh}" width="{step * 0.7:.1f}" height="{bh}" class="bar">'
            f"<title>{escape(label)}: {v}</title></rect>"
        )
        if i % 3 == 0:
            cols.append(f'<text x="{x:.1f}" y="{base + 14}" class="tick">{escape(label)}</text>')
    cols.append(f'<text x="0" y="12" class="tick">{top}</text>')
    cols.append(f'<line x1="28" y1="{base}" x2="{width}" y2="{base}" class="axis"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f"{''.join(cols)}</svg>"
    )
