"""``fugong healthcode purge`` applies the retention period on the configured store and says what it removed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from stdnum.cn import ric

from fugong.cli import main
from fugong.healthcode import registry, service
from fugong.healthcode.facts import CheckIn, CheckpointTemperature
from fugong.healthcode.models import HcPurge
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import get_settings


@pytest.fixture
def on_store(store: Any, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI's settings pointed at the test store."""
    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    get_settings.cache_clear()
    return store


def _person_with_an_old_scan(store: Any) -> None:
    body = "33010219900215081"
    number = body + ric.calc_check_digit(body + "0")
    with store.session() as session:
        person = registry.register_self(
            session, pseudonymiser(get_settings()), registry.Registration("某人", number, "330106"), "someone"
        )
        service.add_fact(session, person.id, CheckpointTemperature(datetime(2020, 2, 10, 8), "杭州东站", 365))
        service.add_fact(session, person.id, CheckIn(date(2020, 3, 19)))


def test_the_purge_command_reports_what_it_removed(on_store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _person_with_an_old_scan(on_store)
    assert main(["healthcode", "purge", "--today", "2020-03-20"]) == 0
    assert capsys.readouterr().out == (
        "facts before 2020-02-21 removed: 1 (kept for open appeals 0, for confirmed cases 0); "
        "evidence files removed: 0\n"
    )
    with on_store.session() as session:
        assert session.scalars(select(HcPurge.removed)).all() == [1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "0"], "whole number of days, at least 1"),
        (["--today", "2020-02-30"], "--today"),
    ],
)
def test_a_bad_option_is_one_line_and_nothing_is_purged(
    on_store: Any, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["healthcode", "purge", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    with on_store.session() as session:
        assert session.scalars(select(HcPurge)).all() == []
