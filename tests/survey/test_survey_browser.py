"""A village worker on a phone: sign in, fill the daily report, lose the connection, submit once when it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.survey.conftest import DAY, TOWN, VILLAGE_A, VILLAGE_B, YUEQING

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


@pytest.fixture
def township_data(settings: Settings, units_csv: Path) -> None:
    """A township worker holding two communities with today's report open, and their county's official."""
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
        create_user(session, "zhen", roles=("grassroots",), gazetteer=gazetteer, password=PASSWORD)
        create_user(
            session, "guan", roles=("county_official",), counties=(YUEQING,), gazetteer=gazetteer, password=PASSWORD
        )
        session.flush()
        service.set_worker_units(session, hierarchy, "zhen", [TOWN])
        form = get_form(session, "village_daily")
        service.assign(session, hierarchy, form, TOWN, [DAY], by="test", now=service.due_at(form, DAY))
    store.dispose()


def _sign_in(page: Any, url: str, user: str) -> None:
    page.goto(url)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_spreadsheet_round_trip_and_the_officials_roll_up(
    browser: Any, settings: Settings, township_data: None, live_server: str, artifacts: Path, tmp_path: Path
) -> None:
    import openpyxl

    errors: list[str] = []
    worker = browser.new_context(accept_downloads=True)
    page = worker.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, f"{live_server}/survey", "zhen")
    page.wait_for_selector("#survey-upload")
    with page.expect_download() as download:
        page.get_by_role("link", name="村（社区）疫情防控日报 · 下载模板").click()
    path = tmp_path / "template.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert [sheet.cell(n, 1).value for n in (2, 3)] == [VILLAGE_A, VILLAGE_B]
    typed = {
        "累计返回人员（人）": 40,
        "今日新增返回人员（人）": 3,
        "今日是否有从湖北等重点地区返回的人员": "否",
        "居家医学观察人数（人）": 5,
        "卡口数（个）": 2,
        "有人值守的卡口（个）": 2,
        "当前最突出的困难": "无",
    }
    for line in (2, 3):
        for label, value in typed.items():
            sheet.cell(line, header.index(label) + 1, value)
    sheet.cell(3, header.index("有人值守的卡口（个）") + 1, 5)  # more staffed than there are checkpoints
    book.save(path)

    page.set_input_files("#survey-upload input[name=file]", str(path))
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("#survey-upload-rows:not([hidden])")
    assert "已提交 1 行" in page.locator("#survey-upload-summary").inner_text()
    bad = page.locator("#survey-upload-rows tr[data-status='error'] td")
    assert bad.nth(0).inner_text() == "3"  # the line of the sheet to fix
    assert "有人值守的卡口不能多于卡口总数" in bad.nth(4).inner_text()
    page.screenshot(path=str(artifacts / "survey-upload-result.png"), full_page=True)

    official = browser.new_context()
    desk = official.new_page()
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(desk, f"{live_server}/survey/progress?period=2020-02-10", "guan")
    desk.wait_for_selector("#survey-aggregate")
    row = desk.locator(f"tr[data-figures='{TOWN}']")
    assert "1 / 2" in row.inner_text()  # the uploaded row reached the lake without anyone running a command
    desk.get_by_role("button", name="汇总入湖").click()
    desk.wait_for_function("document.getElementById('survey-aggregate-result').textContent !== ''")
    assert "湖中已是最新" in desk.locator("#survey-aggregate-result").inner_text()
    desk.screenshot(path=str(artifacts / "survey-progress-figures.png"), full_page=True)
    assert errors == []
    worker.close()
    official.close()
