"""Department files as they arrive: GBK and GB18030 with Chinese headers, BOMs, XLSX exports, JSON lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from fugong.hub.ingest import ingest
from fugong.hub.lake import Lake, relation
from fugong.hub.pseudonyms import enterprise_key
from fugong.hub.quarantine import read_records
from fugong.settings import Settings


def _rows(settings: Settings, dataset: str, order: str) -> list[dict[str, Any]]:
    found = relation(dataset, settings)
    with duckdb.connect() as con:
        cursor = con.execute(f"SELECT * FROM ({found.sql}) ORDER BY {order}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_gbk_csv_with_chinese_headers_is_read_and_standardised(settings: Settings, case: Any) -> None:
    report = ingest("county_stats", [case("county_stats", "county_stats_gbk.csv")], settings=settings)
    assert report.sources[0].encoding == "gbk"
    assert report.sources[0].columns["population_10k"] == "常住人口（万人）"
    assert (report.read, report.accepted, report.quarantined) == (3, 2, 1)
    assert report.by_reason == {"missing_value": 1}
    assert report.fixes == {"region_name": 1}
    rows = _rows(settings, "county_stats", "county_code")
    assert [(r["county_code"], r["county_name"]) for r in rows] == [("330106", "西湖区"), ("330382", "乐清市")]
    assert rows[0]["note"] == "合成数据，非官方统计"
    assert str(rows[1]["gdp_100m_yuan"]) == "1233.70"


def test_gb18030_csv_keeps_characters_outside_gbk(settings: Settings, case: Any) -> None:
    report = ingest("market_registry", [case("market_registry", "registry_gb18030.csv")], settings=settings)
    assert report.sources[0].encoding == "gb18030"
    assert (report.read, report.accepted, report.duplicates) == (5, 3, 1)
    assert report.by_reason == {"bad_check_character": 1, "duplicate": 1}
    # The duplicate of line 3 was standardised too before it was found to repeat line 3.
    assert report.fixes == {"date_format": 3, "industry_text": 2, "region_name": 2, "region_short_name": 1}
    names = {r["name"]: r for r in _rows(settings, "market_registry", "name")}
    assert "𠮷野家餐饮（杭州）有限公司" in names
    electric = names["乐清电气设备有限公司"]
    assert (electric["county_code"], electric["industry_section"], str(electric["established_on"])) == (
        "330382",
        "C",
        "2020-02-10",
    )


def test_xlsx_with_a_title_row_above_the_header(settings: Settings, case: Any) -> None:
    report = ingest("employees", [case("employees", "employees_title_row.xlsx")], settings=settings)
    source = report.sources[0]
    assert (source.format, source.encoding) == ("xlsx", None)
    assert (report.read, report.accepted, report.quarantined) == (4, 3, 1)
    version = Lake(settings.lake_path).require("employees")
    [bad] = read_records(version)
    # Sheet row 5: the title is row 1, the header row 2; the masked ID never shows the number.
    assert (bad["line"], bad["column"], bad["reason"]) == (5, "person_key", "bad_check_character")
    assert bad["value"].startswith("3601")
    assert "*" in bad["value"]
    rows = _rows(settings, "employees", "arrived_on")
    assert [str(r["arrived_on"]) for r in rows] == ["2020-02-08", "None", "None"]
    assert "name" not in rows[0]  # names are checked and dropped: the lake keeps keys only


def test_json_lines_quarantine_broken_lines_and_keep_line_numbers(settings: Settings, case: Any) -> None:
    report = ingest("telecom_stays", [case("telecom_stays", "stays_malformed_lines.jsonl")], settings=settings)
    assert (report.read, report.accepted, report.quarantined) == (6, 3, 3)
    version = Lake(settings.lake_path).require("telecom_stays")
    found = {(r["line"], r["reason"]) for r in read_records(version)}
    # Line 4 is blank (no record); the broken object is line 3, the array line 5, the missing last_day line 6.
    assert found == {(3, "malformed_json"), (5, "malformed_json"), (6, "missing_value")}
    assert report.fixes == {"date_format": 1, "region_name": 1}
    regions = sorted(r["region_code"] for r in _rows(settings, "telecom_stays", "first_day"))
    assert regions == ["330382", "330382", "420100"]


def test_csv_rows_that_do_not_split_are_quarantined_with_their_real_lines(settings: Settings, case: Any) -> None:
    report = ingest("cdc_cases", [case("cdc_cases", "cases_bad_rows.csv")], settings=settings)
    assert (report.read, report.accepted, report.quarantined) == (4, 2, 2)
    version = Lake(settings.lake_path).require("cdc_cases")
    records = {(r["line"], r["reason"]) for r in read_records(version)}
    assert records == {(3, "too_many_columns"), (6, "not_in_code_list")}
    lines = {r["case_id"]: r["_line"] for r in _rows(settings, "cdc_cases", "case_id")}
    # Line 4 is blank: the record after it is line 5, not 4.
    assert lines == {"ZJ000001": 2, "ZJ000003": 5}
    assert report.fixes == {"date_format": 2, "region_short_name": 1}


def test_numbers_with_separators_and_units_are_converted(settings: Settings, case: Any) -> None:
    report = ingest("grid_readings", [case("grid_readings", "readings_units.csv")], settings=settings)
    assert report.fixes == {"number_format": 1, "unit_converted": 1}
    assert report.by_reason == {"below_minimum": 1, "not_a_number": 1}
    kwh = [str(r["kwh"]) for r in _rows(settings, "grid_readings", "day")]
    assert kwh == ["1234.50", "1500.00"]


def test_utf8_with_bom_and_utf16_are_read(settings: Settings, tmp_path: Path) -> None:
    rows = "场所编码,场所名称,场所类型,县区,关联企业信用代码\nCK3301060001,西湖银泰,商场超市,西湖区,\n"
    (tmp_path / "bom.csv").write_text(rows, encoding="utf-8-sig")
    (tmp_path / "utf16.csv").write_text(rows.replace("CK3301060001", "CK3301060002"), encoding="utf-16")
    report = ingest("checkpoint_places", [tmp_path / "bom.csv", tmp_path / "utf16.csv"], settings=settings)
    assert [s.encoding for s in report.sources] == ["utf-8-sig", "utf-16"]
    assert [r["place_id"] for r in _rows(settings, "checkpoint_places", "place_id")] == ["CK3301060001", "CK3301060002"]


def test_pseudonyms_replace_credit_codes_and_are_stable(settings: Settings, case: Any) -> None:
    ingest("market_registry", [case("market_registry", "registry_gb18030.csv")], settings=settings)
    keys = {r["name"]: r["enterprise_key"] for r in _rows(settings, "market_registry", "name")}
    code = "91330382MA0000002" + "0"
    from stdnum.cn import uscc

    code = code[:17] + uscc.calc_check_digit(code[:17])
    assert keys["乐清电气设备有限公司"] == enterprise_key(code, settings)
    assert all(len(k) == 32 and code not in k for k in keys.values())


def test_readings_read_straight_into_the_checks_keep_their_real_lines(settings: Settings, tmp_path: Path) -> None:
    first = tmp_path / "readings_a.csv"
    first.write_text(
        "account_id,day,kwh\n0000000001,2020-02-01,10\n\n0000000001,2020-02-02,1,2\n0000000001,2020/2/3,-5\n"
        "0000000002,2020-02-01,7\n",
        encoding="utf-8",
    )
    second = tmp_path / "readings_b.csv"
    second.write_text("account_id,day,kwh\n\n0000000002,2020-02-01,8\n0000000003,2020-02-01,9\n", encoding="utf-8")
    report = ingest("grid_readings", [first, second], settings=settings)
    assert (report.read, report.accepted, report.quarantined, report.duplicates) == (6, 3, 3, 1)
    assert [(s.name, s.read, s.accepted) for s in report.sources] == [
        ("readings_a.csv", 4, 2),
        ("readings_b.csv", 2, 1),
    ]
    version = Lake(settings.lake_path).require("grid_readings")
    records = {(r["file"], r["line"], r["reason"]) for r in read_records(version)}
    assert records == {
        ("readings_a.csv", 4, "too_many_columns"),
        ("readings_a.csv", 5, "below_minimum"),
        ("readings_b.csv", 3, "duplicate"),
    }
    # Blank lines and the record that did not split shift the lines after them, in each file.
    lines = {r["account_id"]: r["_line"] for r in _rows(settings, "grid_readings", "account_id")}
    assert lines == {"0000000001": 2, "0000000002": 6, "0000000003": 4}
    assert report.fixes == {"date_format": 1}
