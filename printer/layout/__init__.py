"""Certificate page layout: display lists per certificate type, raster and PDF backends.

Public API lives in ``printer.layout.render`` (``render_pages``, ``render_pdf``, ``Page``,
``layout_document``); this package imports nothing eagerly so that ``printer.security`` can use
``printer.layout.fonts`` without an import cycle.
"""
