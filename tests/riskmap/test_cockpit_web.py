"""The cockpit's resumption side from the lake: the weighting, the matrix, county pages, static maps, refusals."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

from fugong.geo import load_boundaries, load_gazetteer
from fugong.hub import lake
from fugong.power.definitions import Parameters, parse_baseline
from fugong.power.lake import DEFAULT_BASELINE, lake_index
from fugong.riskmap.levels import Level
from fugong.riskmap.matrix import DEFAULT_MATRIX
from fugong.riskmap.png import SCALE
from fugong.riskmap.resumption import Band
from fugong.riskmap.svg import NO_DATA, TITLE_HEIGHT, Projection

from .conftest import YUEQING, Web

DAY = "2020-02-19"
WITH_POWER = ("330106", "330382", "330727")  # the tiny province's counties with enterprises: 西湖区, 乐清市, 磐安县
SECTORS = ("primary", "secondary", "tertiary")


def _get(web: Web, headers: dict[str, str], path: str, **params: str) -> Any:
    response = web.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _gdp(web: Web) -> dict[str, dict[str, float]]:
    version = lake.get_lake(web.settings).require("county_stats")
    columns = ["county_code", *(f"{s}_100m_yuan" for s in SECTORS)]
    with duckdb.connect() as con:
        rows = con.execute(lake.scan_sql(version, columns)).fetchall()
    return {str(r[0]): dict(zip(SECTORS, map(float, r[1:]), strict=True)) for r in rows}


def _weighted(shares: dict[str, tuple[float, float]], gdp: dict[str, float]) -> float:
    total = sum(gdp[s] for s in shares)
    return sum(gdp[s] / total * (r + p) / 2 for s, (r, p) in shares.items())


def test_the_county_index_weighs_the_power_sector_shares_by_the_county_gdp_in_the_lake(
    web: Web, analyst: dict[str, str]
) -> None:
    body = _get(web, analyst, "/api/riskmap/resumption", date=DAY)
    day = date.fromisoformat(DAY)
    params = Parameters(parse_baseline(DEFAULT_BASELINE), first_day=day, last_day=day)
    figures = lake_index(web.settings, levels="province,sector,county+sector", params=params).figures
    gdp = _gdp(web)
    by_code = {c["code"]: c for c in body["counties"]}
    assert sorted(by_code) == list(WITH_POWER)
    for county in WITH_POWER:
        rows = figures[(figures["level"] == "county+sector") & figures["code"].str.startswith(county + "|")]
        shares = {
            code.split("|")[1]: (r, p)
            for code, r, p in zip(rows["code"], rows["resumed_share"], rows["production_share"], strict=True)
            if code.split("|")[1] in SECTORS
        }
        assert by_code[county]["index"] == pytest.approx(_weighted(shares, gdp[county]), abs=0.006)
        total = sum(gdp[county].values())
        assert by_code[county]["weights"] == pytest.approx({s: gdp[county][s] / total for s in shares}, abs=1e-4)
    province = figures[figures["level"] == "sector"]
    summed = {s: sum(g[s] for g in gdp.values()) for s in SECTORS}
    shares = {
        c: (r, p)
        for c, r, p in zip(province["code"], province["resumed_share"], province["production_share"], strict=True)
        if c in SECTORS
    }
    assert body["headline"]["index"] == pytest.approx(_weighted(shares, summed), abs=0.006)
    # Bands follow the documented cut-offs.
    for c in body["counties"]:
        cut = [(85, "very_high"), (70, "high"), (50, "medium"), (30, "low"), (0, "very_low")]
        assert c["band"] == next(band for low, band in cut if c["index"] >= low)


def test_the_resumption_day_names_its_inputs_ranks_counties_and_gives_the_day_on_day_change(
    web: Web, analyst: dict[str, str]
) -> None:
    today = _get(web, analyst, "/api/riskmap/resumption", date=DAY)
    yesterday = _get(web, analyst, "/api/riskmap/resumption", date="2020-02-18")
    params = today["parameters"]
    assert params["power"]["snapshot"].startswith("grid_readings@v")
    assert params["county_stats"] == lake.get_lake(web.settings).require("county_stats").reference
    assert params["forms"] is None
    assert params["forms_used"] is False
    assert params["resumption"]["bands"] == {"low": "30", "medium": "50", "high": "70", "very_high": "85"}
    indices = [c["index"] for c in today["counties"]]
    assert indices == sorted(indices, reverse=True)
    assert [c["rank"] for c in today["counties"]] == [1, 2, 3]
    before = {c["code"]: c["index"] for c in yesterday["counties"]}
    for c in today["counties"]:
        assert c["change"] == pytest.approx(c["index"] - before[c["code"]], abs=0.011)
        assert 0 <= c["resumed_share"] <= 100
        assert c["production_share"] >= 0
    headline = today["headline"]
    assert headline["previous_day"] == "2020-02-18"
    assert headline["change"] == pytest.approx(headline["index"] - yesterday["headline"]["index"], abs=0.011)
    assert sum(today["counts"].values()) == 3
    assert len(today["no_figure"]) == 87
    assert {s["code"] for s in today["sectors"]} <= set(SECTORS)
    assert today["industries"], "the industry breakdown lists the GB/T 4754 sections with power users"
    assert [i["index"] for i in today["industries"]] == sorted((i["index"] for i in today["industries"]), reverse=True)
    assert today["power_index"][0]["code"] == "all"


def test_the_matrix_puts_each_county_with_a_figure_in_the_cell_of_its_colour_and_band(
    web: Web, analyst: dict[str, str]
) -> None:
    matrix = _get(web, analyst, "/api/riskmap/matrix", date="2020-02-12")
    grades = _get(web, analyst, "/api/riskmap/grades", date="2020-02-12")
    bands = {c["code"]: c["band"] for c in _get(web, analyst, "/api/riskmap/resumption", date="2020-02-12")["counties"]}
    colour = {g["code"]: g["colour"] for g in grades["grades"]}
    assert len(matrix["cells"]) == 25
    placed = {}
    for cell in matrix["cells"]:
        action = DEFAULT_MATRIX.action(Level.from_colour(cell["colour"]), Band[cell["band"].upper()])
        assert (cell["action"], cell["action_zh"]) == (action.key, action.zh)
        for county in cell["counties"]:
            assert county["code"] not in placed
            placed[county["code"]] = (cell["colour"], cell["band"])
    assert placed == {code: (colour[code], band) for code, band in bands.items()}
    assert colour[YUEQING] == "red"
    assert len(matrix["no_figure"]) == 87
    assert matrix["parameters"]["cases"]["cases"].startswith("cdc_cases@v")
    assert matrix["parameters"]["resumption"]["county_stats"].startswith("county_stats@v")


def test_the_cockpit_page_has_both_maps_the_matrix_the_ranking_and_the_industries(
    web: Web, analyst: dict[str, str]
) -> None:
    page = web.client.get("/riskmap", headers=analyst)
    assert page.status_code == 200
    for marker in ('id="riskmap"', 'id="resumptionmap"', 'id="matrix"', 'id="ranking"', 'id="industries"'):
        assert marker in page.text
    assert "县域复工指数" in page.text
    assert json.dumps("加快复工复产") in page.text  # the actions travel to the page's script
    english = web.client.get("/riskmap", params={"lang": "en"}, headers=analyst).text
    assert "County resumption index" in english
    assert '"push resumption"' in english


def test_a_county_page_gives_its_risk_over_time_its_index_industries_and_enterprises(
    web: Web, analyst: dict[str, str]
) -> None:
    body = _get(web, analyst, f"/api/riskmap/county/{YUEQING}")
    span = _get(web, analyst, "/api/riskmap/days")
    assert (body["code"], body["name"], body["city"]) == (YUEQING, "乐清市", "温州市")
    assert body["risk"][0]["date"] == span["first"]
    assert body["risk"][-1]["date"] == span["last"]
    on_12th = next(r for r in body["risk"] if r["date"] == "2020-02-12")
    grades = _get(web, analyst, "/api/riskmap/grades", date="2020-02-12")["grades"]
    expected = next(g for g in grades if g["code"] == YUEQING)
    assert on_12th == {"date": "2020-02-12", **{k: v for k, v in expected.items() if k not in ("code", "name")}}
    resumption = {r["date"]: r for r in body["resumption"]}
    ranking = _get(web, analyst, "/api/riskmap/resumption", date=DAY)["counties"]
    assert resumption[DAY]["index"] == next(c["index"] for c in ranking if c["code"] == YUEQING)
    assert body["industries_date"] == span["last"]
    assert body["industries"]
    assert all(i["users"] > 0 for i in body["industries"])
    assert {s["code"] for s in body["sectors"]} <= set(SECTORS)
    assert body["links"]["enterprises"] == f"/power?county={YUEQING}"
    assert body["parameters"]["cases"]["cases"].startswith("cdc_cases@v")
    page = web.client.get(f"/riskmap/county/{YUEQING}", headers=analyst)
    assert page.status_code == 200
    assert "乐清市" in page.text
    assert f'href="/power?county={YUEQING}"' in page.text


def _declare(web: Web) -> None:
    """In the enterprise platform's store: three Yueqing firms declare (one approved, one returned, one waiting past
    its due time), one Yueqing firm is white-listed and has an open service task; a Xihu firm declares too."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from fugong.auth.users import find_user, principal_of
    from fugong.enterprise import registry, tasks, whitelist, workflow
    from fugong.enterprise.content import parse_content
    from fugong.enterprise.models import EntEnterprise
    from fugong.enterprise.workflow import ReviewContext
    from fugong.hub.pseudonyms import pseudonymiser

    web.token("wenzhou", "county_official")
    when = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)
    form = {
        "planned_on": "2020-02-12",
        "workforce_total": 40,
        "workforce_returning": 20,
        "origin_in_county": 20,
        "mask_stock_days": 14,
        "temperature_checks": True,
        "disinfection": True,
        "canteen": "分餐错峰",
        "isolation_room": True,
        "responsible_person": "王建国",
        "responsible_phone": "13805771234",
        "production_plan": "分批复工",
    }
    content = parse_content(form, pseudonymiser(web.settings), when)
    with web.app.state.store.session() as session:
        registry.sync_from_lake(session, web.settings)
        user = find_user(session, "wenzhou")
        assert user is not None
        official = principal_of(user, via="session")

        def firms(county: str, n: int) -> list[EntEnterprise]:
            query = select(EntEnterprise).where(EntEnterprise.county_code == county).order_by(EntEnterprise.id)
            return list(session.scalars(query.limit(n)))

        yueqing = firms(YUEQING, 4)
        made = [
            workflow.submit(session, firm, content, f"cockpit-{firm.id:04d}", "factory", when, ReviewContext())
            for firm in [*yueqing[:3], *firms("330106", 1)]
        ]
        for d, action, reason in ((made[0], "approve", None), (made[1], "return", "口罩储备不足")):
            d = workflow.claim(session, official, d.id, d.version, when)
            workflow.decide(session, official, d.id, d.version, action, reason, when)
        whitelist.add(session, official, yueqing[3].id, "daily_necessities", "保供超市", when)
        tasks.create(session, official, yueqing[3].id, "other", "上门核实复工准备", when)


