"""The header shows each person the pages their role opens, and no link that would end in a 403."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fugong.auth.principal import Principal
from fugong.settings import Settings
from fugong.web.app import create_app
from fugong.web.nav import NAV, visible


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("nav")))


def _who(*roles: str) -> Principal:
    return Principal(1, "someone", "", frozenset(roles), frozenset({"330382"}), "session")


def _links(app: FastAPI, principal: Principal | None) -> list[str]:
    return [item.href for item in visible(app, principal)]


def test_every_header_link_is_a_page_the_app_serves(app: FastAPI) -> None:
    assert _links(app, _who("admin")) == [item.href for item in NAV]


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        ((), ["/geo"], ["/riskmap", "/gate", "/me/code", "/hub", "/healthcode"]),
        (("citizen",), ["/geo", "/healthcode", "/me/code"], ["/riskmap", "/gate", "/enterprise", "/survey", "/hub"]),
        (("checkpoint",), ["/gate"], ["/riskmap", "/me/code", "/healthcode", "/enterprise/review", "/hub"]),
        (
            ("county_official",),
            ["/riskmap", "/power", "/enterprise/review", "/healthcode", "/survey/progress", "/hub"],
            ["/gate", "/enterprise", "/survey", "/me/code"],
        ),
        (("enterprise",), ["/enterprise"], ["/riskmap", "/gate", "/enterprise/review", "/healthcode", "/hub"]),
        (("grassroots",), ["/survey", "/me/code"], ["/riskmap", "/gate", "/survey/progress", "/hub"]),
        (("data_steward",), ["/hub"], ["/gate", "/me/code", "/healthcode", "/riskmap"]),
    ],
)
def test_each_role_sees_its_pages_only(
    app: FastAPI, roles: tuple[str, ...], shown: list[str], hidden: list[str]
) -> None:
    links = _links(app, _who(*roles) if roles else None)
    assert set(shown) <= set(links)
    assert not set(hidden) & set(links)


def test_the_header_of_a_page_follows_the_visitor(app: FastAPI) -> None:
    page = TestClient(app).get("/").text
    assert 'href="/geo"' in page
    assert 'href="/riskmap"' not in page
    assert ">Map<" in TestClient(app).get("/?lang=en").text
