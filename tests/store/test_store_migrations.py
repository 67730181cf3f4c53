"""Migrations as an operator meets them: up, down to nothing, up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import fugong.store.all_models  # noqa: F401
from fugong.cli import main
from fugong.errors import InvalidInput
from fugong.settings import Settings
from fugong.store import Base, migrate
from fugong.store.engine import create_store_engine

REPO = Path(__file__).resolve().parents[2]


def _tables(url: str) -> set[str]:
    engine = create_store_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_up_down_and_up_again(fresh_url: str) -> None:
    assert migrate.current(fresh_url) is None
    migrate.upgrade(fresh_url)
    assert migrate.current(fresh_url) == migrate.head()
    assert {"auth_users", "auth_user_roles", "auth_user_counties", "auth_api_tokens"} <= _tables(fresh_url)

    migrate.downgrade(fresh_url, "base")
    assert migrate.current(fresh_url) is None
    assert _tables(fresh_url) == {"alembic_version"}

    migrate.upgrade(fresh_url)
    assert migrate.current(fresh_url) == migrate.head()
    assert set(Base.metadata.tables) <= _tables(fresh_url)


def test_the_migrated_schema_is_the_models_schema(fresh_url: str) -> None:
    # A model changed without a migration (or the reverse) shows up here, for every app's tables.
    migrate.upgrade(fresh_url)
    engine = create_store_engine(fresh_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_first_revision_is_the_foundation() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert script.get_base() == "0001_foundation"
    assert script.get_revision("0001_foundation").down_revision is None


def test_alembic_ini_at_the_root_finds_the_same_migrations() -> None:
    config = Config(str(REPO / "alembic.ini"))
    assert ScriptDirectory.from_config(config).get_heads() == [migrate.head()]


def test_migrations_run_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite:///{(tmp_path / 'cwd.db').as_posix()}"
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()


def test_unknown_revision_is_a_clear_error(fresh_url: str) -> None:
    with pytest.raises(InvalidInput, match="cannot upgrade to 'no_such_revision'"):
        migrate.upgrade(fresh_url, "no_such_revision")
    assert migrate.current(fresh_url) is None


def test_a_store_from_a_newer_fugong_is_refused(fresh_url: str) -> None:
    migrate.upgrade(fresh_url)
    engine = create_store_engine(fresh_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(
        migrate.StoreOutOfDate, match=r"at revision 9999_future, this Fugong needs .*: run `fugong db upgrade`"
    ):
        migrate.ensure_current(fresh_url)


def test_a_new_store_gets_its_tables_once(fresh_url: str) -> None:
    assert migrate.ensure_current(fresh_url) == migrate.head()
    assert migrate.ensure_current(fresh_url) == migrate.head()
    assert "auth_users" in _tables(fresh_url)


def test_db_commands(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUGONG_DATABASE_URL", fresh_url)
    from fugong.settings import get_settings

    get_settings.cache_clear()
    head = migrate.head()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"base (behind {head}: run `fugong db upgrade`)"
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"store at revision {head}"
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{head} (up to date)"
    assert main(["db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out.strip() == "store at revision base"


def test_db_downgrade_to_an_unknown_revision_exits_2(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "downgrade", "nonsense"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: cannot downgrade to 'nonsense'")
    assert len(captured.err.strip().splitlines()) == 1
    # Nothing was lost: the store is still at the newest revision.
    assert migrate.current(settings.store_url) == migrate.head()
