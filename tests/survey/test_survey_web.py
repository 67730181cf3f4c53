"""The forms over HTTP: a worker's list, the form page, drafts, idempotent submits, refusals, import and progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from tests.survey.conftest import BEFORE_DUE, GOOD_DAILY, VILLAGE_A, VILLAGE_B, YUEQING, People

from fugong.auth.deps import undeclared_routes
from fugong.auth.tokens import issue_token
from fugong.settings import Settings, get_settings
from fugong.store import Store
from fugong.web.app import create_app


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The HTTP layer adds nothing that differs between backends: these run on SQLite only (the core runs on both)."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("survey-web-store"), None) as template:
        yield template


@dataclass
class Web:
    client: TestClient
    ids: dict[str, int]
    headers: dict[str, dict[str, str]]


@pytest.fixture
def web(
    store: Store,
    store_url: str,
    survey_settings: Settings,
    people: People,
    assigned: Callable[..., dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Web]:
    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    get_settings.cache_clear()
    ids = assigned()
    headers = {}
    with store.session() as session:
        for name in ("cun_a", "zhen", "guan", "root"):
            token = issue_token(session, name, name="tests", now=BEFORE_DUE).token
            headers[name] = {"Authorization": f"Bearer {token}"}
    app = create_app(get_settings())
    app.state.clock = lambda: BEFORE_DUE
    with TestClient(app) as client:
        yield Web(client, ids, headers)
    app.state.store.dispose()


def test_every_route_declares_its_roles(web: Web) -> None:
    assert undeclared_routes(web.client.app) == []  # type: ignore[arg-type]


def test_a_worker_sees_and_opens_their_forms(web: Web) -> None:
    listed = web.client.get("/api/survey/assignments", headers=web.headers["cun_a"]).json()
    assert [(a["unit"], a["status"]) for a in listed] == [(VILLAGE_A, "not_started")]
    page = web.client.get(f"/survey/fill/{web.ids[VILLAGE_A]}", headers=web.headers["cun_a"])
    assert page.status_code == 200
    assert "村（社区）疫情防控日报" in page.text
    assert 'data-field="key_area_returnees"' in page.text
    english = web.client.get(f"/survey/fill/{web.ids[VILLAGE_A]}?lang=en", headers=web.headers["cun_a"])
    assert "Village/community daily epidemic-prevention report" in english.text
    assert "Save draft" in english.text
    refused = web.client.get(f"/api/survey/assignments/{web.ids[VILLAGE_B]}", headers=web.headers["cun_a"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_your_unit"
    assert web.client.get("/api/survey/assignments", headers=web.headers["guan"]).status_code == 403
    assert web.client.get("/api/survey/assignments").status_code == 401


def test_draft_then_submit_once(web: Web) -> None:
    url = f"/api/survey/assignments/{web.ids[VILLAGE_A]}"
    h = web.headers["cun_a"]
    draft = web.client.put(
        f"{url}/draft", json={"values": {"returnees_total": "40", "checkpoints": "x"}, "form_version": 1}, headers=h
    )
    assert draft.status_code == 200
    assert draft.json()["values"] == {"returnees_total": 40}
    assert {p["field"] for p in draft.json()["problems"]} >= {"checkpoints", "issue"}
    assert web.client.get(url, headers=h).json()["draft"] == {"returnees_total": 40}
    bad = web.client.post(
        f"{url}/submit",
        json={"values": {**GOOD_DAILY, "checkpoints_staffed": 5}, "form_version": 1, "idempotency_key": "k1"},
        headers=h,
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_values"
    assert bad.json()["field"] == "checkpoints_staffed"
    body = {"values": GOOD_DAILY, "form_version": 1, "idempotency_key": "phone-1"}
    first = web.client.post(f"{url}/submit", json=body, headers=h)
    again = web.client.post(f"{url}/submit", json=body, headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "already_submitted"
    assert again.json()["submission_id"] == first.json()["submission_id"]
    listed = web.client.get("/survey", headers=h)
    assert "东湖社区 · 2020-02-10" in listed.text
    assert "已提交" in listed.text
    shown = web.client.get(f"/survey/fill/{web.ids[VILLAGE_A]}", headers=h)
    assert 'id="survey-form"' not in shown.text  # a submitted report is shown, not offered again
    assert "<dd>40</dd>" in shown.text
    closed = web.client.post(f"{url}/submit", json={**body, "idempotency_key": "phone-2"}, headers=h)
    assert closed.status_code == 409
    assert closed.json()["error"] == "period_closed"


def test_malformed_submissions(web: Web) -> None:
    url = f"/api/survey/assignments/{web.ids[VILLAGE_A]}/submit"
    for body in (
        {"values": GOOD_DAILY, "form_version": "1", "idempotency_key": "k"},
        {"values": GOOD_DAILY, "form_version": 1},
        {"values": GOOD_DAILY, "form_version": 1, "idempotency_key": "k" * 65},
        {"values": [1, 2], "form_version": 1, "idempotency_key": "k"},
    ):
        response = web.client.post(url, json=body, headers=web.headers["cun_a"])
        assert response.status_code == 422, body
        assert response.json()["error"] == "invalid_input"


def test_unknown_assignment_and_bad_period(web: Web) -> None:
    assert (
        web.client.get("/api/survey/assignments/9999", headers=web.headers["cun_a"]).json()["error"]
        == "unknown_assignment"
    )
    bad = web.client.get("/api/survey/completeness?form=village_daily&period=0", headers=web.headers["guan"])
    assert bad.status_code == 422
    assert bad.json()["field"] == "period"


def test_progress_for_the_county_official(web: Web) -> None:
    h = web.headers["cun_a"]
    web.client.post(
        f"/api/survey/assignments/{web.ids[VILLAGE_A]}/submit",
        json={"values": GOOD_DAILY, "form_version": 1, "idempotency_key": "p1"},
        headers=h,
    )
    rolled = web.client.get(
        f"/api/survey/completeness?form=village_daily&period=2020-02-10&unit={YUEQING}", headers=web.headers["guan"]
    )
    assert rolled.status_code == 200
    county = next(u for u in rolled.json()["units"] if u["code"] == YUEQING)
    assert (county["assigned"], county["submitted"], county["not_started"]) == (3, 1, 2)
    outside = web.client.get(
        "/api/survey/completeness?form=village_daily&period=2020-02-10&unit=330381", headers=web.headers["guan"]
    )
    assert outside.status_code == 403
    panel = web.client.get("/api/survey/panel", headers=web.headers["guan"]).json()
    assert {r["county"]: (r["submitted"], r["not_started"]) for r in panel} == {"乐清市": (1, 2), "瑞安市": (0, 1)}
    reminders = web.client.get("/api/survey/reminders", headers=web.headers["guan"])
    assert reminders.status_code == 200
    assert {r["unit"] for r in reminders.json()} == {VILLAGE_B, "330382100200"}  # due at 18:00, within six hours


def test_xlsx_upload(web: Web) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位代码", "日期", *GOOD_DAILY])
    sheet.append([VILLAGE_B, "2020-02-10", *GOOD_DAILY.values()])
    sheet.append([VILLAGE_A, "2020-02-10", *{**GOOD_DAILY, "checkpoints": -1}.values()])
    out = BytesIO()
    book.save(out)
    response = web.client.post(
        "/api/survey/import?form=village_daily",
        files={"file": ("日报.xlsx", out.getvalue())},
        headers=web.headers["zhen"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["submitted"], body["error"]) == (1, 1)
    assert "不能小于 0" in body["rows"][1]["errors"][0]


def test_the_progress_page_for_county_staff(web: Web) -> None:
    web.client.post(
        f"/api/survey/assignments/{web.ids[VILLAGE_A]}/submit",
        json={"values": GOOD_DAILY, "form_version": 1, "idempotency_key": "pp"},
        headers=web.headers["cun_a"],
    )
    page = web.client.get("/survey/progress", headers=web.headers["guan"])
    assert page.status_code == 200
    assert "村（社区）疫情防控日报 · 2020-02-10" in page.text
    assert f'data-unit="{YUEQING}"' in page.text
    assert 'data-unit="330381"' not in page.text  # another county's official sees only their own
    assert f'<li data-unit="{VILLAGE_B}">' in page.text  # due within six hours: to remind
    english = web.client.get("/survey/progress?lang=en&period=2020-02-10", headers=web.headers["guan"])
    assert "Reporting progress" in english.text
    assert web.client.get("/survey/progress", headers=web.headers["cun_a"]).status_code == 403


def _sheet(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(BytesIO(content))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert book.sheetnames == ["填报", "填表说明"]
    return rows


def test_a_downloaded_template_filled_in_is_accepted(web: Web) -> None:
    h = web.headers["zhen"]
    got = web.client.get("/api/survey/forms/village_daily/template.xlsx", headers=h)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="village_daily-v1.xlsx"' in got.headers["content-disposition"]
    rows = _sheet(got.content)
    assert rows[0][:4] == ["单位代码", "单位名称", "日期", "累计返回人员（人）"]
    assert [r[:3] for r in rows[1:]] == [[VILLAGE_A, "东湖社区", "2020-02-10"], [VILLAGE_B, "南塘社区", "2020-02-10"]]
    # The worker types the figures in under the Chinese labels, with a mistake in the second row.
    book = openpyxl.load_workbook(BytesIO(got.content))
    sheet = book.worksheets[0]
    labels = {
        f["label"]["zh"]: f["id"]
        for s in web.client.get("/api/survey/forms/village_daily", headers=h).json()["sections"]
        for f in s["fields"]
    }
    wrong = {**GOOD_DAILY, "checkpoints_staffed": 5}
    for line, values in ((2, GOOD_DAILY), (3, wrong)):
        for column, header in enumerate(rows[0][3:], start=4):
            sheet.cell(line, column, {**values, "from_key_areas": "否", "issue": "无"}.get(labels[header]))
    out = BytesIO()
    book.save(out)
    sent = web.client.post(
        "/api/survey/import?form=village_daily", files={"file": ("模板.xlsx", out.getvalue())}, headers=h
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert (body["submitted"], body["error"]) == (1, 1)
    assert [(r["line"], r["unit"], r["status"]) for r in body["rows"]] == [
        (2, VILLAGE_A, "submitted"),
        (3, VILLAGE_B, "error"),
    ]
    assert "有人值守的卡口不能多于卡口总数" in body["rows"][1]["errors"][0]
    # The accepted row reached the lake once the answer had gone out.
    shown = web.client.get("/survey/progress?period=2020-02-10", headers=web.headers["guan"])
    assert 'data-figures="330382001"' in shown.text
    again = _sheet(web.client.get("/api/survey/forms/village_daily/template.xlsx", headers=h).content)
    assert [r[0] for r in again[1:]] == [VILLAGE_B]  # the submitted unit is no longer offered


def test_templates_for_officials_and_unknown_forms(web: Web) -> None:
    blank = _sheet(
        web.client.get("/api/survey/forms/industry_weekly/template.xlsx", headers=web.headers["guan"]).content
    )
    assert blank[0][:5] == ["单位代码", "单位名称", "日期", "辖区规上工业企业数（家）", "已复工企业数（家）"]
    assert len(blank) == 1  # an official's copy has no rows of their own
    missing = web.client.get("/api/survey/forms/mask_stock/template.xlsx", headers=web.headers["guan"])
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown_form"
    assert web.client.get("/api/survey/forms/village_daily/template.xlsx").status_code == 401


def test_the_worker_list_offers_upload_and_templates(web: Web) -> None:
    page = web.client.get("/survey", headers=web.headers["zhen"])
    assert 'id="survey-upload"' in page.text
    assert 'href="/api/survey/forms/village_daily/template.xlsx"' in page.text
    english = web.client.get("/survey?lang=en", headers=web.headers["zhen"])
    assert "Fill in by spreadsheet" in english.text


def test_a_submission_reaches_the_lake_and_officials_can_roll_up(web: Web) -> None:
    from fugong.hub import lake

    settings = get_settings()
    first = web.client.post("/api/survey/aggregate?form=village_daily", headers=web.headers["guan"])
    assert first.status_code == 200
    assert [(d["dataset"], d["status"]) for d in first.json()["datasets"]] == [("survey_village_daily", "written")]
    assert lake.get_lake(settings).require("survey_village_daily").manifest["trigger"] == {
        "reason": "official",
        "by": "guan",
        "periods": None,  # the first version: every period
    }
    web.client.post(
        f"/api/survey/assignments/{web.ids[VILLAGE_A]}/submit",
        json={"values": GOOD_DAILY, "form_version": 1, "idempotency_key": "lake-1"},
        headers=web.headers["cun_a"],
    )
    version = lake.get_lake(settings).require("survey_village_daily")
    assert version.manifest["trigger"] == {"reason": "submission", "by": "cun_a", "periods": ["2020-02-10"]}
    assert version.manifest["inputs"]["submissions"] == 1
    again = web.client.post("/api/survey/aggregate?form=village_daily", headers=web.headers["guan"])
    assert again.json()["datasets"][0]["status"] == "unchanged"
    assert web.client.post("/api/survey/aggregate?form=village_daily", headers=web.headers["cun_a"]).status_code == 403
    unknown = web.client.post("/api/survey/aggregate?form=weekly", headers=web.headers["guan"])
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_form")


def test_the_progress_page_shows_the_summed_figures(web: Web) -> None:
    for unit, key in ((VILLAGE_A, "s1"), (VILLAGE_B, "s2")):
        web.client.post(
            f"/api/survey/assignments/{web.ids[unit]}/submit",
            json={"values": GOOD_DAILY, "form_version": 1, "idempotency_key": key},
            headers=web.headers["zhen"],
        )
    page = web.client.get("/survey/progress?period=2020-02-10", headers=web.headers["guan"]).text
    assert 'id="survey-aggregate"' in page
    assert "survey_village_daily@v" in page
    township = page.split('data-figures="330382001"')[1].split("</tr>")[0]
    assert "<td>2 / 2</td>" in township
    assert "<td>80</td>" in township  # returnees so far: 40 + 40
    county = page.split(f'data-figures="{YUEQING}"')[1].split("</tr>")[0]
    assert "<td>2 / 3</td>" in county
    assert 'data-figures="330381"' not in page  # another county's figures stay hidden
    assert "有新的提交或分配尚未汇总" not in page


def test_a_weighted_mean_is_marked_on_the_progress_page(web: Web, assigned: Callable[..., dict[str, int]]) -> None:
    from tests.survey.conftest import GOOD_WEEKLY, TOWN

    ids = assigned("industry_weekly")
    sent = web.client.post(
        f"/api/survey/assignments/{ids[TOWN]}/submit",
        json={"values": {**GOOD_WEEKLY, "capacity_share": 80}, "form_version": 1, "idempotency_key": "w"},
        headers=web.headers["zhen"],
    )
    assert sent.status_code == 201, sent.text
    page = web.client.get("/survey/progress?form=industry_weekly&period=2020-02-10", headers=web.headers["guan"]).text
    assert "按enterprises_total加权的均值" in page
    county = page.split(f'data-figures="{YUEQING}"')[1].split("</tr>")[0]
    assert "<td>80.0</td>" in county
    english = web.client.get(
        "/survey/progress?form=industry_weekly&period=2020-02-10&lang=en", headers=web.headers["guan"]
    ).text
    assert "mean weighted by enterprises_total" in english
    assert '<option value="industry_weekly" selected>' in english
