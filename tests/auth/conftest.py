"""Auth tests run on a migrated scratch store on each backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from fugong.auth.tokens import issue_token
from fugong.auth.users import create_user
from fugong.geo import Gazetteer, load_gazetteer
from fugong.settings import Settings, get_settings
from fugong.store import Store, utcnow
from fugong.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def gazetteer(settings: Settings) -> Gazetteer:
    """Zhejiang's divisions on the settings' reference date."""
    return load_gazetteer(settings.province, settings.reference_date)


@pytest.fixture
def token_for(store: Store, gazetteer: Gazetteer) -> Callable[..., str]:
    """Create a token-only user with some roles (and counties) and return an API token for it."""

    def make(username: str, *roles: str, counties: tuple[str, ...] = ()) -> str:
        with store.session() as session:
            create_user(session, username, roles=roles, counties=counties, gazetteer=gazetteer)
            issued = issue_token(session, username, name="tests", now=utcnow())
        return issued.token

    return make


class Clock:
    """A clock the test moves by hand (the app reads it through ``app.state.clock``)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2020, 2, 10, 8, 0, tzinfo=UTC))


@pytest.fixture
def app_settings(store: Store, store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings of an app on the scratch store, with a small sign-in limit (2 failures a minute)."""
    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    monkeypatch.setenv("FUGONG_LOGIN_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("FUGONG_LOGIN_WINDOW_SECONDS", "60")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def app(app_settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    """The real web app on the scratch store, with the test's clock."""
    built = create_app(app_settings)
    built.state.clock = clock
    yield built
    built.state.store.dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """A real Argon2id hash of PASSWORD with light parameters, as an older install would have stored it.

    Today's parameters take a fraction of a second per check by design; these keep the many failed sign-ins of the
    tests quick, and a successful sign-in upgrades the hash (which test_auth_sessions checks).
    """
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def add_user(store: Store, gazetteer: Gazetteer, password_hash: str) -> Callable[..., None]:
    """Create a user whose password is PASSWORD."""

    def make(username: str, *roles: str, counties: tuple[str, ...] = ()) -> None:
        with store.session() as session:
            user = create_user(
                session, username, roles=roles, counties=counties, gazetteer=gazetteer, display_name=f"{username} 同志"
            )
            user.password_hash = password_hash

    return make
