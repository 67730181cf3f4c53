"""Adding one day computes that day only, from the stored baselines, and equals a full recompute."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from fugong.power.definitions import Parameters, PowerInputError, View, parse_baseline
from fugong.power.incremental import State, add_days, build_state
from fugong.power.index import parse_levels
from fugong.power.runs import compute, open_inputs


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _readings(days: list[str]) -> list[list[str]]:
    rows = []
    for i in range(12):
        rows += [[f"a{i}", "2019-12-01", str(5 + i)], [f"a{i}", "2019-12-02", str(7 + i)]]
        for k, day in enumerate(days):
            if (i + k) % 5 != 0:
                rows.append([f"a{i}", day, f"{(i * 1.7 + k) % 9:.3f}"])
    return rows


@pytest.mark.parametrize("view", [View.accounts, View.enterprises])
def test_one_new_day_equals_the_full_recompute(tmp_path: Path, view: View) -> None:
    users = _csv(
        tmp_path / "u.csv",
        ["user_id", "enterprise_id", "county_code", "industry"],
        [[f"a{i}", f"e{i // 3}", ["330102", "330103"][i % 2], "C"] for i in range(12)],
    )
    days = ["2020-02-10", "2020-02-11", "2020-02-12"]
    old = _csv(tmp_path / "old.csv", ["user_id", "day", "kwh"], _readings(days[:2]))
    new_rows = [r for r in _readings(days) if r[1] == days[2]] + [["newcomer", days[2], "3"]]
    new = _csv(tmp_path / "new.csv", ["user_id", "day", "kwh"], new_rows)
    everything = _csv(tmp_path / "all.csv", ["user_id", "day", "kwh"], [*_readings(days), ["newcomer", days[2], "3"]])
    params = Parameters(
        parse_baseline("2019-12-01..2019-12-02"),
        view=view,
        levels=parse_levels("province,county"),
        first_day=date(2020, 2, 10),
        last_day=date(2020, 2, 11),
    )
    build_state(open_inputs(old, users), params, tmp_path / "state")
    added = add_days(tmp_path / "state", new)
    assert set(added.figures["day"]) == {date(2020, 2, 12)}  # that day only
    full_inputs = open_inputs(everything, users)
    full = compute(*full_inputs.tables(), Parameters(**{**params.__dict__, "last_day": date(2020, 2, 12)}))
    stored = State.open(tmp_path / "state").figures()
    pd.testing.assert_frame_equal(stored, full)
    assert State.open(tmp_path / "state").parameters.last_day == date(2020, 2, 12)
    assert len(State.open(tmp_path / "state").parameters.inputs) == 3  # readings, users, the new day


def test_a_day_already_computed_is_refused(tmp_path: Path) -> None:
    old = _csv(tmp_path / "old.csv", ["user_id", "day", "kwh"], _readings(["2020-02-10"]))
    params = Parameters(
        parse_baseline("2019-12-01..2019-12-02"), first_day=date(2020, 2, 10), last_day=date(2020, 2, 10)
    )
    build_state(open_inputs(old), params, tmp_path / "state")
    again = _csv(tmp_path / "again.csv", ["user_id", "day", "kwh"], [["a1", "2020-02-10", "4"]])
    with pytest.raises(PowerInputError, match="2020-02-10 is not after the last day already computed"):
        add_days(tmp_path / "state", again)
    with pytest.raises(PowerInputError, match="not an index state folder"):
        add_days(tmp_path, again)
