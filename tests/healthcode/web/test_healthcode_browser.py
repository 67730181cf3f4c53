"""The health code in a real browser: a daughter registers her mother, declares for her and appeals with a test
report; two officials of the county decide the appeal (four eyes); the daughter sees the colour turn green."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from fugong.settings import Settings

from .conftest import XIHU, id_number

pytestmark = pytest.mark.browser
PASSWORD = "Fugong-jiankangma-2020!"
REPORT = b"%PDF-1.4\n% negative nucleic acid test\n%%EOF\n"


@pytest.fixture
def accounts(settings: Settings) -> Settings:
    """A migrated store with the daughter (citizen) and two officials of 西湖区."""
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import migrate, unit_of_work

    migrate.upgrade(settings.store_url)
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    with unit_of_work(settings) as session:
        create_user(session, "nver", roles=("citizen",), gazetteer=gazetteer, password=PASSWORD)
        for official in ("li", "wu"):
            create_user(
                session, official, roles=("county_official",), counties=(XIHU,), gazetteer=gazetteer, password=PASSWORD
            )
    return settings


def _sign_in(page: Any, base: str, username: str, path: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{path}")


def test_a_relative_declares_and_appeals_and_two_officials_decide(
    browser: Any, accounts: Settings, live_server: str, artifacts: Path, tmp_path: Path
) -> None:
    errors: list[str] = []
    daughter = browser.new_context(viewport={"width": 420, "height": 900}).new_page()  # a phone
    daughter.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(daughter, live_server, "nver", "/healthcode")
    assert daughter.locator("#no-persons").is_visible()

    register = daughter.locator("form[data-api='/api/healthcode/persons']")
    register.locator("[name=name]").fill("王秀英")
    register.locator("[name=id_number]").fill(id_number(11))
    register.locator("[name=county]").fill(XIHU)
    register.locator("[name=on_behalf]").select_option("relative")
    register.get_by_role("button", name="登记").click()
    daughter.get_by_role("link", name="王秀英").click()

    declaration = daughter.locator("form[data-api$='/declarations']")
    declaration.locator("[name=travel]").check()
    declaration.get_by_role("button", name="提交申报").click()  # without the promise: refused, said on the page
    expect(declaration.locator("[role=alert]")).to_contain_text("legal notice")
    declaration.locator("[name=legal_notice]").check()
    declaration.get_by_role("button", name="提交申报").click()
    daughter.wait_for_selector("#colour.colour-yellow")
    assert "重点疫区" in daughter.locator("#explanation").inner_text()

    report = tmp_path / "核酸检测报告.pdf"
    report.write_bytes(REPORT)
    appeal = daughter.locator("form[data-api$='/appeals']")
    appeal.locator("[name=evidence]").fill("母亲未离开杭州，核酸检测阴性")
    appeal.locator("[name=file]").set_input_files(str(report))
    appeal.get_by_role("button", name="提交申诉").click()
    daughter.wait_for_selector("#appeals [data-state=open]:has-text('待处理')")
    daughter.screenshot(path=str(artifacts / "healthcode-person-zh.png"), full_page=True)

    li = browser.new_context(viewport={"width": 1100, "height": 1000}).new_page()
    li.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(li, live_server, "li", "/healthcode/appeals")
    card = li.locator("section.appeal").first
    assert "王秀英" in card.inner_text()
    assert card.get_by_role("link", name="核酸检测报告.pdf").get_attribute("href", timeout=5000)
    with li.expect_popup() as popup:
        card.get_by_role("link", name="核酸检测报告.pdf").click()
    assert popup.value.url.endswith("/evidence")
    popup.value.close()
    card.locator("[name=colour]").select_option("green")
    card.locator("[name=reason]").first.fill("核酸阴性，未去过疫区")
    card.get_by_role("button", name="提议").click()
    li.wait_for_selector("section.appeal button:has-text('批准')")
    approve = li.locator("section.appeal form[data-api$='/approval']").first
    approve.get_by_role("button", name="批准").click()  # the official who proposed cannot approve
    expect(approve.locator("[role=alert]")).to_contain_text("cannot also approve it")

    wu = browser.new_context(viewport={"width": 1100, "height": 1000}).new_page()
    wu.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(wu, live_server, "wu", "/healthcode/appeals")
    wu.locator("section.appeal").first.get_by_role("button", name="批准").click()
    wu.wait_for_selector("#no-appeals")
    wu.screenshot(path=str(artifacts / "healthcode-appeals-zh.png"), full_page=True)

    daughter.reload()
    daughter.wait_for_selector("#colour.colour-green")
    assert daughter.locator("#notifications li").count() >= 1
    assert "核酸阴性，未去过疫区" in daughter.locator("#history").inner_text()
    assert errors == []
