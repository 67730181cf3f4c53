"""The index through the engine: published figures, ties, levels summed from users, views, variants, gaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fugong.power.definitions import Parameters, PowerInputError, Ratio, Variant, View, parse_baseline
from fugong.power.index import parse_levels
from fugong.power.runs import IndexRun, open_inputs, run_index

DEC = parse_baseline("2019-12-01..2019-12-02")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _run(tmp_path: Path, readings: list[list[str]], users: list[list[str]] | None = None, **kw: object) -> IndexRun:
    r = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], readings)
    u = None
    if users is not None:
        u = _csv(tmp_path / "u.csv", ["user_id", "credit_code", "county_code", "industry"], users)
    params = Parameters(DEC, first_day=date(2020, 2, 10), last_day=date(2020, 2, 10), **kw)  # type: ignore[arg-type]
    return run_index(open_inputs(r, u), params)


def _row(run: IndexRun, level: str = "province", code: str = "all") -> dict[str, Any]:
    frame = run.figures
    row: dict[str, Any] = frame[(frame["level"] == level) & (frame["code"] == code)].iloc[0].to_dict()
    return row


def test_the_engine_reproduces_zhejiang_s_published_figures(published_readings: Path) -> None:
    params = Parameters(
        parse_baseline("2019-12-01..2019-12-31"), first_day=date(2020, 2, 10), last_day=date(2020, 2, 20)
    )
    run = run_index(open_inputs(published_readings), params)
    got = run.figures.set_index("day")
    for day, (resumed, production, index) in {
        date(2020, 2, 10): (19.37, 31.47, 25.42),
        date(2020, 2, 19): (57.60, 45.28, 51.44),
        date(2020, 2, 20): (60.15, 47.27, 53.71),
    }.items():
        assert got.loc[day, "resumed_share"] == pytest.approx(resumed, abs=1e-9)
        assert got.loc[day, "production_share"] == pytest.approx(production, abs=1e-9)
        assert got.loc[day, "index"] == pytest.approx(index, abs=1e-9)
    # the days between have no readings at all: every user is missing, nobody resumed
    assert got.loc[date(2020, 2, 15), "missing_users"] == 10_000
    assert got.loc[date(2020, 2, 15), "index"] == 0


def test_a_reading_exactly_at_the_threshold_counts_as_resumed(tmp_path: Path) -> None:
    readings = [
        ["tie", "2019-12-01", "1.360"],
        ["tie", "2019-12-02", "1.360"],
        ["tie", "2020-02-10", "0.408"],  # exactly 30 % of 1.36; 0.3 × 1.36 in floats is above 0.408
        ["under", "2019-12-01", "1.360"],
        ["under", "2019-12-02", "1.360"],
        ["under", "2020-02-10", "0.407"],
    ]
    row = _row(_run(tmp_path, readings))
    assert (row["users"], row["resumed_users"]) == (2, 1)
    assert row["production_share"] == pytest.approx(0.408 / 2.72 * 100, abs=1e-9)


def test_every_level_is_summed_from_users_not_averaged(tmp_path: Path) -> None:
    readings = []
    users = []
    # county A: 1 user, resumed at 100 %; county B: 3 users, one resumed at 50 %
    for uid, county, kwh in [
        ("a1", "330102", "10"),
        ("b1", "330103", "5"),
        ("b2", "330103", "1"),
        ("b3", "330103", ""),
    ]:
        readings += [[uid, "2019-12-01", "10"], [uid, "2019-12-02", "10"], [uid, "2020-02-10", kwh]]
        users.append([uid, "", county, "C" if uid != "b3" else "F"])
    run = _run(tmp_path, readings, users, levels=parse_levels("province,county,industry,county+industry"))
    province = _row(run)
    assert (province["users"], province["resumed_users"], province["missing_users"]) == (4, 2, 1)
    assert province["resumed_share"] == 50.0
    assert province["production_share"] == pytest.approx(15 / 40 * 100)
    a, b = _row(run, "county", "330102"), _row(run, "county", "330103")
    assert (a["index"], b["index"]) == (100.0, pytest.approx((100 / 3 + 50 / 3) / 2))
    assert province["index"] != pytest.approx((a["index"] + b["index"]) / 2)  # not the mean of counties
    both = _row(run, "county+industry", "330103|C")
    assert (both["users"], both["resumed_users"], both["name"]) == (2, 1, "下城区|制造业")
    assert _row(run, "industry", "F")["missing_users"] == 1


def test_the_all_variant_counts_every_user_s_kwh(tmp_path: Path) -> None:
    readings = [
        ["a", "2019-12-01", "10"],
        ["a", "2020-02-10", "10"],
        ["b", "2019-12-01", "10"],
        ["b", "2020-02-10", "2"],
    ]
    assert _row(_run(tmp_path, readings))["production_share"] == 50.0
    assert _row(_run(tmp_path, readings, variant=Variant.all))["production_share"] == 60.0


def test_an_enterprise_s_accounts_are_summed_before_it_is_judged(tmp_path: Path) -> None:
    code = "91330102MA0000001" + "X"
    from stdnum.cn import uscc

    code = code[:17] + uscc.calc_check_digit(code[:17])
    readings = [
        ["m1", "2019-12-01", "10"],
        ["m1", "2020-02-10", "0"],  # main meter off
        ["m2", "2019-12-01", "10"],
        ["m2", "2020-02-10", "8"],  # second meter at 80 %: the enterprise is at 40 %
    ]
    users = [["m1", code, "330102", "C"], ["m2", code, "330102", "C"]]
    accounts = _row(_run(tmp_path, readings, users))
    enterprises = _row(_run(tmp_path, readings, users, view=View.enterprises))
    assert (accounts["users"], accounts["resumed_users"]) == (2, 1)
    assert (enterprises["users"], enterprises["resumed_users"], enterprises["production_share"]) == (1, 1, 40.0)


def test_users_without_baseline_are_outside_and_unknown_users_are_kept(tmp_path: Path) -> None:
    readings = [
        ["a", "2019-12-01", "10"],
        ["a", "2020-02-10", "10"],
        ["zero", "2019-12-01", "0"],  # a zero mean: outside the population
        ["zero", "2020-02-10", "5"],
        ["stranger", "2019-12-01", "10"],  # not in the users file: kept under "unknown"
        ["stranger", "2020-02-10", "1"],
        ["late", "2020-02-10", "4"],  # no baseline and not in the users file: counted in the notes
    ]
    users = [["a", "", "330102", "C"], ["zero", "", "330102", "C"], ["silent", "", "330102", "C"]]
    run = _run(tmp_path, readings, users, levels=("province", "county"))
    assert (_row(run)["users"], _row(run)["outside_users"]) == (2, 2)
    unknown = _row(run, "county", "unknown")
    assert (unknown["users"], unknown["resumed_users"], unknown["name"]) == (1, 0, "未知 (not in the users file)")
    assert "2 users outside the population (no reading, or a zero total, in the baseline window)" in run.notes
    assert any(n.startswith("1 users have readings in the indexed days but neither a baseline") for n in run.notes)


def test_a_baseline_window_without_readings_is_an_error(tmp_path: Path) -> None:
    r = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], [["a", "2020-02-10", "1"]])
    params = Parameters(
        parse_baseline("2019-12-01..2019-12-31"), first_day=date(2020, 2, 10), last_day=date(2020, 2, 10)
    )
    with pytest.raises(
        PowerInputError, match=r"2019-12-01\.\.2019-12-31 has no readings; the readings cover 2020-02-10\.\.2020-02-10"
    ):
        run_index(open_inputs(r), params)


def test_levels_are_checked() -> None:
    assert parse_levels("province, county+industry,county") == ("province", "county+industry", "county")
    with pytest.raises(PowerInputError, match="unknown level 'town'"):
        parse_levels("province,town")


def test_a_custom_threshold_moves_the_line(tmp_path: Path) -> None:
    readings = [["a", "2019-12-01", "10"], ["a", "2020-02-10", "4"]]
    assert _row(_run(tmp_path, readings))["resumed_users"] == 1
    assert _row(_run(tmp_path, readings, threshold=Ratio.parse("0.5", "--threshold")))["resumed_users"] == 0
    assert isinstance(_run(tmp_path, readings).figures, pd.DataFrame)
