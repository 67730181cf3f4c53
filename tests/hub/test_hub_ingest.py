"""Bad input gets a clear error or a full quarantine with reasons: never a traceback, never a partial dataset."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from fugong.hub.errors import EmptyFile, FileTooLarge, UnknownFeed, UnreadableFile, WrongFeed
from fugong.hub.ingest import ingest
from fugong.hub.lake import Lake
from fugong.hub.quarantine import read_records
from fugong.settings import Settings


def _lake(settings: Settings) -> Lake:
    return Lake(settings.lake_path)


def test_a_file_of_another_feed_is_refused_and_named(settings: Settings, case: Any) -> None:
    with pytest.raises(WrongFeed) as caught:
        ingest("grid_readings", [case("cdc_cases", "cases_bad_rows.csv")], settings=settings)
    assert "no header names a column of feed grid_readings" in caught.value.detail
    assert "look like feed 'cdc_cases'" in caught.value.detail
    assert _lake(settings).datasets() == []


def test_a_missing_required_column_is_named(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_text("account_id,day\n3301060001,2020-02-10\n", encoding="utf-8")
    with pytest.raises(WrongFeed) as caught:
        ingest("grid_readings", [path], settings=settings)
    assert caught.value.detail == "readings.csv: required columns missing for feed grid_readings: kwh (用电量)"
    assert _lake(settings).datasets() == []


def test_an_unreadable_encoding_is_refused(settings: Settings, case: Any) -> None:
    with pytest.raises(UnreadableFile) as caught:
        ingest("grid_readings", [case("grid_readings", "readings_unreadable.csv")], settings=settings)
    assert "unreadable encoding (not UTF-8, GBK or GB18030 text)" in caught.value.detail


def test_binary_data_is_refused(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_bytes(b"account_id,day,kwh\n\x00\x01\x02\x03")
    with pytest.raises(UnreadableFile, match="binary data, not a text file"):
        ingest("grid_readings", [path], settings=settings)


def test_an_empty_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile, match=r"readings.csv: the file is empty \(0 bytes\)"):
        ingest("grid_readings", [path], settings=settings)


def test_a_header_only_csv_is_refused(settings: Settings, case: Any) -> None:
    with pytest.raises(EmptyFile, match=r"readings_header_only\.csv: a header and no rows; nothing was ingested"):
        ingest("grid_readings", [case("grid_readings", "readings_header_only.csv")], settings=settings)
    assert _lake(settings).datasets() == []


def test_a_corrupt_xlsx_is_refused(settings: Settings, case: Any) -> None:
    with pytest.raises(UnreadableFile, match=r"registry_corrupt\.xlsx: not a readable XLSX workbook"):
        ingest("market_registry", [case("market_registry", "registry_corrupt.xlsx")], settings=settings)


def test_text_named_xlsx_and_old_xls_are_refused(settings: Settings, tmp_path: Path) -> None:
    fake = tmp_path / "registry.xlsx"
    fake.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="not a valid XLSX workbook"):
        ingest("market_registry", [fake], settings=settings)
    old = tmp_path / "registry.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(UnreadableFile, match=r"old Excel \(.xls\) files are not read"):
        ingest("market_registry", [old], settings=settings)


def test_a_file_over_the_limit_is_refused_before_reading(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_text("account_id,day,kwh\n" + "3301060001,2020-02-10,1.00\n" * 100, encoding="utf-8")
    with pytest.raises(FileTooLarge) as caught:
        ingest("grid_readings", [path], settings=settings, max_bytes=1000)
    assert caught.value.status == 413
    assert "readings.csv: 2,719 bytes is over the limit of 1,000 bytes" in caught.value.detail


def test_a_2_gb_file_is_refused_by_the_default_limit(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    with path.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: 2 GiB long, no disk blocks written
    assert os.stat(path).st_blocks < 100
    with pytest.raises(FileTooLarge, match="2,147,483,648 bytes is over the limit of 1,073,741,824 bytes"):
        ingest("grid_readings", [path], settings=settings)


def test_an_unknown_feed_lists_the_feeds(settings: Settings, case: Any) -> None:
    with pytest.raises(UnknownFeed, match="unknown feed 'grid'; feeds are cdc_cases, cdc_contacts"):
        ingest("grid", [case("grid_readings", "readings_units.csv")], settings=settings)


def test_one_bad_file_leaves_no_partial_dataset(settings: Settings, case: Any) -> None:
    good = case("grid_readings", "readings_units.csv")
    with pytest.raises(EmptyFile):
        ingest("grid_readings", [good, case("grid_readings", "readings_header_only.csv")], settings=settings)
    assert _lake(settings).datasets() == []
    assert not any((settings.lake_path / "_staging").iterdir())


def test_a_file_with_no_valid_row_is_fully_quarantined_with_reasons(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    path.write_text("户号,日期,用电量\n,2020-02-10,1\n3301060001,2020-13-45,2\n3301060001,2020-02-10,-1\n", "utf-8")
    report = ingest("grid_readings", [path], settings=settings)
    assert (report.read, report.accepted, report.quarantined) == (3, 0, 3)
    assert report.by_reason == {"bad_date": 1, "below_minimum": 1, "missing_value": 1}
    version = _lake(settings).require("grid_readings")
    assert version.rows == 0
    assert {(r["line"], r["column"], r["reason"]) for r in read_records(version)} == {
        (2, "account_id", "missing_value"),
        (3, "day", "bad_date"),
        (4, "kwh", "below_minimum"),
    }


def test_a_file_with_no_valid_row_never_empties_a_register(settings: Settings, case: Any, tmp_path: Path) -> None:
    ingest("county_stats", [case("county_stats", "county_stats_gbk.csv")], settings=settings)
    bad = tmp_path / "stats.csv"
    bad.write_text("县区代码,常住人口（万人）\n999999,12\n", encoding="utf-8")
    report = ingest("county_stats", [bad], settings=settings)
    assert (report.accepted, report.by_reason, report.dataset_rows) == (0, {"unknown_region": 1}, 2)


def test_reingesting_the_same_events_adds_nothing(settings: Settings, case: Any) -> None:
    first = ingest("grid_readings", [case("grid_readings", "readings_units.csv")], settings=settings)
    again = ingest("grid_readings", [case("grid_readings", "readings_units.csv")], settings=settings)
    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    assert again.dataset_rows == first.dataset_rows == 2
    version = _lake(settings).require("grid_readings")
    dups = read_records(version, reason="duplicate")
    assert {d["detail"] for d in dups} == {
        "same key as readings_units.csv line 2",
        "same key as readings_units.csv line 3",
    }


def test_a_register_update_replaces_rows_by_key(settings: Settings, case: Any, tmp_path: Path) -> None:
    ingest("county_stats", [case("county_stats", "county_stats_gbk.csv")], settings=settings)
    update = tmp_path / "stats.csv"
    update.write_text("县区代码,常住人口（万人）\n330106,120.00\n330727,30.10\n", encoding="utf-8")
    report = ingest("county_stats", [update], settings=settings)
    assert (report.accepted, report.replaced, report.dataset_rows) == (2, 1, 3)
