"""``migrate``: copy a center database (e.g. the data dir's SQLite) into another URL (e.g. PostgreSQL).

Used to move a data directory to PostgreSQL for several center processes (docs/architecture.md
"Center storage").
"""

from __future__ import annotations

from sqlalchemy import insert, select, text

from server_stub.store import make_engine, metadata

__all__ = ["copy_database"]


def copy_database(source_url: str, target_url: str, *, batch: int = 500) -> dict[str, int]:
    """Replace the target's tables with the source's rows; returns row counts per table."""
    src, dst = make_engine(source_url), make_engine(target_url)
    counts: dict[str, int] = {}
    try:
        metadata.drop_all(dst)
        metadata.create_all(dst)
        with src.connect() as s, dst.begin() as d:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in s.execute(select(table))]
                for i in range(0, len(rows), batch):
                    d.execute(insert(table), rows[i : i + batch])
                counts[table.name] = len(rows)
            if dst.dialect.name == "postgresql":
                # Rows copied with their ids leave a SERIAL's sequence at 1: move it past them, or the next
                # insert collides (kiosk_reports is the one table with a generated key).
                for table in metadata.sorted_tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement is True:
                        t, c = table.name, pk[0].name  # names from our own metadata, not input
                        stmt = f"SELECT setval(pg_get_serial_sequence('{t}', '{c}'), "
                        stmt += f"COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)"  # noqa: S608
                        d.execute(text(stmt))
    finally:
        src.dispose()
        dst.dispose()
    return counts
