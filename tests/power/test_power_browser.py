"""The index page in a real browser: sign in, read the province curve, switch the ranking, drill down, export."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from fugong.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "Dianli-zhishu-2020!"
OPTION = "echarts.getInstanceByDom(document.getElementById('{id}')).getOption()"


@pytest.fixture
def page_data(settings: Settings, power_lake: Path) -> Settings:
    """The tiny province's lake copied into the test's data folder, a migrated store and an analyst."""
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import Store, migrate

    shutil.copytree(power_lake / "lake", settings.lake_path)
    shutil.copytree(power_lake / "keys", settings.data_dir / "keys")
    migrate.upgrade(settings.store_url)
    store = Store.from_settings(settings)
    with store.session() as session:
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        create_user(session, "fenxi", roles=("analyst",), gazetteer=gazetteer, password=PASSWORD)
    store.dispose()
    return settings


def test_the_index_page_ranks_counties_and_drills_down(
    browser: Any, page_data: Settings, live_server: str, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/power")
    page.fill("#username", "fenxi")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#power-series[data-days]")
    page.wait_for_selector("#power-ranking[data-day='2020-03-31']")
    page.wait_for_selector("#power-enterprises tbody tr")
    assert page.locator("h1").inner_text() == "企业复工电力指数"
    assert page.get_attribute("#power-series", "data-days") == "183"
    series = page.evaluate(OPTION.format(id="power-series") + ".series.map(s => s.data.length)")
    assert series == [183, 183, 183]
    assert page.locator("#snapshot").inner_text().startswith("grid_readings@v")

    # 19 Feb, ranked by the resumed share: the bars follow the API's order
    page.select_option("#power-day", "2020-02-19")
    page.select_option("#power-by", "resumed_share")
    page.wait_for_selector("#power-ranking[data-by='resumed_share'][data-day='2020-02-19']")
    api = page.evaluate("fetch('/api/power/ranking?date=2020-02-19&by=resumed_share').then(r => r.json())")
    assert page.get_attribute("#power-ranking", "data-order") == ",".join(r["code"] for r in api["rows"])
    page.select_option("#power-by", "production_share")
    page.wait_for_selector("#power-ranking[data-by='production_share']")

    # drill down into Yueqing's manufacturers
    page.select_option("#power-county", "330382")
    page.select_option("#power-industry", "C")
    url = "/api/power/enterprises?date=2020-02-19&county=330382&industry=C"
    page.wait_for_selector(f"#power-enterprises[data-url='{url}']")
    page.wait_for_timeout(300)  # an older answer arriving now must not replace these rows
    api = page.evaluate(f"fetch('{url}').then(r => r.json())")
    assert page.locator("#power-enterprises tbody td:nth-child(1)").all_inner_texts() == [
        r["account_id"] for r in api["rows"]
    ]
    assert api["rows"]
    assert {cell[:2] for cell in page.locator("#power-enterprises tbody td:nth-child(4)").all_inner_texts()} == {"C "}
    assert set(page.locator("#power-enterprises tbody td:nth-child(3)").all_inner_texts()) == {"330382"}
    assert page.get_attribute("#export-enterprises-xlsx", "href") == f"{url}&format=xlsx"
    with page.expect_download() as download:
        page.click("#export-enterprises-csv")
    assert download.value.suggested_filename == "power-enterprises-330382-2020-02-19.csv"

    # the county's firms held back, with their suppliers, and its gaming flags with their reasons
    for kind, cells in (("shortfalls", 1), ("gaming", 8)):
        url = f"/api/power/{kind}?date=2020-02-19&county=330382"
        page.wait_for_selector(f"#power-{kind}[data-url='{url}']")
        api = page.evaluate(f"fetch('{url}').then(r => r.json())")
        assert api["rows"], kind
        shown = page.locator(f"#power-{kind} tbody td:nth-child({cells})").all_inner_texts()
        assert shown == [r["name"] if kind == "shortfalls" else r["reason"] for r in api["rows"]]
        assert page.get_attribute(f"#export-{kind}-xlsx", "href") == f"{url}&format=xlsx"
        with page.expect_download() as download:
            page.click(f"#export-{kind}-csv")
        assert download.value.suggested_filename == f"power-{kind}-330382-2020-02-19.csv"
    assert "用电量异常平稳" in page.locator("#power-gaming").inner_text()
    page.screenshot(path=str(artifacts / "power-index-zh.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    page.wait_for_selector("#power-enterprises tbody tr")
    assert page.locator("h1").inner_text() == "Electricity resumption index"
    page.select_option("#power-day", "2020-02-19")
    page.select_option("#power-county", "330382")
    page.wait_for_selector("#power-gaming[data-url='/api/power/gaming?date=2020-02-19&county=330382']")
    assert "flat load" in page.locator("#power-gaming").inner_text()

    # a county without power users in the address is named, and the page still works
    page.goto(f"{live_server}/power?county=330100")
    page.wait_for_selector("#power-enterprises tbody tr")
    assert "330100" in page.locator("#power-error").inner_text()
    assert errors == []
    page.close()
