"""Declare → return → fix → resubmit → approve in a real browser: the firm's clerk and the county official."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fugong.settings import Settings
from fugong.store import utcnow

from .conftest import VALVES, YUEQING

pytestmark = pytest.mark.browser
PASSWORD = "Fugong-qiye-2020!"


@pytest.fixture
def platform(settings: Settings) -> Settings:
    """A migrated store with the valve maker in the register, its clerk bound to it, and Wenzhou's official."""
    from fugong.auth.users import create_user
    from fugong.enterprise import registry
    from fugong.geo import load_gazetteer
    from fugong.hub.pseudonyms import pseudonymiser
    from fugong.store import Store, migrate

    migrate.upgrade(settings.store_url)
    store = Store.from_settings(settings)
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    with store.session() as session:
        row = {
            "enterprise_key": pseudonymiser(settings).enterprise(VALVES),
            "name": "乐清阀门制造有限公司",
            "county_code": YUEQING,
            "size_class": "规下",
            "employees": 100,
        }
        registry.upsert(session, [row], "market_registry@v1-test")
        create_user(session, "factory", roles=("enterprise",), gazetteer=gazetteer, password=PASSWORD)
        create_user(
            session, "wenzhou", roles=("county_official",), counties=(YUEQING,), gazetteer=gazetteer, password=PASSWORD
        )
    store.dispose()
    return settings


def _sign_in(page: Any, username: str) -> None:
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_declare_return_fix_resubmit_approve(
    browser: Any, platform: Settings, live_server: str, artifacts: Path
) -> None:
    errors: list[str] = []
    clerk = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
    clerk.on("pageerror", lambda exc: errors.append(str(exc)))
    clerk.goto(f"{live_server}/enterprise")
    _sign_in(clerk, "factory")
    clerk.fill("#credit_code", VALVES)
    clerk.get_by_role("button", name="绑定").click()
    assert clerk.locator("#firm").inner_text() == "乐清阀门制造有限公司"

    tomorrow = (utcnow() + timedelta(hours=8) + timedelta(days=1)).date().isoformat()
    declare = clerk.locator("#declare")
    declare.locator("[name=planned_on]").fill(tomorrow)
    for name, value in {
        "workforce_total": "100",
        "workforce_returning": "80",
        "origin_in_county": "60",
        "origin_in_province": "15",
        "origin_out_of_province": "5",
        "mask_stock_days": "14",
        "canteen": "分餐错峰",
        "responsible_person": "王建国",
        "responsible_phone": "13805771234",
        "production_plan": "先恢复阀门装配线",
    }.items():
        declare.locator(f"[name={name}]").fill(value)
    for flag in ("temperature_checks", "disinfection", "isolation_room"):
        declare.locator(f"[name={flag}]").check()
    declare.get_by_role("button", name="提交申报").click()
    assert clerk.locator("#declarations tr[data-state=submitted]").count() == 1
    clerk.screenshot(path=str(artifacts / "enterprise-portal-zh.png"), full_page=True)

    official = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
    official.on("pageerror", lambda exc: errors.append(str(exc)))
    official.goto(f"{live_server}/enterprise/review")
    _sign_in(official, "wenzhou")
    official.get_by_role("link", name="乐清阀门制造有限公司").click()
    assert official.locator("#state").get_attribute("data-state") == "submitted"
    assert official.locator("#precheck li[data-check=power]").inner_text().endswith("no power data（暂无电力数据）")
    official.get_by_role("button", name="开始审核").click()
    assert official.locator("#state").get_attribute("data-state") == "under_review"
    official.fill("#reason", "口罩储备不足30天，请补充后重新提交")
    official.get_by_role("button", name="退回修改").click()
    assert official.locator("#state").get_attribute("data-state") == "returned"

    clerk.reload()
    clerk.locator("#declarations tr[data-state=returned]").get_by_role("link", name="修改后重新提交").click()
    assert "口罩储备不足30天" in clerk.locator("#reason").inner_text()  # the official's reason, on the firm's page
    assert clerk.locator("#precheck li[data-check=county_risk]").count() == 1
    resubmit = clerk.locator("#resubmit")
    assert resubmit.locator("[name=responsible_person]").input_value() == "王建国"
    resubmit.locator("[name=mask_stock_days]").fill("30")
    resubmit.get_by_role("button", name="重新提交").click()
    assert clerk.locator("#state").get_attribute("data-state") == "submitted"
    assert clerk.locator("#resubmit").count() == 0
    clerk.screenshot(path=str(artifacts / "enterprise-declaration-zh.png"), full_page=True)

    official.reload()
    official.get_by_role("button", name="开始审核").click()
    official.get_by_role("button", name="批准", exact=True).click()
    assert official.locator("#state").get_attribute("data-state") == "approved"
    history = official.locator("#history").inner_text()
    assert "wenzhou" in history
    assert "口罩储备不足30天" in history
    assert official.locator("#history li[data-to=submitted]").count() == 2
    official.screenshot(path=str(artifacts / "enterprise-review-zh.png"), full_page=True)

    clerk.goto(f"{live_server}/enterprise")
    assert clerk.locator("#declarations tr[data-state=approved] .state").inner_text() == "已批准"
    assert errors == []
