"""Fixtures of the health code's web tests: the real app on a clean SQLite store, its clock on 20 Feb 2020."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric

from fugong.settings import Settings, get_settings

XIHU, SHANGCHENG = "330106", "330102"
NOW = datetime(2020, 2, 20, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou


def id_number(serial: int) -> str:
    """A valid resident ID number (born in 上城区 on 15 Feb 1990) with this serial."""
    body = f"33010219900215{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Web:
    """The app under test, its client, a maker of API-token headers, and a clock to move."""

    app: Any
    client: Any
    token: Callable[..., dict[str, str]]
    settings: Settings


@pytest.fixture(scope="session")
def hc_web_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once, copied clean for each web test."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("hc-web-store")) as template:
        yield template


@pytest.fixture
def web(hc_web_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app; ``web.token("li", "county_official", counties=("330106",))`` signs a user in."""
    from fastapi.testclient import TestClient

    from fugong.auth.tokens import issue_token
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import utcnow
    from fugong.web.app import create_app

    with hc_web_template.clean_url(tmp_path) as url:
        monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("FUGONG_DATABASE_URL", url)
        monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
        get_settings.cache_clear()
        settings = get_settings()
        app = create_app(settings)
        app.state.clock = lambda: NOW
        gazetteer = load_gazetteer(settings.province, settings.reference_date)

        def token(username: str, *roles: str, counties: tuple[str, ...] = ()) -> dict[str, str]:
            with app.state.store.session() as session:
                create_user(session, username, roles=roles, gazetteer=gazetteer, counties=counties)
                issued = issue_token(session, username, name="tests", now=utcnow())
            return {"Authorization": f"Bearer {issued.token}"}

        with TestClient(app) as client:
            yield Web(app, client, token, settings)
        app.state.store.dispose()
        get_settings.cache_clear()
