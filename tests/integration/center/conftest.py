"""Center integration fixtures: the API over real TLS on loopback, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixtures.center import CenterData, CenterProcess, center_data, run_cli, start_center
from fixtures.postgres import PgCluster, fresh_database, pg_cluster

__all__ = ["center", "center_data", "pg_cluster", "pg_url"]


@pytest.fixture(scope="session")
def pg_url(center_data: CenterData, pg_cluster: PgCluster) -> str:
    url = fresh_database(pg_cluster)
    r = run_cli("migrate", "--data", str(center_data.path), "--db", url)
    assert r.returncode == 0, r.stderr
    return url


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def center(request: pytest.FixtureRequest, center_data: CenterData) -> Iterator[CenterProcess]:
    db = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    yield from start_center(center_data.path, db=db)
