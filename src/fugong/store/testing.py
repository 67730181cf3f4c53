"""Scratch stores for tests, on SQLite or PostgreSQL, so every app's store tests can run on both.

Migrating a store takes a noticeable fraction of a second, so tests that need tables share one migrated
:class:`StoreTemplate` per test session and take a clean copy each (a file copy on SQLite, emptied tables on
PostgreSQL). Usage in a ``conftest.py`` (see tests/auth/conftest.py)::

    @pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
    def store_template(request, tmp_path_factory):
        server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
        with StoreTemplate(request.param, tmp_path_factory.mktemp("store"), server) as template:
            yield template

    @pytest.fixture
    def store_url(store_template, tmp_path):
        with store_template.clean_url(tmp_path) as url:
            yield url
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool

from fugong.store.engine import create_store_engine, normalise_url


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh, empty schema of ``server_url``'s database, dropped afterwards.

    A schema is much cheaper than a database, and the search path makes it the default for every table,
    including Alembic's version table.
    """
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_store_engine(server_url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = normalise_url(server_url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@contextmanager
def scratch_store_url(backend: str, folder: Path, postgres_server_url: str | None = None) -> Iterator[str]:
    """The URL of an empty store: a SQLite file in ``folder``, or a fresh schema on the PostgreSQL server."""
    if backend == "sqlite":
        yield f"sqlite:///{(folder / 'store.db').as_posix()}"
    elif backend == "postgresql":
        if postgres_server_url is None:
            raise ValueError("a PostgreSQL scratch store needs the server's URL (the postgres_url fixture)")
        with postgres_schema(postgres_server_url) as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}: sqlite or postgresql")


class StoreTemplate:
    """A store migrated to the newest revision once, handed out clean to each test."""

    def __init__(self, backend: str, folder: Path, postgres_server_url: str | None = None) -> None:
        self.backend = backend
        self._folder = folder
        self._server = postgres_server_url
        self._scratch: AbstractContextManager[str] | None = None
        self.url = ""

    def __enter__(self) -> StoreTemplate:
        from fugong.store import migrate

        self._scratch = scratch_store_url(self.backend, self._folder, self._server)
        self.url = self._scratch.__enter__()
        migrate.upgrade(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._scratch is not None:
            self._scratch.__exit__(None, None, None)

    @contextmanager
    def clean_url(self, folder: Path) -> Iterator[str]:
        """The URL of a migrated store with empty tables (dispose your engines before the block ends)."""
        if self.backend == "sqlite":
            copy = folder / "store.db"
            shutil.copyfile(self._folder / "store.db", copy)
            yield f"sqlite:///{copy.as_posix()}"
            return
        try:
            yield self.url
        finally:
            self._empty_tables()

    def _empty_tables(self) -> None:
        engine = create_store_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
                if tables:
                    names = ", ".join(f'"{t}"' for t in tables)
                    # Fail rather than hang if a test left a transaction open on one of them.
                    connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                    # An app may guard a table with triggers (an append-only log refuses TRUNCATE): a test's
                    # clean-up is not what they guard against, so they are off for this one transaction.
                    for table in tables:
                        connection.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
                    connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
                    for table in tables:
                        connection.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
        finally:
            engine.dispose()
