"""The power index over HTTP: series, ranking, industries, drill-down, shortfalls, exports, roles and refusals."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fugong.hub import lake
from fugong.power.lake import lake_enterprises, lake_gaming, lake_index
from fugong.web.testing import WebUnderTest, web_under_test

YUEQING, XIHU = "330382", "330106"
DAY = "2020-02-19"


Web = WebUnderTest


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once for this module, copied clean for each test."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("power-store")) as template:
        yield template


def _web(data_dir: Path, store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    with (
        store_template.clean_url(tmp_path) as url,
        web_under_test(url, data_dir, tmp_path, monkeypatch.setenv, official_counties=(YUEQING,)) as web,
    ):
        yield web


@pytest.fixture
def web(power_lake: Path, store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app over the tiny province's lake."""
    yield from _web(power_lake, store_template, tmp_path, monkeypatch)


@pytest.fixture
def empty_web(store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app over a lake with nothing ingested."""
    yield from _web(tmp_path / "var", store_template, tmp_path, monkeypatch)


@pytest.fixture
def analyst(web: Web) -> dict[str, str]:
    return web.token("fenxi", "analyst")


@pytest.fixture
def official(web: Web) -> dict[str, str]:
    """A county official of Yueqing (乐清市)."""
    return web.token("yueqing", "county_official")


def _get(web: Web, path: str, headers: dict[str, str], **params: str) -> Any:
    response = web.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_days_name_the_span_and_the_snapshots(web: Web, analyst: dict[str, str]) -> None:
    body = _get(web, "/api/power/days", analyst)
    assert (body["first"], body["last"]) == ("2019-10-01", "2020-03-31")
    readings = lake.get_lake(web.settings).require("grid_readings")
    assert body["snapshot"].startswith(readings.reference)
    assert set(body["counties"]) == {"330106", "330382", "330727"}
    assert "C" in body["industries"]


def test_the_series_has_every_day_with_its_change_from_the_day_before(web: Web, analyst: dict[str, str]) -> None:
    body = _get(web, "/api/power/index", analyst)
    rows = body["rows"]
    assert len(rows) == (date(2020, 3, 31) - date(2019, 10, 1)).days + 1
    assert {r["level"] for r in rows} == {"province"}
    assert rows[0]["index_change"] is None
    for before, after in itertools.pairwise(rows):
        assert after["index_change"] == pytest.approx(after["index"] - before["index"], abs=1e-9)
    expected = lake_index(web.settings, "province").figures
    feb19 = next(r for r in rows if r["day"] == DAY)
    same = expected[expected["day"] == date(2020, 2, 19)].iloc[0]
    assert feb19["index"] == pytest.approx(same["index"], abs=1e-12)
    assert feb19["holiday"] == ""
    assert body["parameters"]["snapshot"].startswith("grid_readings@v")
    assert body["parameters"]["threshold"]["text"] == "0.3"
    county = _get(web, "/api/power/index", analyst, level="county", code=YUEQING)["rows"]
    assert {r["code"] for r in county} == {YUEQING}
    assert county[0]["name"] == "乐清市"


def test_the_ranking_switches_between_index_and_the_two_shares(web: Web, analyst: dict[str, str]) -> None:
    orders = {}
    for by in ("index", "resumed_share", "production_share"):
        body = _get(web, "/api/power/ranking", analyst, date=DAY, by=by)
        rows = body["rows"]
        assert body["by"] == by
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
        values = [r[by] for r in rows]
        assert values == sorted(values, reverse=True)
        assert {r["day"] for r in rows} == {DAY}
        orders[by] = [r["code"] for r in rows]
    assert len(set(map(tuple, orders.values()))) > 1, "the three measures rank the tiny province's counties differently"
    last = _get(web, "/api/power/ranking", analyst)["rows"]
    assert {r["day"] for r in last} == {"2020-03-31"}


def test_the_industry_breakdown_lists_sectors_then_sections(web: Web, analyst: dict[str, str]) -> None:
    rows = _get(web, "/api/power/industries", analyst, date=DAY)["rows"]
    levels = [r["level"] for r in rows]
    assert levels == sorted(levels, key=lambda level: level != "sector")
    sectors = {r["code"]: r for r in rows if r["level"] == "sector"}
    sections = [r for r in rows if r["level"] == "industry"]
    assert {"primary", "secondary", "tertiary"} <= set(sectors)
    assert sum(r["users"] for r in sectors.values()) == sum(r["users"] for r in sections)
    manufacturing = next(r for r in sections if r["code"] == "C")
    assert manufacturing["name"] == "制造业"


def test_analysts_drill_down_to_every_account(web: Web, analyst: dict[str, str]) -> None:
    body = _get(web, "/api/power/enterprises", analyst, date=DAY)
    rows = body["rows"]
    expected = lake_enterprises(web.settings, date(2020, 2, 19)).rows
    assert len(rows) == len(expected)
    assert {"account_id", "name", "industry", "kwh", "baseline_kwh", "ratio_pct", "resumed"} <= set(rows[0])
    assert {r["county_code"] for r in rows} >= {YUEQING, XIHU}
    county = _get(web, "/api/power/enterprises", analyst, date=DAY, county=XIHU, industry="C")["rows"]
    assert county
    assert {(r["county_code"], r["industry"]) for r in county} == {(XIHU, "C")}


def test_a_county_official_sees_the_enterprises_of_their_own_county_only(web: Web, official: dict[str, str]) -> None:
    mine = _get(web, "/api/power/enterprises", official, date=DAY)["rows"]
    assert mine
    assert {r["county_code"] for r in mine} == {YUEQING}
    assert _get(web, "/api/power/enterprises", official, date=DAY, county=YUEQING)["rows"] == mine
    other = web.client.get("/api/power/enterprises", params={"date": DAY, "county": XIHU}, headers=official)
    assert other.status_code == 403
    assert other.json()["error"] == "forbidden"
    assert XIHU in other.json()["detail"]
    shortfalls = _get(web, "/api/power/shortfalls", official, date=DAY)["rows"]
    assert {r["county_code"] for r in shortfalls} <= {YUEQING}
    # the aggregate figures stay open to them: the ranking shows every county
    ranking = _get(web, "/api/power/ranking", official, date=DAY)["rows"]
    assert {r["code"] for r in ranking} >= {YUEQING, XIHU}


def test_shortfalls_list_firms_held_below_sixty_percent(web: Web, analyst: dict[str, str]) -> None:
    body = _get(web, "/api/power/shortfalls", analyst, date=DAY)
    assert body["rows"]
    for row in body["rows"]:
        assert 30 <= row["ratio_pct"] < 60
        assert row["as_of"] == DAY
    assert "supply_links@" in body["parameters"]["snapshot"]


def test_gaming_flags_name_firms_and_reasons_and_officials_see_their_own_counties(
    web: Web, analyst: dict[str, str], official: dict[str, str]
) -> None:
    body = _get(web, "/api/power/gaming", analyst, date=DAY)
    expected = lake_gaming(web.settings, date(2020, 2, 6), date(2020, 2, 19)).rows
    flagged = list(zip(expected["account_id"], expected["check"], strict=True))
    assert [(r["account_id"], r["check"]) for r in body["rows"]] == flagged
    assert {r["check"] for r in body["rows"]} == {"flat", "jump"}
    for row in body["rows"]:
        assert row["name"]
        assert row["reason"]
        assert "2020-02-06" <= row["first_day"] <= row["last_day"] <= DAY
    assert body["parameters"]["snapshot"].startswith("grid_readings@")
    assert (body["parameters"]["first_day"], body["parameters"]["last_day"]) == ("2020-02-06", DAY)
    assert "stay in the index" in body["notes"][0]
    assert _get(web, "/api/power/gaming", official, date=DAY)["rows"] == body["rows"]  # all in Yueqing
    assert _get(web, "/api/power/gaming", analyst, date=DAY, county=XIHU)["rows"] == []
    other = web.client.get("/api/power/gaming", params={"date": DAY, "county": XIHU}, headers=official)
    assert other.status_code == 403
    # a week is long enough for the flat check; the first days of the readings clip the window
    early = _get(web, "/api/power/gaming", analyst, date="2019-10-03", days="30")
    assert early["parameters"]["first_day"] == "2019-10-01"
    response = web.client.get("/api/power/gaming", params={"date": DAY, "format": "csv"}, headers=analyst)
    assert response.status_code == 200
    assert f"power-gaming-all-{DAY}.csv" in response.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["reason"] for r in lines] == [r["reason"] for r in body["rows"]]


def test_exports_in_csv_and_xlsx_hold_the_same_rows_and_name_the_snapshot(web: Web, analyst: dict[str, str]) -> None:
    body = _get(web, "/api/power/enterprises", analyst, date=DAY, county=YUEQING)
    response = web.client.get(
        "/api/power/enterprises", params={"date": DAY, "county": YUEQING, "format": "csv"}, headers=analyst
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"power-enterprises-{YUEQING}-{DAY}.csv" in response.headers["content-disposition"]
    assert response.headers["x-fugong-snapshot"] == body["parameters"]["snapshot"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["account_id"] for r in lines] == [r["account_id"] for r in body["rows"]]
    assert [r["name"] for r in lines] == [r["name"] for r in body["rows"]]

    response = web.client.get("/api/power/ranking", params={"date": DAY, "format": "xlsx"}, headers=analyst)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    data = list(book["data"].iter_rows(values_only=True))
    ranking = _get(web, "/api/power/ranking", analyst, date=DAY)["rows"]
    assert data[0][:4] == ("rank", "day", "code", "name")
    assert [row[2] for row in data[1:]] == [r["code"] for r in ranking]
    assert [row[-3] for row in data[1:]] == pytest.approx([r["index"] for r in ranking])
    parameters = dict(book["parameters"].iter_rows(min_row=2, values_only=True))
    assert parameters["snapshot"] == body["parameters"]["snapshot"]
    assert parameters["threshold.text"] == "0.3"
    assert parameters["baseline.start"] == "2019-12-01"
    book.close()


@pytest.mark.parametrize(
    ("path", "params", "field", "words"),
    [
        ("/api/power/enterprises", {"date": DAY, "county": "330100"}, "county", "no power users in county '330100'"),
        ("/api/power/enterprises", {"date": DAY, "industry": "Z"}, "industry", "no power users in industry 'Z'"),
        ("/api/power/ranking", {"date": "2020-06-01"}, "date", "outside the grid readings"),
        ("/api/power/enterprises", {"date": "2019-01-01"}, "date", "cover 2019-10-01..2020-03-31"),
        ("/api/power/ranking", {"date": "19 Feb"}, "date", "not a day written YYYY-MM-DD"),
        ("/api/power/ranking", {"date": "2020-02-30"}, "date", "not a day written YYYY-MM-DD"),
        ("/api/power/index", {"level": "village"}, "level", "unknown level 'village'"),
        ("/api/power/index", {"level": "county,industry"}, "level", "give one level"),
        ("/api/power/index", {"level": "county", "code": "999999"}, "code", "no group '999999'"),
        ("/api/power/ranking", {"by": "kwh"}, "by", "not one of index, resumed_share, production_share"),
        ("/api/power/index", {"format": "pdf"}, "format", "not one of json, csv, xlsx"),
        ("/api/power/index", {"threshold": "-1"}, "threshold", "must be above 0"),
        ("/api/power/index", {"variant": "mean"}, "variant", "not one of zhejiang, all"),
        ("/api/power/index", {"baseline": "2018-12-01..2018-12-31"}, "--baseline", "has no readings"),
        ("/api/power/index", {"baseline": "December"}, "--baseline", "is not a range"),
        ("/api/power/gaming", {"date": DAY, "county": "999999"}, "county", "no power users in county '999999'"),
        ("/api/power/gaming", {"date": "2020-06-01"}, "date", "outside the grid readings"),
        ("/api/power/gaming", {"date": "0"}, "date", "not a day written YYYY-MM-DD"),
        ("/api/power/gaming", {"date": DAY, "days": "3"}, "days", "from 7 to 366"),
        ("/api/power/gaming", {"date": DAY, "days": "two weeks"}, "days", "not a whole number"),
        ("/api/power/shortfalls", {"date": DAY, "county": "999999"}, "county", "no power users in county '999999'"),
    ],
)
def test_bad_requests_get_one_clear_error_naming_the_field(
    web: Web, analyst: dict[str, str], path: str, params: dict[str, str], field: str, words: str
) -> None:
    response = web.client.get(path, params=params, headers=analyst)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert words in body["detail"]


def test_an_empty_lake_answers_not_found_with_what_to_ingest(empty_web: Web) -> None:
    headers = empty_web.token("fenxi", "analyst")
    for path in (
        "/api/power/days",
        "/api/power/index",
        "/api/power/ranking",
        "/api/power/enterprises",
        "/api/power/shortfalls",
        "/api/power/gaming",
    ):
        response = empty_web.client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["error"] == "no_grid_readings"
        assert "ingest" in response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/power/index", "/api/power/enterprises", "/api/power/gaming", "/api/power/panel", "/power"]
)
def test_callers_without_a_power_role_are_refused(web: Web, path: str) -> None:
    assert web.client.get(path).status_code == 401
    citizen = web.client.get(path, headers=web.token("shimin", "citizen"))
    assert citizen.status_code == 403
    assert citizen.json()["error"] == "forbidden"


@pytest.mark.parametrize("role", ["analyst", "county_official", "admin"])
def test_the_page_and_panel_admit_analysts_officials_and_admins(web: Web, role: str) -> None:
    headers = web.token(f"user_{role}", role)
    page = web.client.get("/power", headers=headers)
    assert page.status_code == 200
    assert "<h1>企业复工电力指数</h1>" in page.text
    panel = _get(web, "/api/power/panel", headers)
    assert len(panel) == 183
    assert set(panel[0]) == {"day", "index", "resumed_share", "production_share", "snapshot"}


def test_the_page_opens_on_the_county_in_its_address(web: Web, analyst: dict[str, str]) -> None:
    page = web.client.get("/power", params={"county": YUEQING}, headers=analyst)
    assert page.status_code == 200
    assert f'const chosenCounty = "{YUEQING}";' in page.text
    assert 'id="power-shortfalls"' in page.text
    assert 'id="power-gaming"' in page.text
    assert "const chosenCounty = null;" in web.client.get("/power", headers=analyst).text
    odd = web.client.get("/power", params={"county": "</script><b>"}, headers=analyst).text
    assert "</script><b>" not in odd  # travels to the script as JSON, escaped


def test_the_dashboard_lists_the_power_panel_and_the_page_speaks_english(web: Web, analyst: dict[str, str]) -> None:
    dashboard = web.client.get("/hub/dashboard", headers=analyst)
    assert 'data-url="/api/power/panel"' in dashboard.text
    page = web.client.get("/power", params={"lang": "en"}, headers=analyst)
    assert "<h1>Electricity resumption index</h1>" in page.text
    assert "County ranking" in page.text
    assert "企业明细" not in page.text


def test_an_account_without_a_reading_shows_no_kwh_and_is_not_resumed(web: Web, analyst: dict[str, str]) -> None:
    rows = _get(web, "/api/power/enterprises", analyst, date="2020-02-01")["rows"]
    missing = [r for r in rows if r["missing"]]
    province = _get(web, "/api/power/ranking", analyst, date="2020-02-01", level="province")["rows"][0]
    assert len([r for r in missing if r["in_population"]]) == province["missing_users"] > 0
    for row in missing:
        assert (row["kwh"], row["ratio_pct"], row["resumed"]) == (None, None, False)