def test_a_county_page_shows_the_enterprise_platforms_declarations(web: Web, analyst: dict[str, str]) -> None:
    before = _get(web, analyst, f"/api/riskmap/county/{YUEQING}")["declarations"]
    assert before["total"] == 0
    assert before["link"] == "/enterprise/county"
    _declare(web)
    body = _get(web, analyst, f"/api/riskmap/county/{YUEQING}")
    found = body["declarations"]
    counts = {s["state"]: s["count"] for s in found["states"]}
    assert counts == {
        "draft": 0,
        "submitted": 1,
        "under_review": 0,
        "approved": 1,
        "returned": 1,
        "rejected": 0,
        "suspended": 0,
    }
    assert {s["state"]: s["label"] for s in found["states"]}["approved"] == "已批准"
    assert (found["total"], found["overdue"], found["whitelisted"], found["open_tasks"]) == (3, 1, 1, 1)
    xihu = _get(web, analyst, "/api/riskmap/county/330106")["declarations"]
    assert {s["state"]: s["count"] for s in xihu["states"]}["submitted"] == 1
    assert (xihu["total"], xihu["whitelisted"], xihu["open_tasks"]) == (1, 0, 0)
    # the county's own official sees the same; an official of another county is told why not
    official = web.token("yueqing", "county_official")
    assert _get(web, official, f"/api/riskmap/county/{YUEQING}")["declarations"] == found
    other = _get(web, official, "/api/riskmap/county/330106")
    assert other["declarations"] is None
    assert other["declarations_error"]["error"] == "forbidden"
    assert "330106" in other["declarations_error"]["detail"]
    assert other["risk"]  # the rest of the page stays open to them
    page = web.client.get(f"/riskmap/county/{YUEQING}", headers=analyst)
    assert 'id="declarations-link" href="/enterprise/county"' in page.text
    assert "复工申报" in page.text
    english = web.client.get(f"/riskmap/county/{YUEQING}", params={"lang": "en"}, headers=analyst).text
    assert "Resumption declarations" in english
    assert '"approved": "Approved"' in english


