"""The operators' side of the center: operator PKI, the console listener, pages, charts and metrics
(docs/center.md "Operations console")."""
