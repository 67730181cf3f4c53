"""The map page in a real browser: 90 counties drawn, and the English switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_map_draws_all_counties_and_switches_language(browser: Any, live_server: str, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{live_server}/geo")
    page.wait_for_selector("#map canvas")
    page.wait_for_function("echarts.getInstanceByDom(document.getElementById('map')).getOption().series.length > 0")
    counties = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map')).getOption().series[0].data.length"
    )
    assert counties == 90
    assert page.locator("h1").inner_text() == "全省地图"
    page.screenshot(path=str(artifacts / "geo-map-zh.png"))

    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#map canvas")
    assert page.locator("h1").inner_text() == "Province map"
    assert page.get_by_role("link", name="中文").is_visible()
    page.close()
