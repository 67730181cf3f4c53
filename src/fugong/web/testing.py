"""The real web app for tests: on a given store and data folder, with a client and API tokens for made-up users.

Usage in a ``conftest.py`` (see tests/power/test_web.py)::

    @pytest.fixture
    def web(store_template, tmp_path, monkeypatch):
        with store_template.clean_url(tmp_path) as url:
            with web_under_test(url, tmp_path / "var", tmp_path, monkeypatch.setenv) as web:
                yield web

    headers = web.token("li", "county_official", counties=("330106",))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fugong.auth.tokens import issue_token
from fugong.auth.users import create_user
from fugong.geo import Gazetteer, load_gazetteer
from fugong.settings import Settings, get_settings
from fugong.store import utcnow
from fugong.web.app import create_app


@dataclass(frozen=True)
class WebUnderTest:
    """The app under test, its client and settings; :meth:`token` signs a new user in by API token."""

    app: FastAPI
    client: TestClient
    settings: Settings
    gazetteer: Gazetteer
    official_counties: tuple[str, ...] = ()

    def token(self, username: str, *roles: str, counties: tuple[str, ...] | None = None) -> dict[str, str]:
        """Create ``username`` with ``roles`` (a county official gets ``official_counties`` unless ``counties`` is
        given) and return the headers of a fresh API token for it."""
        if counties is None:
            counties = self.official_counties if "county_official" in roles else ()
        with self.app.state.store.session() as session:
            create_user(session, username, roles=roles, gazetteer=self.gazetteer, counties=counties)
            issued = issue_token(session, username, name="tests", now=utcnow())
        return {"Authorization": f"Bearer {issued.token}"}


@contextmanager
def web_under_test(
    store_url: str,
    data_dir: Path,
    scratch: Path,
    setenv: Callable[[str, str], Any],
    *,
    clock: Callable[[], datetime] | None = None,
    official_counties: tuple[str, ...] = (),
) -> Iterator[WebUnderTest]:
    """The app on ``store_url`` and ``data_dir`` (no ``fugong.toml``: ``scratch`` holds none), its clock set if given.

    ``setenv`` is the test's ``monkeypatch.setenv``, so the settings go back to the test's own afterwards."""
    setenv("FUGONG_DATA_DIR", str(data_dir))
    setenv("FUGONG_DATABASE_URL", store_url)
    setenv("FUGONG_CONFIG", str(scratch / "absent.toml"))
    get_settings.cache_clear()
    settings = get_settings()
    app = create_app(settings)
    if clock is not None:
        app.state.clock = clock
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    try:
        with TestClient(app) as client:
            yield WebUnderTest(app, client, settings, gazetteer, official_counties)
    finally:
        app.state.store.dispose()
        get_settings.cache_clear()