def test_without_the_enterprise_app_a_county_page_has_no_declarations(
    web: Web, analyst: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fugong.riskmap import cockpit

    monkeypatch.setattr(cockpit, "_enterprise_installed", lambda: False)
    body = _get(web, analyst, f"/api/riskmap/county/{YUEQING}")
    assert body["declarations"] is None
    assert "declarations_error" not in body
    assert body["risk"]


@pytest.mark.parametrize("code", ["999999", "330100", "abc", "33038"])
def test_a_code_that_is_not_a_county_is_a_404_naming_it(web: Web, analyst: dict[str, str], code: str) -> None:
    for path in (f"/api/riskmap/county/{code}", f"/riskmap/county/{code}"):
        response = web.client.get(path, headers={**analyst, "accept": "application/json"})
        assert response.status_code == 404, path
        assert response.json()["error"] == "unknown_county"
        assert repr(code) in response.json()["detail"]


def _svg_size(text: str) -> tuple[int, int]:
    match = re.search(r'<svg [^>]*width="(\d+)" height="(\d+)"', text)
    assert match
    return int(match.group(1)), int(match.group(2))


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


@cache
def _interior_pixel(code: str) -> tuple[int, int]:
    """A pixel of the PNG well inside the county's largest polygon (4 px from any edge)."""
    boundaries = load_boundaries(load_gazetteer("zhejiang"))
    project = Projection(boundaries["features"])
    feature = next(f for f in boundaries["features"] if f["properties"]["code"] == code)
    polygons = feature["geometry"]["coordinates"]
    ring = max((p[0] for p in polygons), key=len)
    pixels = [(x * SCALE, (y + TITLE_HEIGHT) * SCALE) for x, y in (project(p[0], p[1]) for p in ring)]
    xs, ys = [p[0] for p in pixels], [p[1] for p in pixels]
    for y in range(int(min(ys)), int(max(ys)), 6):
        for x in range(int(min(xs)), int(max(xs)), 6):
            if all(_inside(x + dx, y + dy, pixels) for dx in (-4, 0, 4) for dy in (-4, 0, 4)):
                return x, y
    raise AssertionError(f"no interior pixel found for {code}")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_the_risk_map_as_svg_and_png_has_the_colours_of_the_grades(web: Web, analyst: dict[str, str]) -> None:
    grades = {g["code"]: g["colour"] for g in _get(web, analyst, "/api/riskmap/grades", date="2020-02-12")["grades"]}
    svg = web.client.get("/api/riskmap/map.svg", params={"date": "2020-02-12", "kind": "risk"}, headers=analyst)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    fills = dict(re.findall(r'data-code="(\d{6})" data-level="(\w+)"', svg.text))
    assert fills == grades
    assert "cdc_cases@v" in svg.text
    png = web.client.get("/api/riskmap/map.png", params={"date": "2020-02-12"}, headers=analyst)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png.content)).convert("RGB")
    width, height = _svg_size(svg.text)
    assert image.size == (width * SCALE, height * SCALE)
    for code in (YUEQING, "330727", "330106", "331127"):
        assert image.getpixel(_interior_pixel(code)) == _rgb(Level.from_colour(grades[code]).hex), code


