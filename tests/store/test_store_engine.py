"""The store as an app uses it: units of work, foreign keys, timestamps, a session per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, StatementError

from fugong.auth.models import LoginAttempt, UserRole
from fugong.errors import Conflict, InvalidInput
from fugong.settings import Settings
from fugong.store import DbSession, Store, normalise_url
from fugong.web.errors import install_error_handlers


def _attempts(store: Store) -> list[tuple[str, datetime]]:
    with store.session() as session:
        return [
            (a.username, a.attempted_at) for a in session.scalars(sa.select(LoginAttempt).order_by(LoginAttempt.id))
        ]


WHEN = datetime(2020, 2, 10, 8, 30, tzinfo=UTC)


def test_a_unit_of_work_commits(store: Store) -> None:
    with store.session() as session:
        session.add(LoginAttempt(username="alice", client="10.0.0.1", attempted_at=WHEN))
    assert _attempts(store) == [("alice", WHEN)]


def _write_then_fail(store: Store) -> None:
    with store.session() as session:
        session.add(LoginAttempt(username="alice", client="10.0.0.1", attempted_at=WHEN))
        session.flush()
        raise Conflict("changed my mind")


def test_a_failing_unit_of_work_leaves_nothing(store: Store) -> None:
    with pytest.raises(Conflict):
        _write_then_fail(store)
    assert _attempts(store) == []


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(UserRole(user_id=12345, role="admin"))


def test_timestamps_come_back_in_utc(store: Store) -> None:
    beijing = timezone(timedelta(hours=8))
    with store.session() as session:
        session.add(
            LoginAttempt(username="bob", client="x", attempted_at=datetime(2020, 2, 10, 16, 30, tzinfo=beijing))
        )
    [(_, stored)] = _attempts(store)
    assert stored == WHEN
    assert stored.tzinfo is UTC


def test_a_naive_timestamp_is_refused(store: Store) -> None:
    naive = LoginAttempt(username="bob", client="x", attempted_at=datetime(2020, 2, 10, 8, 30))
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(naive)


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'sub' / 'fugong.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose()
    assert (tmp_path / "sub" / "fugong.db").exists()


def test_default_store_is_sqlite_under_the_data_dir(settings: Settings) -> None:
    store = Store.from_settings(settings)
    assert store.backend == "sqlite"
    assert store.url.database == str(settings.data_dir / "fugong.db")
    store.dispose()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://fugong@db.internal/fugong", "postgresql+psycopg"),
        ("postgres://fugong@db.internal/fugong", "postgresql+psycopg"),
        ("postgresql+psycopg://fugong@db.internal/fugong", "postgresql+psycopg"),
        ("sqlite:///var/fugong.db", "sqlite"),
    ],
)
def test_postgresql_urls_go_through_psycopg(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://root@localhost/fugong", "unsupported database 'mysql': the store runs on SQLite or PostgreSQL"),
        ("not a url", "not a database URL"),
    ],
)
def test_other_databases_are_a_clear_error(given: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        normalise_url(given)
    assert caught.value.field == "database_url"


def test_repr_hides_the_password() -> None:
    store = Store("postgresql://fugong:s3cret-pw@db.internal/fugong")
    assert "s3cret-pw" not in repr(store)
    assert "db.internal" in repr(store)
    store.dispose()


@pytest.fixture
def client(store: Store) -> TestClient:
    app = FastAPI()
    app.state.store = store
    install_error_handlers(app)

    @app.post("/attempts/{username}")
    def record(username: str, session: DbSession) -> dict[str, int]:
        session.add(LoginAttempt(username=username, client="api", attempted_at=WHEN))
        session.flush()
        if username == "refused":
            raise Conflict("this one is refused after writing")
        return {"count": session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) or 0}

    return TestClient(app)


def test_a_request_session_commits_before_answering(client: TestClient, store: Store) -> None:
    assert client.post("/attempts/alice").json() == {"count": 1}
    assert [name for name, _ in _attempts(store)] == ["alice"]


def test_a_failing_request_writes_nothing(client: TestClient, store: Store) -> None:
    response = client.post("/attempts/refused")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert _attempts(store) == []
