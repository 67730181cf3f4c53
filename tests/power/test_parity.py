"""The same Ibis expressions on DuckDB and on PySpark give the same figures (to 1e-9), ties included."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fugong.power.definitions import Parameters, parse_baseline
from fugong.power.engines import to_spark
from fugong.power.index import parse_levels
from fugong.power.runs import compute, open_inputs

INTEGERS = ["users", "resumed_users", "missing_users", "outside_users"]
FLOATS = ["resumed_share", "production_share", "index"]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _case(tmp_path: Path) -> tuple[Path, Path]:
    readings, users = [], []
    counties = ["330102", "330103", "330104"]
    for i in range(60):
        uid = f"u{i:02d}"
        base = 1 + i % 7
        for day in ("2019-12-01", "2019-12-02", "2019-12-03"):
            readings.append([uid, day, f"{base * (1 + (i + int(day[-1])) % 3) / 2:.3f}"])
        for d in range(10, 15):
            if (i + d) % 11 == 0:
                continue  # a gap in the meter data
            # some readings sit exactly at 30 % of the baseline: 0.3 × mean of the three December days
            share = [0.3, 0.1, 0.6, 1.0, 0.29][(i + d) % 5]
            readings.append([uid, f"2020-02-{d}", f"{base * share:.3f}"])
        credit = f"e{i // 2:02d}"
        users.append([uid, credit, counties[i % 3], "CFG"[i % 3] if i % 5 else "", "规上" if i % 2 else "规下"])
    users.append(["silent", "e99", "330102", "C", "规上"])  # in the users file, never read
    r = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], readings)
    u = _csv(tmp_path / "u.csv", ["user_id", "enterprise", "county_code", "industry", "size_class"], users)
    return r, u


@pytest.mark.spark
def test_duckdb_and_spark_agree(tmp_path: Path, spark: Any) -> None:
    r, u = _case(tmp_path)
    inputs = open_inputs(r, u)
    readings, users = inputs.tables()
    assert users is not None
    backend = to_spark(spark, {"p_readings": readings.to_pyarrow(), "p_users": users.to_pyarrow()})
    # one Spark query for the whole case (Spark re-runs the shared join for every level: three levels here)
    params = Parameters(
        parse_baseline("2019-12-01..2019-12-03"),
        levels=parse_levels("province,county,county+industry"),
        first_day=date(2020, 2, 9),
        last_day=date(2020, 2, 14),
    )
    on_duckdb = compute(readings, users, params)
    on_spark = compute(backend.table("p_readings"), backend.table("p_users"), params)
    assert len(on_duckdb) == 6 * (1 + 3 + 6)  # six days × the groups that have users
    keys = ["day", "level", "code", *INTEGERS]
    pd.testing.assert_frame_equal(on_duckdb[keys], on_spark[keys])
    for column in FLOATS:
        assert (on_duckdb[column] - on_spark[column]).abs().max() <= 1e-9, column
        assert on_duckdb[column].isna().equals(on_spark[column].isna())
    assert on_duckdb["resumed_users"].sum() > 0
    assert on_duckdb.loc[on_duckdb["day"] == date(2020, 2, 9), "missing_users"].iloc[0] == 60  # no readings that day
    assert on_duckdb["outside_users"].max() == 1  # the account never read