def test_the_resumption_map_fills_counties_by_band_and_the_others_grey(web: Web, analyst: dict[str, str]) -> None:
    bands = {c["code"]: c["band"] for c in _get(web, analyst, "/api/riskmap/resumption", date=DAY)["counties"]}
    query = {"date": DAY, "kind": "resumption", "lang": "en"}
    svg = web.client.get("/api/riskmap/map.svg", params=query, headers=analyst).text
    assert "Zhejiang county resumption index" in svg
    assert "no data (87)" in svg
    assert "county_stats@v" in svg
    png = web.client.get("/api/riskmap/map.png", params=query, headers=analyst)
    image = Image.open(io.BytesIO(png.content)).convert("RGB")
    for code, band in bands.items():
        assert image.getpixel(_interior_pixel(code)) == _rgb(Band[band.upper()].hex), code
    assert image.getpixel(_interior_pixel("330102")) == _rgb(NO_DATA)


@pytest.mark.parametrize(
    ("path", "query", "status", "field", "detail"),
    [
        ("/api/riskmap/map.png", {"date": DAY, "kind": "xyz"}, 422, "kind", "kind 'xyz' is not a map"),
        ("/api/riskmap/map.svg", {"date": DAY, "kind": ""}, 422, "kind", "use risk or resumption"),
        ("/api/riskmap/map.svg", {"date": DAY, "lang": "fr"}, 422, "language", "language must be zh or en"),
        ("/api/riskmap/map.png", {}, 422, "date", "date is required"),
        ("/api/riskmap/map.png", {"date": "2020-02-30"}, 422, "date", "is not a day"),
        ("/api/riskmap/map.svg", {"date": "2021-01-01"}, 422, "date", "outside the case data"),
        ("/api/riskmap/map.png", {"date": "2019-12-01", "kind": "resumption"}, 422, "date", "no resumption figures"),
        ("/api/riskmap/resumption", {"date": "2019-12-01"}, 422, "date", "the power figures cover 2020-01-14"),
        ("/api/riskmap/resumption", {"date": "0"}, 422, "date", "is not a day"),
        ("/api/riskmap/matrix", {"date": "2021-01-01"}, 422, "date", "outside the case data"),
        ("/api/riskmap/matrix", {}, 422, "date", "date is required"),
        ("/api/riskmap/county/330382", {"date": "2019-01-01"}, 422, "date", "no resumption figures"),
    ],
)
def test_bad_requests_are_refused_naming_the_problem(
    web: Web, analyst: dict[str, str], path: str, query: dict[str, str], status: int, field: str, detail: str
) -> None:
    response = web.client.get(path, params=query, headers=analyst)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/riskmap/resumption?date={DAY}",
        f"/api/riskmap/matrix?date={DAY}",
        f"/api/riskmap/county/{YUEQING}",
        f"/api/riskmap/map.svg?date={DAY}",
        f"/api/riskmap/map.png?date={DAY}",
    ],
)
def test_the_new_endpoints_refuse_callers_without_a_cockpit_role(web: Web, path: str) -> None:
    assert web.client.get(path).status_code == 401
    refused = web.client.get(path, headers=web.token("shimin", "citizen"))
    assert refused.status_code == 403


