"""Readings files: long or wide, CSV, Parquet or XLSX; every problem row counted and listed, nothing valid lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from fugong.power.definitions import PowerInputError
from fugong.power.readings import load_readings, sql


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return sql(con, "SELECT user_id, day, wh FROM readings ORDER BY user_id, day")


def test_a_long_csv_becomes_whole_watt_hours(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "r.csv", ["user_id", "day", "kwh"], [["a", "2020-01-01", "1.5"], ["a", "2020-01-02", "0.001"]]
    )
    con = duckdb.connect()
    report = load_readings(con, path)
    assert _rows(con) == [("a", date(2020, 1, 1), 1500), ("a", date(2020, 1, 2), 1)]
    assert (report.layout, report.rows, report.readings, report.users, report.notes()) == ("long", 2, 2, 1, [])


def test_a_wide_file_has_one_column_per_user_and_total_is_not_a_user(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "w.csv",
        ["record_date", "7", "8", "total"],
        [["2016-02-01", "10", "", "10"], ["2016-02-02", "4", "6", "10"]],
    )
    con = duckdb.connect()
    report = load_readings(con, path)
    assert _rows(con) == [
        ("7", date(2016, 2, 1), 10000),
        ("7", date(2016, 2, 2), 4000),
        ("8", date(2016, 2, 1), None),
        ("8", date(2016, 2, 2), 6000),
    ]
    assert (report.layout, report.users, report.missing) == ("wide", 2, 1)
    assert report.notes() == ["1 user-days have no reading (missing or rejected): not resumed, counted"]


def test_parquet_and_xlsx_read_like_csv(tmp_path: Path) -> None:
    table = pa.table({"account_id": ["a", "b"], "day": [date(2020, 1, 1)] * 2, "kwh": pa.array([1.25, 2.0])})
    pq.write_table(table, tmp_path / "r.parquet")
    con = duckdb.connect()
    load_readings(con, tmp_path / "r.parquet")
    assert _rows(con) == [("a", date(2020, 1, 1), 1250), ("b", date(2020, 1, 1), 2000)]
    book = Workbook()
    sheet = book.active
    sheet.append(["day", "a", "b"])
    sheet.append([date(2020, 1, 1), 1.25, 2])
    book.save(tmp_path / "r.xlsx")
    load_readings(con, tmp_path / "r.xlsx")
    assert _rows(con) == [("a", date(2020, 1, 1), 1250), ("b", date(2020, 1, 1), 2000)]


def test_bad_rows_are_rejected_with_line_and_reason_and_the_day_counts_as_missing(tmp_path: Path) -> None:
    rows = [
        ["a", "2020-01-01", "10"],
        ["a", "2020-01-01", "10"],  # the same reading twice: kept once
        ["b", "2020-01-01", "-1"],  # negative
        ["b", "2020-01-02", ""],  # missing
        ["", "2020-01-01", "3"],  # no user
        ["c", "01/02/2020", "4"],  # not a date
        ["c", "2020-01-01", "abc"],  # not a number
        ["d", "2020-01-01", "5"],  # two different readings for one day
        ["d", "2020-01-01", "6"],
        ["e", "2020-01-01", "200000000"],  # implausible
        ["e", "2020-01-02", "7"],
    ]
    path = _csv(tmp_path / "r.csv", ["user_id", "day", "kwh"], rows)
    con = duckdb.connect()
    report = load_readings(con, path)
    assert _rows(con) == [
        ("a", date(2020, 1, 1), 10000),
        ("b", date(2020, 1, 1), None),
        ("b", date(2020, 1, 2), None),
        ("c", date(2020, 1, 1), None),
        ("d", date(2020, 1, 1), None),
        ("e", date(2020, 1, 1), None),
        ("e", date(2020, 1, 2), 7000),
    ]
    rejects = sql(con, "SELECT line, reason FROM readings_rejects ORDER BY line")
    assert rejects == [
        (4, "negative kWh"),
        (6, "no user id"),
        (7, "day is not a date (YYYY-MM-DD)"),
        (8, "kWh is not a number"),
        (9, "different readings for the same user and day"),
        (10, "different readings for the same user and day"),
        (11, "implausible kWh (above 100,000,000 a day)"),
    ]
    assert (report.rejected_kwh, report.rejected_rows, report.duplicates_collapsed, report.conflicting_rows) == (
        3,
        2,
        1,
        2,
    )
    assert report.missing == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("user_id,day,kwh\n", "header but no readings"),
        ("site,a,b\nnorth,1,2\nsouth,3,4\n", "first column 'site' holds no dates (e.g. 'north')"),
        ("user_id,kwh\na,1\n", "neither long (user_id, day, kwh) nor wide"),
        ("day,total\n2020-01-01,5\n", "one column per user"),
    ],
)
def test_unusable_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PowerInputError) as caught:
        load_readings(duckdb.connect(), path)
    assert message in caught.value.detail


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(PowerInputError, match="does not exist"):
        load_readings(duckdb.connect(), tmp_path / "absent.csv")
    (tmp_path / "r.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PowerInputError, match=r"use \.csv, \.parquet or \.xlsx"):
        load_readings(duckdb.connect(), tmp_path / "r.json")
