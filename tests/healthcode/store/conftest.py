"""Fixtures of the health code's store tests: a clean migrated store on SQLite and PostgreSQL, persons, officials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from stdnum.cn import ric

from fugong.auth.principal import Principal
from fugong.healthcode import registry
from fugong.hub.pseudonyms import Pseudonymiser, pseudonymiser
from fugong.settings import Settings
from fugong.store import Store
from fugong.store.testing import StoreTemplate

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
XIHU = "330106"  # 杭州市西湖区
SHANGCHENG = "330102"  # 杭州市上城区


def id_number(serial: int) -> str:
    """A valid resident ID number (born in 上城区 on 15 Feb 1990) with this serial."""
    body = f"33010219900215{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def _official(username: str, county: str = XIHU) -> Principal:
    return Principal(1, username, username, frozenset({"county_official"}), frozenset({county}), "session")


def _count(session: Session, table: str) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def ids() -> Callable[[int], str]:
    """Makes a valid resident ID number from a serial (1 to 999)."""
    return id_number


@pytest.fixture
def official() -> Callable[..., Principal]:
    """Makes a county official: ``official("li")`` of 西湖区, ``official("zhao", "330102")`` of 上城区."""
    return _official


@pytest.fixture
def rows() -> Callable[[Session, str], int]:
    """Counts the rows of a table."""
    return _count


@pytest.fixture(scope="session", params=BACKENDS)
def hc_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreTemplate]:
    """A store migrated once per run on each backend."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with StoreTemplate(request.param, tmp_path_factory.mktemp("hc-store"), server) as template:
        yield template


@pytest.fixture
def store(hc_template: StoreTemplate, tmp_path: Path, settings: Settings) -> Iterator[Store]:
    """A clean migrated store, encrypting with the settings' field key."""
    with hc_template.clean_url(tmp_path) as url:
        opened = Store(url, field_key=settings.key("field_encryption"))
        yield opened
        opened.dispose()


@pytest.fixture
def pseudo(settings: Settings) -> Pseudonymiser:
    """This install's pseudonymiser (the hub's)."""
    return pseudonymiser(settings)


@pytest.fixture
def person_id(store: Store, pseudo: Pseudonymiser) -> int:
    """A person of 西湖区 who registered themself as ``wang``."""
    with store.session() as session:
        reg = registry.Registration("王小明", id_number(1), XIHU, "13800138000")
        return registry.register_self(session, pseudo, reg, "wang").id
