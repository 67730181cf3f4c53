"""Fixtures of the health code's web tests: the real app on a clean SQLite store, its clock on 20 Feb 2020."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric

from fugong.web.testing import WebUnderTest, web_under_test

XIHU, SHANGCHENG = "330106", "330102"
NOW = datetime(2020, 2, 20, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou


def id_number(serial: int) -> str:
    """A valid resident ID number (born in 上城区 on 15 Feb 1990) with this serial."""
    body = f"33010219900215{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


Web = WebUnderTest


@pytest.fixture(scope="session")
def hc_web_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once, copied clean for each web test."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("hc-web-store")) as template:
        yield template


@pytest.fixture
def web(hc_web_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app; ``web.token("li", "county_official", counties=("330106",))`` signs a user in."""
    with (
        hc_web_template.clean_url(tmp_path) as url,
        web_under_test(url, tmp_path / "var", tmp_path, monkeypatch.setenv, clock=lambda: NOW) as web,
    ):
        yield web
