"""A village worker on a phone: sign in, fill the daily report, lose the connection, submit once when it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.survey.conftest import DAY, VILLAGE_A

from fugong.hub.ingest import ingest
from fugong.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "Cun-shequ-2020!"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_data(settings: Settings, units_csv: Path) -> int:
    """The register in the lake, a migrated store, a village worker with a password and today's form assigned."""
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.store import Store, migrate
    from fugong.survey import service
    from fugong.survey.catalog import get_form
    from fugong.survey.orgunits import load_hierarchy

    ingest("org_units", [units_csv], settings=settings)
    migrate.upgrade(settings.store_url)
    store = Store.from_settings(settings)
    hierarchy = load_hierarchy(settings)
    with store.session() as session:
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        create_user(session, "cunwei", roles=("grassroots",), gazetteer=gazetteer, password=PASSWORD)
        session.flush()
        service.set_worker_units(session, hierarchy, "cunwei", [VILLAGE_A])
        form = get_form(session, "village_daily")
        service.assign(session, hierarchy, form, VILLAGE_A[:9], [DAY], by="test", now=service.due_at(form, DAY))
        aid = service.find_assignment(session, "village_daily", VILLAGE_A, DAY).id
    store.dispose()
    return aid


def _submissions(settings: Settings) -> int:
    from fugong.store import Store
    from fugong.survey.models import SurveySubmission

    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            return int(session.scalar(select(func.count()).select_from(SurveySubmission)) or 0)
    finally:
        store.dispose()


def test_fill_and_submit_on_a_phone_through_a_dropped_connection(
    browser: Any, settings: Settings, phone_data: int, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/survey/fill/{phone_data}")
    page.fill("#username", "cunwei")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#survey-form")
    assert page.locator("h1").inner_text() == "村（社区）疫情防控日报"

    page.fill("#in-returnees_total", "40")
    page.fill("#in-returnees_today", "3")
    assert page.locator("#field-key_area_returnees").is_hidden()  # skip logic: only if someone came from key areas
    page.locator("#field-from_key_areas input[value='true']").check()
    assert page.locator("#field-key_area_returnees").is_visible()
    page.fill("#in-key_area_returnees", "5")
    page.fill("#in-home_observation", "4")
    page.fill("#in-checkpoints", "2")
    page.fill("#in-checkpoints_staffed", "2")
    page.select_option("#in-issue", "masks")
    assert page.locator("#field-issue_note").is_visible()
    page.select_option("#in-issue", "none")
    assert page.locator("#field-issue_note").is_hidden()

    # A rule the worker understands: more from key areas than came back today.
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#error-key_area_returnees:not([hidden])")
    assert "来自重点地区的人数不能多于今日新增返回人数" in page.locator("#error-key_area_returnees").inner_text()
    page.fill("#in-key_area_returnees", "1")

    # The connection drops as the worker submits: the form is kept on the phone, nothing reaches the server.
    context.set_offline(True)
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#survey-net:not([hidden])")
    assert "网络已断开" in page.locator("#survey-net").inner_text()
    pending = page.evaluate(f"JSON.parse(localStorage.getItem('fugong-survey-{phone_data}')).pending")
    assert pending["values"]["returnees_total"] == "40"
    assert _submissions(settings) == 0
    page.screenshot(path=str(artifacts / "survey-phone-offline.png"), full_page=True)

    # The connection returns: the pending submission goes once.
    context.set_offline(False)
    page.wait_for_selector("#survey-done:not([hidden])", timeout=15_000)
    assert "已提交" in page.locator("#survey-done").inner_text()
    assert _submissions(settings) == 1
    assert page.evaluate(f"localStorage.getItem('fugong-survey-{phone_data}')") is None
    page.screenshot(path=str(artifacts / "survey-phone-submitted.png"), full_page=True)

    # A resend with the same key (a response lost on the way back) is the same single report.
    resent = page.evaluate(
        """([id, pending]) => fetch(`/api/survey/assignments/${id}/submit`, {method: 'POST',
             headers: {'content-type': 'application/json',
                       'X-CSRF-Token': document.querySelector('input[name=csrf_token]').value},
             body: JSON.stringify(pending)}).then(r => r.json())""",
        [phone_data, pending],
    )
    assert resent["status"] == "already_submitted"
    assert _submissions(settings) == 1
    assert errors == []
    context.close()
