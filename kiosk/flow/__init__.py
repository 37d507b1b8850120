"""The transaction flow: a pure, table-driven state machine (no Kivy, no I/O)."""
