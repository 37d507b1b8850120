"""A masked preview of a certificate's layout for the confirm screen (issue 14); see ``render``."""

from kiosk.preview.render import (
    ITEMS,
    PreviewError,
    PreviewReport,
    cached_preview,
    ensure_previews,
    preview_path,
    preview_size,
    render_preview,
)

__all__ = ["ITEMS", "PreviewError", "PreviewReport", "cached_preview", "ensure_previews", "preview_path",
           "preview_size", "render_preview"]
