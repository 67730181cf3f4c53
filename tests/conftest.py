"""Fixtures shared by every app's tests: isolated settings, a PostgreSQL test database, one Spark session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fugong.settings import Settings, get_settings

POSTGRES_ADMIN_URL = os.environ.get("FUGONG_TEST_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for an embedded install in a fresh temporary folder, also returned by get_settings()."""
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test run, dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"fugong_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local PySpark session for the whole run (it takes several seconds to start)."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("fugong-tests")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.autoBroadcastJoinThreshold", str(256 * 1024 * 1024))
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def tiny_province(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A tiny simulated province (3 counties, ~200 enterprises), generated once per run; read-only."""
    from fugong.sim import generate

    return generate(tmp_path_factory.mktemp("tiny_province"), scale="tiny", seed=2020)


@pytest.fixture(scope="session")
def demo_province(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo-scale simulated province (all 90 counties), generated once per run; read-only."""
    from fugong.sim import generate

    return generate(tmp_path_factory.mktemp("demo_province"), scale="demo", seed=2020)
