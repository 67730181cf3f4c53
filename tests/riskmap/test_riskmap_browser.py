"""The province cockpit in a real browser: sign in, move the date slider, see the county colours change."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.hub.folders import ingest_folder
from fugong.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "Wuse-ditu-2020!"
SERIES = "echarts.getInstanceByDom(document.getElementById('{}')).getOption().series[0].data"


@pytest.fixture
def cockpit_data(settings: Settings, tiny_province: Any) -> Settings:
    """The tiny province in the test's lake, a migrated store and an analyst who signs in with a password."""
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import Store, migrate

    ingest_folder(tiny_province.out_dir, settings)
    migrate.upgrade(settings.store_url)
    store = Store.from_settings(settings)
    with store.session() as session:
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        create_user(session, "fenxi", roles=("analyst",), gazetteer=gazetteer, password=PASSWORD)
    store.dispose()
    return settings


def _colours(page: Any, chart: str = "riskmap") -> dict[str, str]:
    # ECharts lists the map's other regions too, without the fields the page gives its own data.
    return {d["code"]: d["itemStyle"]["areaColor"] for d in page.evaluate(SERIES.format(chart)) if "code" in d}


def test_moving_the_slider_recolours_the_counties(
    browser: Any, cockpit_data: Settings, live_server: str, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/riskmap")
    page.fill("#username", "fenxi")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#riskmap[data-day]")
    page.wait_for_selector("#resumptionmap[data-day]")
    page.wait_for_selector("#matrix[data-day]")
    assert page.locator("h1").inner_text() == "省级驾驶舱"

    span = page.evaluate("fetch('/api/riskmap/days').then(r => r.json())")
    assert page.get_attribute("#riskmap", "data-day") == span["last"]
    assert page.get_attribute("#resumptionmap", "data-day") == span["last"]
    last_day = _colours(page)
    assert len(last_day) == 90
    last_resumption = _colours(page, "resumptionmap")
    assert sorted(last_resumption) == ["330106", "330382", "330727"]  # the tiny province's counties with power users
    assert page.locator("#headline-index").inner_text() != "–"
    assert page.locator("#ranking tbody tr").count() == 3
    page.select_option("#rank-by", "production_share")
    shares = [float(t) for t in page.locator("#ranking tbody tr td:nth-child(6)").all_inner_texts()]
    assert shares == sorted(shares, reverse=True)
    assert page.locator("#matrix tbody tr").count() == 5
    assert page.locator("#matrix td[data-action]").count() == 25

    # Keyboard, as a person would: to the first day, then right to 9 Feb 2020.
    target = date(2020, 2, 9)
    slider = page.locator("#day")
    slider.focus()
    slider.press("Home")
    for _ in range((target - date.fromisoformat(span["first"])).days):
        slider.press("ArrowRight")
    page.wait_for_selector(f"#riskmap[data-day='{target.isoformat()}']")
    page.wait_for_selector(f"#resumptionmap[data-day='{target.isoformat()}']")
    assert page.locator("#day-label").inner_text() == target.isoformat()
    that_day = _colours(page)
    changed = {code for code in that_day if that_day[code] != last_day[code]}
    assert changed, "at least one county has another colour on 9 Feb than on the last day"
    that_resumption = _colours(page, "resumptionmap")
    assert that_resumption != last_resumption, "the slider moves the resumption map too (9 Feb: far less resumed)"
    assert f"date={target.isoformat()}" in (
        page.get_attribute("a[data-export=resumption][data-format=png]", "href") or ""
    )
    assert page.locator("#changes li").count() >= 1
    legend = page.locator(".riskmap-legend").inner_text()
    assert "高风险" in legend
    assert "低风险" in legend
    page.screenshot(path=str(artifacts / "riskmap-cockpit-zh.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#riskmap[data-day]")
    assert page.locator("h1").inner_text() == "Province cockpit"
    assert "fairly high risk" in page.locator(".riskmap-legend").inner_text()
    assert "very high" in page.locator(".resumption-legend").inner_text()

    # Click Yueqing on the risk map: its page opens.
    page.wait_for_selector("#resumptionmap[data-day]")
    _click_county(page, "riskmap", "330382")
    page.wait_for_url("**/riskmap/county/330382")
    page.wait_for_selector("#county[data-loaded]")
    assert "乐清市" in page.locator("h1").inner_text()
    assert page.locator("#risk-table tbody tr").count() == _days(span)
    assert page.locator("#industries tbody tr").count() >= 1
    assert page.get_attribute("#enterprises-link", "href") == "/power?county=330382"
    # the enterprise platform's declarations (none yet in this store), with the way to its county overview
    assert page.locator("#declaration-states tbody tr").count() == 7
    assert page.get_attribute("#declarations-link", "href") == "/enterprise/county"
    assert "Declarations in all 0" in page.locator("#declarations-note").inner_text()
    page.screenshot(path=str(artifacts / "riskmap-county-330382-en.png"), full_page=True)

    # Follow the link: the power page opens on Yueqing's enterprises, shortfalls and flags, not the first county's.
    page.click("#enterprises-link")
    page.wait_for_url("**/power?county=330382")
    last = span["last"]
    page.wait_for_selector(f"#power-enterprises[data-url='/api/power/enterprises?date={last}&county=330382']")
    page.wait_for_selector(f"#power-shortfalls[data-url='/api/power/shortfalls?date={last}&county=330382']")
    assert page.input_value("#power-county") == "330382"
    api = page.evaluate(f"fetch('/api/power/enterprises?date={last}&county=330382').then(r => r.json())")
    assert api["rows"]
    assert page.locator("#power-enterprises tbody tr").count() == len(api["rows"])
    assert set(page.locator("#power-enterprises tbody td:nth-child(3)").all_inner_texts()) == {"330382"}
    assert set(page.locator("#power-shortfalls tbody td:nth-child(2)").all_inner_texts()) <= {"330382"}
    page.screenshot(path=str(artifacts / "power-from-county-330382-en.png"), full_page=True)
    assert errors == []
    page.close()


def _days(span: dict[str, str]) -> int:
    return (date.fromisoformat(span["last"]) - date.fromisoformat(span["first"])).days + 1


def _click_county(page: Any, chart: str, code: str) -> None:
    """Click the middle of a county's region as drawn on the ECharts map."""
    point = page.evaluate(
        f"""(() => {{
        const chart = echarts.getInstanceByDom(document.getElementById('{chart}'));
        const name = chart.getOption().series[0].data.find(d => d.code === '{code}').name;
        const geo = echarts.getMap('province').geoJSON.features.find(f => f.properties.code === '{code}');
        const polygons = geo.geometry.type === 'Polygon' ? [geo.geometry.coordinates] : geo.geometry.coordinates;
        const ring = polygons.map(p => p[0]).sort((a, b) => b.length - a.length)[0];
        const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
        const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
        const [x, y] = chart.convertToPixel({{seriesIndex: 0}}, [lon, lat]);
        const box = document.getElementById('{chart}').getBoundingClientRect();
        return {{x: box.left + x, y: box.top + y, name}};
    }})()"""
    )
    page.mouse.click(point["x"], point["y"])
