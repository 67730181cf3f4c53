"""Fixtures shared by every app's tests: isolated settings, a PostgreSQL test database, one Spark session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fugong.settings import Settings, get_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "FUGONG_TEST_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


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


STORE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=STORE_BACKENDS)
def store_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A store migrated once per run on each backend (SQLite and PostgreSQL): tests using it run on both."""
    from fugong.store.testing import StoreTemplate

    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with StoreTemplate(request.param, tmp_path_factory.mktemp("store-template"), server) as template:
        yield template


@pytest.fixture
def store_url(store_template: Any, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated store with empty tables."""
    with store_template.clean_url(tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str, settings: Settings) -> Iterator[Any]:
    """The migrated store, encrypting with the settings' field key."""
    from fugong.store import Store

    opened = Store(store_url, field_key=settings.key("field_encryption"))
    yield opened
    opened.dispose()


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


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (no browser is downloaded)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --test (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The real web app served by uvicorn on a free loopback port, for browser tests; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from fugong.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the web server did not start within 15 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots and other test artefacts (kept after the run)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
