"""Every store test runs on SQLite and on PostgreSQL: an empty store, or a clean migrated one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fugong.settings import Settings
from fugong.store import Store
from fugong.store.testing import StoreTemplate, scratch_store_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL (no tables yet), for migration tests."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with scratch_store_url(request.param, tmp_path, server) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def store_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreTemplate]:
    """A store migrated once per run on each backend."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with StoreTemplate(request.param, tmp_path_factory.mktemp("store-template"), server) as template:
        yield template


@pytest.fixture
def store_url(store_template: StoreTemplate, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated store with empty tables."""
    with store_template.clean_url(tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str, settings: Settings) -> Iterator[Store]:
    """The migrated store, encrypting with the settings' field key."""
    opened = Store(store_url, field_key=settings.key("field_encryption"))
    yield opened
    opened.dispose()
