"""Shortfalls (held back, with suppliers' status) and gaming checks (flagged with reasons, never excluded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from fugong.power.definitions import Parameters, PowerInputError, parse_baseline
from fugong.power.gaming import gaming_flags, load_workforce
from fugong.power.index import population
from fugong.power.runs import compute, open_inputs
from fugong.power.shortfall import ShortfallRules, load_links, shortfalls

DECEMBER = parse_baseline("2019-12-01..2019-12-07")
FEB = [date(2020, 2, 10) + timedelta(days=i) for i in range(10)]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _series(user: str, december: Sequence[float], february: Sequence[float | None]) -> list[list[str]]:
    rows = [[user, (date(2019, 12, 1) + timedelta(days=i)).isoformat(), f"{v:.3f}"] for i, v in enumerate(december)]
    rows += [[user, d.isoformat(), "" if v is None else f"{v:.3f}"] for d, v in zip(FEB, february, strict=True)]
    return rows


NORMAL_DECEMBER = [100, 110, 95, 105, 60, 55, 100]  # mean 89.29 kWh; weekends lower


def test_a_firm_held_back_is_listed_with_its_suppliers(tmp_path: Path) -> None:
    rows = _series("held", NORMAL_DECEMBER, [0, 0, 0, 0, 0, 0, 0, 40, 45, 50])  # 45–56 % for the last 3 days
    rows += _series("brief", NORMAL_DECEMBER, [0] * 8 + [40, 45])  # only 2 days below 60 %
    rows += _series("fine", NORMAL_DECEMBER, [0] * 7 + [80, 85, 90])
    rows += _series("supplier_idle", NORMAL_DECEMBER, [0] * 10)
    rows += _series("supplier_busy", NORMAL_DECEMBER, [90] * 10)
    readings = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], rows)
    links = _csv(
        tmp_path / "links.csv",
        ["企业信用代码", "供应商信用代码", "采购占比"],
        [["held", "supplier_idle", "60"], ["held", "supplier_busy", "30"], ["held", "elsewhere", "10"]],
    )
    inputs = open_inputs(readings)
    assert load_links(inputs.con, links) == 3
    params = Parameters(DECEMBER, first_day=FEB[-1], last_day=FEB[-1])
    readings_table = inputs.tables()[0]
    pop = population(readings_table, None, params)
    table = shortfalls(readings_table, pop, params, FEB[-1], inputs.backend.table("links"))
    assert table["enterprise_id"].tolist() == ["held"]
    held = table.iloc[0]
    assert held["ratio_pct"] == pytest.approx(50 / (sum(NORMAL_DECEMBER) / 7) * 100)
    assert (held["suppliers"], held["suppliers_resumed"], held["suppliers_not_resumed"], held["suppliers_unknown"]) == (
        3,
        1,
        1,
        1,
    )
    assert held["supplier_status"] == "elsewhere unknown; supplier_busy resumed 101%; supplier_idle not resumed 0%"
    two_days = shortfalls(readings_table, pop, params, FEB[-1], None, ShortfallRules(days=2))
    assert sorted(two_days["enterprise_id"]) == ["brief", "held"]
    with pytest.raises(PowerInputError, match="at least 1"):
        shortfalls(readings_table, pop, params, FEB[-1], None, ShortfallRules(days=0))


def test_a_links_file_without_its_columns(tmp_path: Path) -> None:
    inputs = open_inputs(_csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], [["a", "2019-12-01", "1"]]))
    with pytest.raises(PowerInputError, match="supplier_id"):
        load_links(inputs.con, _csv(tmp_path / "l.csv", ["enterprise_id", "vendor"], [["a", "b"]]))


def test_gaming_patterns_are_flagged_with_reasons_and_stay_in_the_index(tmp_path: Path) -> None:
    rows = _series("flat", NORMAL_DECEMBER, [0, 0, 70, 70, 70, 70, 70.5, 70, 70, 70])  # same kWh, rest days too
    rows += _series("jump", NORMAL_DECEMBER, [0, 0, 0, 5, 89.5, 88, 95, 101, 70, 99])  # 5 % → 100.2 % overnight
    rows += _series("ramp", NORMAL_DECEMBER, [0, 10, 20, 35, 50, 65, 80, 80, 95, 60])  # a real restart
    rows += _series("crowd", NORMAL_DECEMBER, [0, 0, 0, 0, 0, 0, 0, 85, 85, 90])
    readings = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], rows)
    workforce = _csv(
        tmp_path / "w.csv",
        ["credit_code", "day", "on_site", "headcount"],
        [["crowd", FEB[-1].isoformat(), "5", "100"], ["ramp", FEB[-1].isoformat(), "60", "100"]],
    )
    inputs = open_inputs(readings)
    load_workforce(inputs.con, workforce)
    params = Parameters(DECEMBER, first_day=FEB[0], last_day=FEB[-1])
    readings_table = inputs.tables()[0]
    pop = population(readings_table, None, params)
    flags = gaming_flags(readings_table, pop, params, inputs.backend.table("workforce"))
    found = {(r.user_id, r.check): r for r in flags.itertuples()}
    assert set(found) == {("flat", "flat"), ("jump", "jump"), ("crowd", "workforce")}
    assert found[("flat", "flat")].first_day == FEB[8]  # the seventh flat day
    assert found[("flat", "flat")].days_flagged == 2
    assert "2 rest days" in found[("flat", "flat")].reason
    assert found[("jump", "jump")].first_day == FEB[4]
    assert found[("jump", "jump")].reason.startswith("jumped from 6% of baseline the day before to 100.2%")
    assert found[("crowd", "workforce")].reason == "101% of baseline kWh with 5 of 100 staff on site (5%)"
    # flagged firms are still counted: flat, jump and crowd all resumed on the last day
    figures = compute(readings_table, None, params).set_index("day")
    assert figures.loc[FEB[-1], "resumed_users"] == 4


def test_a_bad_workforce_file_names_its_lines(tmp_path: Path) -> None:
    inputs = open_inputs(_csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], [["a", "2019-12-01", "1"]]))
    bad = _csv(
        tmp_path / "w.csv",
        ["enterprise_id", "day", "on_site", "headcount"],
        [["a", "2020-02-10", "5", "10"], ["a", "2020-02-11", "50", "10"], ["a", "someday", "1", "10"]],
    )
    with pytest.raises(PowerInputError, match="lines 3, 4: need a firm"):
        load_workforce(inputs.con, bad)
    with pytest.raises(PowerInputError, match="needs enterprise_id"):
        load_workforce(inputs.con, _csv(tmp_path / "x.csv", ["day", "people"], [["2020-02-10", "3"]]))
