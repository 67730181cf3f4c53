"""Alembic environment: the store URL from the caller, the Alembic config or the settings; every app's tables."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

import fugong.store.all_models  # noqa: F401  (registers every app's tables on Base.metadata)
from fugong.settings import get_settings
from fugong.store.base import Base
from fugong.store.engine import create_store_engine, normalise_url

config = context.config
# The alembic command line configures logging from alembic.ini; fugong.store.migrate leaves the app's logging alone.
if config.config_file_name is not None and not config.attributes.get("fugong_programmatic", False):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    given = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(given) if given else get_settings().store_url


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode recreates the table instead.
        render_as_batch=True,
        compare_type=True,
        **options,  # type: ignore[arg-type]
    )


def run_offline() -> None:
    """Write the SQL to standard output instead of running it."""
    url = normalise_url(_url())
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations against the database."""
    # SQLite foreign keys stay off here: batch mode drops and recreates tables that others refer to.
    engine = create_store_engine(_url(), sqlite_foreign_keys=False, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
