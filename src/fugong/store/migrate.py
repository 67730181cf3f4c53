"""Run the store's Alembic migrations from Python: upgrade, downgrade, current revision.

The migrations ship inside the package (``fugong/store/migrations``), so these work from any working directory
and from an installed wheel as well as from a clone; ``alembic.ini`` at the repository root points at the same
folder for people who prefer the ``alembic`` command.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from fugong.errors import FugongError, InvalidInput
from fugong.store.engine import create_store_engine, normalise_url


class StoreOutOfDate(FugongError):
    """The store's schema is not the one this version of Fugong expects."""

    code = "store_out_of_date"
    status = 503


def script_location() -> Path:
    """The folder holding ``env.py`` and ``versions/``."""
    return Path(str(resources.files("fugong.store") / "migrations"))


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the store at ``url``, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.attributes["url"] = normalise_url(url).render_as_string(hide_password=False)
    config.attributes["fugong_programmatic"] = True
    return config


def _run(action: str, url: str, revision: str) -> None:
    config = alembic_config(url)
    try:
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
    except CommandError as exc:
        raise InvalidInput(f"cannot {action} to {revision!r}: {exc}", field="revision") from None


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the store at ``url`` up to ``revision`` (default: the newest)."""
    _run("upgrade", url, revision)


def downgrade(url: str, revision: str) -> None:
    """Take the store at ``url`` back to ``revision`` (``base`` removes every table)."""
    _run("downgrade", url, revision)


def head() -> str:
    """The newest revision this version of Fugong knows."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise FugongError(f"the migrations have {len(heads)} heads ({', '.join(heads)}): merge them")
    return heads[0]


def current(url: str) -> str | None:
    """The store's revision, or None for a store that has never been migrated."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return ",".join(heads) if heads else None


def ensure_current(url: str) -> str:
    """Create the tables of a new store; refuse one left at an older revision. Returns the revision."""
    revision = current(url)
    newest = head()
    if revision is None:
        upgrade(url)
        return newest
    if revision != newest:
        raise StoreOutOfDate(
            f"the store is at revision {revision}, this Fugong needs {newest}: run `fugong db upgrade`"
        )
    return revision
