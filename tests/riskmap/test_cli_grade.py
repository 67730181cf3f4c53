"""``fugong riskmap grade``, ``changes`` and ``compare`` as a user runs them, on good and bad case files."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.cli import main
from fugong.settings import Settings

LINE_LIST_HEADER = (
    "病例编号,身份证号,现住址,统计地区,病例分类,感染来源,聚集性疫情编号,"
    "发病日期,疑似日期,确诊日期,排除日期,核减日期,核减原因"
)


def _grade(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["riskmap", "grade", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_grade_prints_every_county_with_level_colour_score_and_indicators(
    settings: Settings, yueqing_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _grade(capsys, "--cases", str(yueqing_csv), "--date", "2020-02-12", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert len(rows) == 90
    assert list(rows[0])[:5] == ["code", "name", "level", "colour", "score"]
    by_code = {r["code"]: r for r in rows}
    assert (by_code["330382"]["name"], by_code["330382"]["level"], by_code["330382"]["colour"]) == (
        "乐清市",
        "高风险",
        "red",
    )
    assert by_code["330382"]["cumulative_confirmed"] == "194"  # 15 days × 12 + 7 days × 2
    assert by_code["330727"]["colour"] == "green"
    assert by_code["330727"]["reason"] == "never a case"
    xihu = by_code["330106"]  # last case 8 Feb: blue by score, four quiet days step it down to green
    assert (xihu["base_colour"], xihu["colour"], xihu["days_without_new"]) == ("blue", "green", "4")


def test_grade_as_json_and_with_its_parameters(
    settings: Settings, yueqing_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _grade(capsys, "--cases", str(yueqing_csv), "--date", "2020-02-19", "--format", "json", "--params")
    yueqing = next(r for r in json.loads(out) if r["code"] == "330382")
    assert code == 0
    assert yueqing["colour"] == "orange"
    assert yueqing["days_without_new"] == 3
    params = json.loads(err)
    assert params["cases"] == str(yueqing_csv)
    assert params["grading"]["cutoffs"]["red"] == "65"


def test_grade_reads_parquet(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.parquet"
    pq.write_table(pa.table({"county": ["330382"], "day": ["2020-02-01"], "new_confirmed": [3]}), path)
    code, out, _ = _grade(capsys, "--cases", str(path), "--date", "2020-02-01", "--format", "csv")
    assert code == 0
    assert "330382,乐清市,较低风险,blue," in out


def test_grade_reads_the_cdc_line_list_in_gbk_with_repeated_rows_and_dates_as_sent(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        LINE_LIST_HEADER,
        "ZJ000001,x,330382,330382,确诊病例,本地感染,JJ330382001,,,2020-02-01,,,",
        "ZJ000001,x,330382,330382,确诊病例,本地感染,JJ330382001,,,2020-02-01,,,",
        "ZJ000002,x,330382,330382,确诊病例,湖北输入,,,,2020/2/3,,,",
        "ZJ000003,x,330382,330382,确诊病例,本地感染,JJ330382001,,,2020年2月4日,,2020-02-05,订正地区",
        "ZJ000004,x,330106,330106,排除病例,本地感染,,,2020-02-05,,2020-02-07,,",
        "ZJ000005,x,331121,330000,确诊病例,境外输入,,,,2020-02-06,,,",
    ]
    path = tmp_path / "cases.csv"
    path.write_bytes("\n".join(lines).encode("gbk"))
    code, out, err = _grade(capsys, "--cases", str(path), "--date", "2020-02-07", "--format", "json", "--params")
    rows = {r["code"]: r for r in json.loads(out)}
    assert code == 0
    assert (rows["330382"]["cumulative_confirmed"], rows["330382"]["new_7d"], rows["330382"]["clusters"]) == (2, 3, 1)
    assert rows["330382"]["local_share"] == "0.667"
    assert rows["330382"]["days_without_new"] == 3
    assert rows["330106"]["colour"] == "green"  # an excluded suspect is not a case
    assert json.loads(err)["set_aside"] == {"330000": 1}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["county,day,new_confirmed", "999999,2020-02-01,1"], r"unknown unit code\(s\).*'999999' \(cases.csv:2\)"),
        (
            ["county,day,new_confirmed", "330382,2020-02-01,-3"],
            "cases.csv:2: new_confirmed is -3; counts cannot be negative",
        ),
        (
            ["county,day,new_confirmed", "330382,2020-02-01,two"],
            "cases.csv:2: new_confirmed 'two' is not a whole number",
        ),
        (["county,day,new_confirmed", "330382,2020-02-01,"], "cases.csv:2: new_confirmed is empty"),
        (["county,day,new_confirmed", "330382,1 Feb,1"], "cases.csv:2: day '1 Feb' is not YYYY-MM-DD"),
        (["county,day,new_confirmed", "330382,2020-02-01,1", "330382,2020-02-01,2"], "a second row for unit 330382"),
        (["county,day,new_confirmed", "330382,2020-02-01"], "cases.csv:2: 2 fields where the header has 3"),
        (["county,date,cases", "330382,2020-02-01,1"], "unknown layout"),
        (["county,day,new_confirmed"], "the case data has no rows"),
        (
            ["county,day,new_confirmed", "330382,2020-01-20,1"],
            r"2020-02-01 is outside the case data, which covers 2020-01-20",
        ),
        (
            ["county,day,new_confirmed", "330382,2020-02-05,1"],
            "outside the case data, which covers 2020-02-05 … 2020-02-05",
        ),
        (
            [LINE_LIST_HEADER, "ZJ1,x,330382,330382,确诊病例,本地感染,,,,,,,"],
            "cases.csv:2: 确诊日期 is empty for a confirmed case",
        ),
        (
            [LINE_LIST_HEADER, "ZJ1,x,330382,330382,确诊病例,本地感染,,,,2020-13-01,,,"],
            "确诊日期 '2020-13-01' is not a date",
        ),
        (
            [
                LINE_LIST_HEADER,
                "ZJ1,x,330382,330382,确诊病例,本地感染,,,,2020-02-01,,,",
                "ZJ1,x,330382,330383,确诊病例,本地感染,,,,2020-02-01,,,",
            ],
            "cases.csv:3: case ZJ1 appears again with other values",
        ),
    ],
)
def test_bad_case_files_fail_with_one_clear_line_and_exit_2(
    settings: Settings,
    write_lines: Callable[[str, list[str]], Path],
    capsys: pytest.CaptureFixture[str],
    lines: list[str],
    message: str,
) -> None:
    path = write_lines("cases.csv", lines)
    code, out, err = _grade(capsys, "--cases", str(path), "--date", "2020-02-01")
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert re.search(message, err), err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2020-02-01"], "no --cases given and the lake has no cdc_cases dataset yet"),
        (["--date", "2020-02-01", "--units", "towns.csv"], "--units goes with --cases"),
        (["--cases", "/nonexistent/cases.csv", "--date", "2020-02-01"], "no such file"),
        (["--cases", "cases.xlsx", "--date", "2020-02-01"], "no such file"),
        (["--date", "12/02/2020", "--cases", "x.csv"], "--date: '12/02/2020' is not a date"),
    ],
)
def test_missing_or_unreadable_inputs_are_named(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _grade(capsys, *args)
    assert code == 2
    assert message in err


def test_a_file_of_another_kind_is_refused(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_bytes(b"PK")
    code, _, err = _grade(capsys, "--cases", str(path), "--date", "2020-02-01")
    assert code == 2
    assert "case files must be .csv or .parquet" in err


def test_changes_lists_the_counties_whose_colour_moved_and_why(
    settings: Settings, yueqing_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["riskmap", "changes", "--cases", str(yueqing_csv), "--date", "2020-02-19", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == 0
    assert rows == [
        {
            "code": "330382",
            "name": "乐清市",
            "from": "red",
            "to": "orange",
            "direction": "down",
            "why": "3 days without a new case: down 1 (rule ≥3 days)",
        }
    ]


def test_compare_puts_the_grading_beside_the_published_counts(
    settings: Settings, yueqing_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["riskmap", "compare", "--cases", str(yueqing_csv), "--format", "json"])
    rows = {r["day"]: r for r in json.loads(capsys.readouterr().out)}
    assert code == 0
    assert sorted(rows) == ["2020-02-09", "2020-02-12", "2020-02-19", "2020-02-24", "2020-02-27"]
    # Two counties with cases, 88 without: 9 Feb graded 1 red, 1 blue, 88 green against 1/12/12/53/12.
    assert rows["2020-02-09"]["red"] == "1 / 1"
    assert rows["2020-02-09"]["green"] == "88 / 12"
    assert rows["2020-02-09"]["distance"] == 0 + 12 + 12 + 52 + 76
    assert rows["2020-02-24"]["yellow"] == "1 / –"  # Yueqing, 8 quiet days: red down 2; yellow went unpublished


def test_grade_without_cases_grades_the_lake_and_names_its_snapshot(
    lake_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fugong.hub import lake
    from fugong.riskmap.plugin import lake_grading
    from fugong.riskmap.service import grade_rows
    from fugong.settings import get_settings

    monkeypatch.setenv("FUGONG_DATA_DIR", str(lake_dir))
    monkeypatch.setenv("FUGONG_CONFIG", str(lake_dir / "absent.toml"))
    get_settings.cache_clear()
    try:
        snapshot = lake.get_lake(get_settings()).require("cdc_cases").reference
        code, out, err = _grade(capsys, "--date", "2020-02-09", "--format", "json", "--params")
        assert code == 0, err
        rows = json.loads(out)
        assert len(rows) == 90
        assert rows == grade_rows(lake_grading(get_settings()), date(2020, 2, 9))
        assert f"cases: {snapshot}" in err
        assert json.loads(err.strip().splitlines()[-1])["cases"] == snapshot
        # on the tiny province, 9 Feb 2020 has the colour counts of the simulated record (docs/riskmap.md)
        counts = {colour: sum(r["colour"] == colour for r in rows) for colour in ("red", "orange", "green")}
        assert counts == {"red": 1, "orange": 13, "green": 12}
        code, _, err = _grade(capsys, "--date", "2021-01-01")
        assert code == 2
        assert "--date 2021-01-01 is outside the case data" in err
        assert snapshot in err
    finally:
        get_settings.cache_clear()
