"""Each indicator on hand-made rows."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from fugong.riskmap.cases import CaseDataError, CaseDay, build_table
from fugong.riskmap.indicators import compute

U = "U1"
D = date(2020, 2, 1)


def _series(rows: list[CaseDay], start: date, end: date, units: tuple[str, ...] = (U,)):
    table = build_table(rows, first_day=date(2020, 1, 1), last_day=date(2020, 3, 31))
    return compute(table, units, start, end)


def test_cumulative_counts_confirmed_less_removed() -> None:
    rows = [CaseDay(U, date(2020, 1, 20), 5), CaseDay(U, date(2020, 1, 30), 3, removed=2)]
    [ind] = _series(rows, D, D)[U]
    assert ind.cumulative_confirmed == 6


def test_new_7d_and_14d_include_the_day_and_end_at_their_window() -> None:
    rows = [CaseDay(U, date(2020, 1, 18), 1), CaseDay(U, date(2020, 1, 26), 4), CaseDay(U, date(2020, 2, 1), 2)]
    [ind] = _series(rows, D, D)[U]
    assert (ind.new_7d, ind.new_14d) == (6, 6)  # 18 Jan is 14 days back: just outside the 14-day window
    [later] = _series(rows, date(2020, 2, 2), date(2020, 2, 2))[U]
    assert (later.new_7d, later.new_14d) == (2, 6)  # 26 Jan has left the 7-day window


def test_removals_do_not_lower_the_recent_new_cases() -> None:
    rows = [CaseDay(U, date(2020, 1, 30), 3), CaseDay(U, date(2020, 1, 31), 0, removed=2)]
    [ind] = _series(rows, D, D)[U]
    assert (ind.new_7d, ind.cumulative_confirmed) == (3, 1)


def test_local_share_is_exact_and_unknown_origin_counts_as_local() -> None:
    rows = [CaseDay(U, date(2020, 1, 25), 3, 1, 2), CaseDay(U, date(2020, 1, 27), 3)]
    [ind] = _series(rows, D, D)[U]
    assert ind.local_share == Fraction(4, 6)


def test_clusters_to_date_and_in_the_last_14_days() -> None:
    rows = [CaseDay(U, date(2020, 1, 10), 2, new_clusters=1), CaseDay(U, date(2020, 1, 28), 2, new_clusters=2)]
    [ind] = _series(rows, D, D)[U]
    assert (ind.clusters, ind.clusters_14d) == (3, 2)


def test_days_without_new_count_from_the_last_new_case() -> None:
    rows = [CaseDay(U, date(2020, 1, 29), 1), CaseDay(U, date(2020, 1, 30), 0, removed=1)]
    series = _series(rows, date(2020, 1, 29), D)[U]
    assert [i.days_without_new for i in series] == [0, 1, 2, 3]


def test_a_unit_without_rows_never_had_a_case() -> None:
    [ind] = _series([CaseDay(U, date(2020, 1, 29), 1)], D, D, (U, "U2"))["U2"]
    assert ind.never_a_case
    assert ind.cumulative_confirmed == 0
    assert ind.local_share == 0


def test_a_day_outside_the_data_is_refused() -> None:
    table = build_table([CaseDay(U, date(2020, 1, 29), 1)])
    with pytest.raises(CaseDataError, match=r"outside the case data, which covers 2020-01-29 … 2020-01-29"):
        compute(table, (U,), D, D)


def test_a_period_ending_before_it_starts_is_refused() -> None:
    table = build_table([CaseDay(U, date(2020, 1, 29), 1)], last_day=date(2020, 2, 5))
    with pytest.raises(CaseDataError, match="ends"):
        compute(table, (U,), date(2020, 2, 3), date(2020, 2, 1))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (CaseDay(U, D, -1), "new_confirmed is -1; counts cannot be negative"),
        (CaseDay(U, D, 2, 1, 0), "new_local 1 \\+ new_imported 0 is not new_confirmed 2"),
        (CaseDay(U, D, 2, 2, None), "give both new_local and new_imported"),
        (CaseDay(U, D, 1, removed=-1), "removed is -1"),
        (CaseDay(U, D, 1, new_clusters=-2), "new_clusters is -2"),
    ],
)
def test_impossible_counts_are_refused(row: CaseDay, message: str) -> None:
    with pytest.raises(CaseDataError, match=message):
        build_table([row])


def test_unknown_units_are_named_and_set_aside_units_counted() -> None:
    rows = [CaseDay(U, D, 1), CaseDay("999999", D, 1, source="f.csv:3"), CaseDay("330000", D, 4)]
    with pytest.raises(CaseDataError, match=r"unknown unit code\(s\).*'999999' \(f.csv:3\)"):
        build_table(rows, units={U}, set_aside={"330000"})
    table = build_table(rows[::2], units={U}, set_aside={"330000"})
    assert table.units() == {U}
    assert table.outside_units == {"330000": 4}


def test_two_rows_for_one_unit_and_day_are_refused() -> None:
    with pytest.raises(CaseDataError, match="a second row for unit U1 on 2020-02-01"):
        build_table([CaseDay(U, D, 1), CaseDay(U, D, 2)])


def test_no_rows_at_all_is_refused() -> None:
    with pytest.raises(CaseDataError, match="no rows"):
        build_table([])