def test_cases_without_power_data_keep_the_risk_side_and_say_what_is_missing(empty_web: Web, tmp_path: Path) -> None:
    from fugong.hub.ingest import ingest

    sent = tmp_path / "cases.csv"
    sent.write_text("病例编号,现住址,病例分类,确诊日期\nZJ000001,330382,确诊病例,2020-02-01\n", encoding="utf-8")
    assert ingest("cdc_cases", [sent], settings=empty_web.settings).accepted == 1
    headers = empty_web.token("fenxi", "analyst")
    for path in ("/api/riskmap/resumption", "/api/riskmap/matrix", "/api/riskmap/map.png"):
        response = empty_web.client.get(path, params={"date": "2020-02-01", "kind": "resumption"}, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["error"] == "no_resumption_data"
        assert "county_stats" in response.json()["detail"]
    county = empty_web.client.get(f"/api/riskmap/county/{YUEQING}", headers=headers)
    assert county.status_code == 200
    body = county.json()
    assert body["risk"][0]["cumulative_confirmed"] == 1
    assert body["resumption"] == []
    assert body["resumption_error"]["error"] == "no_resumption_data"
    risk_map = empty_web.client.get("/api/riskmap/map.png", params={"date": "2020-02-01"}, headers=headers)
    assert risk_map.status_code == 200


def _write_forms(settings: Any, rows: list[dict[str, Any]]) -> str:
    """Commit ``rows`` as the lake's survey_industry_resumption (as the survey app writes it); its reference."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    found = lake.get_lake(settings)
    table = pa.Table.from_pylist(rows)
    with found.lock("survey_industry_resumption"):
        staged = found.staging("survey_industry_resumption")
        (staged / "data").mkdir()
        pq.write_table(table, staged / "data" / "data_0.parquet")
        types = {"string": "VARCHAR", "double": "DOUBLE", "date32[day]": "DATE"}
        manifest = {
            "schema": [{"name": f.name, "type": types[str(f.type)], "personal": False} for f in table.schema],
            "data": [{"path": "data/data_0.parquet", "rows": table.num_rows, "bytes": 1}],
            "rows": table.num_rows,
            "quarantine": [],
            "fixes": [],
        }
        return found.commit("survey_industry_resumption", staged, manifest).reference


@pytest.fixture
def forms_web(lake_dir: Path, riskmap_store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The web app over a copy of the tiny province's lake, to which a test adds the forms' dataset."""
    import shutil

    from .conftest import _web

    copy = tmp_path / "copy" / "var"
    shutil.copytree(lake_dir, copy)
    yield from _web(copy, riskmap_store_template, tmp_path, monkeypatch)


def test_the_forms_weekly_rate_takes_its_part_of_the_secondary_sector_until_the_next_report(
    forms_web: Web,
) -> None:
    headers = forms_web.token("fenxi", "analyst")
    plain = _get(forms_web, headers, "/api/riskmap/resumption", date=DAY)
    reference = _write_forms(
        forms_web.settings,
        [
            {"period": date(2020, 2, 10), "county_code": YUEQING, "resumption_rate": 20.0},
            {"period": date(2020, 2, 17), "county_code": YUEQING, "resumption_rate": 80.0},
            {"period": date(2020, 2, 24), "county_code": YUEQING, "resumption_rate": 95.0},
        ],
    )
    with_forms = _get(forms_web, headers, "/api/riskmap/resumption", date=DAY)
    assert with_forms["parameters"]["forms"] == reference
    assert with_forms["parameters"]["forms_used"] is True
    before = next(c for c in plain["counties"] if c["code"] == YUEQING)
    after = next(c for c in with_forms["counties"] if c["code"] == YUEQING)
    assert after["industry_rate"] == 80.0  # the report of the week of 17 Feb counts on the 19th
    expected = 0.5 * before["sector_index"]["secondary"] + 0.5 * 80
    assert after["sector_index"]["secondary"] == pytest.approx(expected, abs=0.011)
    assert after["sector_index"]["tertiary"] == before["sector_index"]["tertiary"]
    others = {c["code"]: c["index"] for c in with_forms["counties"] if c["code"] != YUEQING}
    assert others == {c["code"]: c["index"] for c in plain["counties"] if c["code"] != YUEQING}

    # A week most of whose townships did not report is set aside and named, and the week before counts instead.
    _write_forms(
        forms_web.settings,
        [
            {"period": date(2020, 2, 10), "county_code": YUEQING, "resumption_rate": 20.0, "coverage": 0.9},
            {"period": date(2020, 2, 17), "county_code": YUEQING, "resumption_rate": 80.0, "coverage": 0.25},
        ],
    )
    thin = _get(forms_web, headers, "/api/riskmap/resumption", date=DAY)
    assert thin["parameters"]["forms_set_aside"] == [f"{YUEQING} 2020-02-17: 25% of its townships reported"]
    assert next(c for c in thin["counties"] if c["code"] == YUEQING)["industry_rate"] == 20.0

    # A new version of the dataset without a rate column is refused, naming it, not silently ignored.
    _write_forms(forms_web.settings, [{"period": date(2020, 2, 17), "county_code": YUEQING, "share": 80.0}])
    response = forms_web.client.get("/api/riskmap/resumption", params={"date": DAY}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_resumption_input"
    assert "survey_industry_resumption@v3" in response.json()["detail"]
    assert "resumption_rate" in response.json()["detail"]


def test_every_riskmap_route_declares_its_roles(web: Web) -> None:
    from fugong.auth import undeclared_routes

    assert [route for route in undeclared_routes(web.client.app) if "riskmap" in route] == []
