"""Pages show stored moments (UTC) in China time, the way people in the province read a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fugong.web.templating import local_time


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (datetime(2020, 2, 20, 2, 0, tzinfo=UTC), "2020-02-20 10:00"),
        ("2020-02-20T02:00:00+00:00", "2020-02-20 10:00"),
        ("2020-02-20T18:30:00+00:00", "2020-02-21 02:30"),  # after 16:00 UTC it is already the next day
        ("2020-02-20T10:00+08:00", "2020-02-20 10:00"),
    ],
)
def test_a_moment_is_shown_in_china_time(value: str | datetime, shown: str) -> None:
    assert local_time(value) == shown


@pytest.mark.parametrize("value", ["2020-02-20", "第3周", "10000+", "not a time"])
def test_text_that_is_not_a_moment_with_a_zone_is_shown_as_it_is(value: str) -> None:
    assert local_time(value) == value


def test_nothing_is_shown_for_nothing() -> None:
    assert local_time(None) == ""
    assert local_time("") == ""
    assert local_time(datetime(2020, 2, 20, 2, 0)) == "2020-02-20 02:00:00"  # no zone: not guessed
    assert local_time(date(2020, 2, 20).isoformat()) == "2020-02-20"
