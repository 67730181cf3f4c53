"""Every store test runs on SQLite and on PostgreSQL: an empty store, or a clean migrated one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fugong.store.testing import scratch_store_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL (no tables yet), for migration tests."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with scratch_store_url(request.param, tmp_path, server) as url:
        yield url
