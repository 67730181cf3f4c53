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
SERIES = "echarts.getInstanceByDom(document.getElementById('riskmap')).getOption().series[0].data"


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


def _colours(page: Any) -> dict[str, str]:
    return {d["code"]: d["itemStyle"]["areaColor"] for d in page.evaluate(SERIES)}


def test_moving_the_slider_recolours_the_counties(
    browser: Any, cockpit_data: Settings, live_server: str, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/riskmap")
    page.fill("#username", "fenxi")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#riskmap[data-day]")
    assert page.locator("h1").inner_text() == "省级驾驶舱"

    span = page.evaluate("fetch('/api/riskmap/days').then(r => r.json())")
    assert page.get_attribute("#riskmap", "data-day") == span["last"]
    last_day = _colours(page)
    assert len(last_day) == 90

    # Keyboard, as a person would: to the first day, then right to 9 Feb 2020.
    target = date(2020, 2, 9)
    slider = page.locator("#day")
    slider.focus()
    slider.press("Home")
    for _ in range((target - date.fromisoformat(span["first"])).days):
        slider.press("ArrowRight")
    page.wait_for_selector(f"#riskmap[data-day='{target.isoformat()}']")
    assert page.locator("#day-label").inner_text() == target.isoformat()
    that_day = _colours(page)
    changed = {code for code in that_day if that_day[code] != last_day[code]}
    assert changed, "at least one county has another colour on 9 Feb than on the last day"
    assert page.locator("#changes li").count() >= 1
    legend = page.locator(".riskmap-legend").inner_text()
    assert "高风险" in legend
    assert "低风险" in legend
    page.screenshot(path=str(artifacts / "riskmap-cockpit-zh.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#riskmap[data-day]")
    assert page.locator("h1").inner_text() == "Province cockpit"
    assert "fairly high risk" in page.locator(".riskmap-legend").inner_text()
    assert errors == []
    page.close()
