"""The operational store: one engine and one session factory for a database URL.

SQLite (the embedded default) gets foreign keys enforced, write-ahead logging so readers never wait for a
writer, and a busy timeout so several server processes can share one file; PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from fugong.errors import InvalidInput
from fugong.settings import Settings
from fugong.store.types import FieldCipher, bind_cipher

SQLITE_BUSY_TIMEOUT_SECONDS = 15
# PostgreSQL connections kept open per process, and how many more a burst may open. A connection returned above
# the kept number is closed, and opening one costs more than a scan's queries: the kept number covers a server
# process's usual concurrent requests (SQLAlchemy's default of 5 made the gate bench open 200 connections in 10 s).
POSTGRES_POOL_SIZE = 20
POSTGRES_POOL_OVERFLOW = 20
# No ping before each checkout (a round trip per request): a connection the server has dropped fails the one
# request that meets it and the process reconnects all of them; connections are renewed every half hour.
POSTGRES_POOL_RECYCLE_SECONDS = 1800


def normalise_url(url: str | URL) -> URL:
    """Parse a store URL; plain ``postgresql://`` (or ``postgres://``) means psycopg 3."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError or ValueError depending on the defect
        raise InvalidInput(f"not a database URL: {exc}", field="database_url") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise InvalidInput(
            f"unsupported database {parsed.get_backend_name()!r}: the store runs on SQLite or PostgreSQL",
            field="database_url",
        )
    return parsed


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite database (lost when its last connection closes)."""
    return url.get_backend_name() == "sqlite" and url.database in {None, "", ":memory:"}


def create_store_engine(url: str | URL, *, sqlite_foreign_keys: bool = True, **options: Any) -> Engine:
    """An engine for ``url`` with Fugong's connection settings (no field-encryption key bound)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        if "poolclass" not in options:  # a caller's own pool (e.g. NullPool for migrations) takes no size
            options = {"pool_size": POSTGRES_POOL_SIZE, "max_overflow": POSTGRES_POOL_OVERFLOW, **options}
        options.setdefault("pool_recycle", POSTGRES_POOL_RECYCLE_SECONDS)
        return create_engine(parsed, pool_pre_ping=False, **options)
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    if is_memory_sqlite(parsed):
        # One shared connection, or every connection would see its own empty database.
        connect_args["check_same_thread"] = False
        options.setdefault("poolclass", StaticPool)
    elif parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args=connect_args, **options)
    foreign_keys = "ON" if sqlite_foreign_keys else "OFF"

    def pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys = {foreign_keys}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    return engine


class Store:
    """An operational store: engine, sessions, and the key that encrypts its personal fields."""

    def __init__(self, url: str | URL, *, field_key: bytes | None = None, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = create_store_engine(self.url, echo=echo)
        if field_key is not None:
            bind_cipher(self.engine.dialect, FieldCipher(field_key))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store named by ``settings.store_url``, encrypting with ``settings.key("field_encryption")``."""
        return cls(settings.store_url, field_key=settings.key("field_encryption"))

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or before a test deletes the database)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    """One unit of work on the settings' store, for a command or a demo step: opened, committed, then closed."""
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            yield session
    finally:
        store.dispose()
