"""The risk map over HTTP: grades read from the lake's CDC cases, the days, the panel, the cockpit page, refusals."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fugong.hub import lake
from fugong.riskmap.plugin import LINE_LIST
from fugong.riskmap.service import county_units, grade_file, grade_rows
from fugong.settings import Settings

YUEQING = "330382"


def _lake_rows(settings: Settings) -> list[tuple[Any, ...]]:
    version = lake.get_lake(settings).require("cdc_cases")
    with duckdb.connect() as con:
        return con.execute(lake.scan_sql(version, list(LINE_LIST))).fetchall()


def test_days_span_the_case_list_in_the_lake(web: Any, analyst: dict[str, str]) -> None:
    response = web.client.get("/api/riskmap/days", headers=analyst)
    assert response.status_code == 200, response.text
    dated = [v for row in _lake_rows(web.settings) for v in row[5:] if isinstance(v, date)]
    body = response.json()
    assert (body["first"], body["last"]) == (min(dated).isoformat(), max(dated).isoformat())
    assert body["cases"] == lake.get_lake(web.settings).require("cdc_cases").reference


def test_grades_match_the_core_grading_of_the_same_cases_as_a_file(
    web: Any, analyst: dict[str, str], tmp_path: Path
) -> None:
    # The same rows written as the CDC line list the readers know: the lake path must grade exactly like it.
    export = tmp_path / "cases.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINE_LIST.values())
        for row in _lake_rows(web.settings):
            writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row])
    from fugong.geo import load_gazetteer

    units = county_units(load_gazetteer(web.settings.province, web.settings.reference_date))
    day = date(2020, 2, 12)
    first = date.fromisoformat(web.client.get("/api/riskmap/days", headers=analyst).json()["first"])
    expected = grade_rows(grade_file(export, units, first, day), day)

    response = web.client.get("/api/riskmap/grades", params={"date": "2020-02-12"}, headers=analyst)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["date"] == "2020-02-12"
    assert len(body["grades"]) == 90
    assert body["grades"] == expected
    assert sum(body["counts"].values()) == 90
    assert body["counts"]["red"] == sum(1 for g in expected if g["colour"] == "red") >= 1
    assert body["parameters"]["cases"].startswith("cdc_cases@v")
    assert body["parameters"]["grading"]["version"] == "fugong-2020.1"
    yueqing = next(g for g in body["grades"] if g["code"] == YUEQING)
    assert (yueqing["name"], yueqing["level"], yueqing["colour"]) == ("乐清市", "高风险", "red")


def test_changes_are_the_counties_whose_colour_differs_from_the_day_before(web: Any, analyst: dict[str, str]) -> None:
    def colours(day: str) -> tuple[dict[str, str], list[dict[str, str]]]:
        body = web.client.get("/api/riskmap/grades", params={"date": day}, headers=analyst).json()
        return {g["code"]: g["colour"] for g in body["grades"]}, body["changes"]

    before, _ = colours("2020-02-11")
    after, changes = colours("2020-02-12")
    moved = {code for code in after if after[code] != before[code]}
    assert moved, "the tiny province's colours move between 11 and 12 Feb"
    assert {c["code"] for c in changes} == moved
    for change in changes:
        assert (change["from"], change["to"]) == (before[change["code"]], after[change["code"]])
        assert change["why"]
        assert change["direction"] in ("up", "down")


def test_the_first_day_has_no_changes_and_the_levels_panel_counts_the_last_day(
    web: Any, analyst: dict[str, str]
) -> None:
    span = web.client.get("/api/riskmap/days", headers=analyst).json()
    first = web.client.get("/api/riskmap/grades", params={"date": span["first"]}, headers=analyst).json()
    assert first["changes"] == []
    last = web.client.get("/api/riskmap/grades", params={"date": span["last"]}, headers=analyst).json()
    panel = web.client.get("/api/riskmap/levels", headers=analyst).json()
    assert [(p["colour"], p["counties"]) for p in panel] == list(last["counts"].items())
    assert [p["level"] for p in panel] == ["高风险", "较高风险", "中风险", "较低风险", "低风险"]
    assert {p["date"] for p in panel} == {span["last"]}
    dashboard = web.client.get("/hub/dashboard", headers=analyst)
    assert 'data-url="/api/riskmap/levels"' in dashboard.text


@pytest.mark.parametrize("role", ["analyst", "county_official", "admin"])
def test_the_cockpit_admits_analysts_county_officials_and_admins(web: Any, role: str) -> None:
    headers = web.token(f"user_{role}", role)
    assert web.client.get("/api/riskmap/grades", params={"date": "2020-02-12"}, headers=headers).status_code == 200
    page = web.client.get("/riskmap", headers=headers)
    assert page.status_code == 200
    assert "<h1>省级驾驶舱</h1>" in page.text
    assert "高风险" in page.text
    assert "低风险" in page.text


def test_the_cockpit_speaks_english_on_request(web: Any, analyst: dict[str, str]) -> None:
    page = web.client.get("/riskmap", params={"lang": "en"}, headers=analyst)
    assert "<h1>Province cockpit</h1>" in page.text
    for label in ("high risk", "fairly high risk", "medium risk", "fairly low risk", "low risk"):
        assert label in page.text
    assert "高风险" not in page.text


@pytest.mark.parametrize("path", ["/api/riskmap/grades?date=2020-02-12", "/api/riskmap/days", "/api/riskmap/levels"])
def test_the_api_refuses_callers_without_a_cockpit_role(web: Any, path: str) -> None:
    anonymous = web.client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    for role in ("citizen", "enterprise", "data_steward"):
        refused = web.client.get(path, headers=web.token(f"no_{role}", role))
        assert refused.status_code == 403
        assert "analyst" in refused.json()["detail"]


def test_the_page_sends_a_browser_without_a_session_to_sign_in(web: Any) -> None:
    response = web.client.get("/riskmap", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/riskmap"
    assert web.client.get("/riskmap", headers=web.token("citizen1", "citizen")).status_code == 403


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({}, "date is required"),
        ({"date": ""}, "date is required"),
        ({"date": "0"}, "date '0' is not a day written YYYY-MM-DD"),
        ({"date": "20200212"}, "date '20200212' is not a day"),
        ({"date": "2020-02-30"}, "date '2020-02-30' is not a day"),
        ({"date": "2020-2-12"}, "date '2020-2-12' is not a day"),
        ({"date": "yesterday"}, "date 'yesterday' is not a day"),
    ],
)
def test_bad_dates_are_refused_naming_the_date(
    web: Any, analyst: dict[str, str], query: dict[str, str], detail: str
) -> None:
    response = web.client.get("/api/riskmap/grades", params=query, headers=analyst)
    assert response.status_code == 422
    assert response.json()["field"] == "date"
    assert detail in response.json()["detail"]


def test_a_day_outside_the_case_data_names_the_days_covered(web: Any, analyst: dict[str, str]) -> None:
    span = web.client.get("/api/riskmap/days", headers=analyst).json()
    for query in ({"date": "2019-12-01"}, {"date": "2021-01-01"}):
        response = web.client.get("/api/riskmap/grades", params=query, headers=analyst)
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "invalid_case_data"
        assert f"covers {span['first']} … {span['last']}" in body["detail"]
    bad_panel = web.client.get("/api/riskmap/levels", params={"date": "2019-12-01"}, headers=analyst)
    assert bad_panel.status_code == 422


@pytest.mark.parametrize("path", ["/api/riskmap/grades?date=2020-02-12", "/api/riskmap/days", "/api/riskmap/levels"])
def test_an_empty_lake_says_to_ingest_the_cdc_cases(empty_web: Any, path: str) -> None:
    response = empty_web.client.get(path, headers=empty_web.token("fenxi", "analyst"))
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "no_case_data"
    assert "ingest the CDC case list" in body["detail"]
    assert "cdc_cases" in body["detail"]


def test_a_case_list_whose_every_row_was_quarantined_is_no_case_data(empty_web: Any, tmp_path: Path) -> None:
    from fugong.hub.ingest import ingest

    sent = tmp_path / "cases.csv"
    sent.write_text("病例编号,现住址,病例分类,确诊日期\nZJ000001,,确诊病例,2020-02-01\n", encoding="utf-8")
    report = ingest("cdc_cases", [sent], settings=empty_web.settings)
    assert (report.read, report.accepted) == (1, 0)
    response = empty_web.client.get("/api/riskmap/days", headers=empty_web.token("fenxi", "analyst"))
    assert response.status_code == 404
    assert response.json()["error"] == "no_case_data"
    assert "has no rows" in response.json()["detail"]


def test_a_case_living_in_a_city_rather_than_a_county_is_named(empty_web: Any, tmp_path: Path) -> None:
    from fugong.hub.ingest import ingest

    sent = tmp_path / "cases.csv"
    sent.write_text(
        "病例编号,现住址,病例分类,确诊日期\nZJ000001,330382,确诊病例,2020-02-01\nZJ000002,330100,确诊病例,2020-02-03\n",
        encoding="utf-8",
    )
    assert ingest("cdc_cases", [sent], settings=empty_web.settings).accepted == 2
    response = empty_web.client.get("/api/riskmap/days", headers=empty_web.token("fenxi", "analyst"))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_case_data"
    assert "unknown unit code(s), not among the units graded: '330100' (330100 2020-02-03)" in response.json()["detail"]
