"""``migrate``: copy a center database (e.g. the data dir's SQLite) into another URL (e.g. PostgreSQL).

Used to move a data directory to PostgreSQL for several center processes (docs/architecture.md
"Center storage").
"""

from __future__ import annotations

from sqlalchemy import insert, select

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
    finally:
        src.dispose()
        dst.dispose()
    return counts
