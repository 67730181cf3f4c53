"""The pages as their users meet them (no browser): the firm fixes a returned declaration; the county's forms."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest

from fugong.enterprise import service
from fugong.enterprise.signals import CountyColours

from .conftest import MASKS, TEA, XIHU, YUEQING, form


def _declare(web: Any) -> dict[str, Any]:
    headers = {**web.headers["factory"], "Idempotency-Key": uuid.uuid4().hex}
    response = web.client.post("/api/enterprise/declarations", json=form(mask_stock_days=3), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _act(web: Any, declaration_id: int, version: int, action: str, reason: str | None = None) -> dict[str, Any]:
    url = f"/api/enterprise/declarations/{declaration_id}/actions"
    body = {"action": action, "version": version, "reason": reason}
    response = web.client.post(url, json=body, headers=web.headers["wenzhou"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def _returned(web: Any) -> dict[str, Any]:
    declared = _declare(web)
    claimed = _act(web, declared["id"], declared["version"], "claim")
    return _act(web, declared["id"], claimed["version"], "return", "口罩储备不足7天，请补充后重新提交")


def _post(web: Any, url: str, user: str, data: dict[str, Any]) -> Any:
    return web.client.post(url, data=data, headers=web.headers[user], follow_redirects=False)


def _message(response: Any) -> str:
    from urllib.parse import unquote

    location = response.headers["location"]
    return unquote(location.split("message=", 1)[1]) if "message=" in location else ""


def _fields(page: str) -> dict[str, Any]:
    """The edit form as the browser would send it: inputs with their values, checked boxes, the textarea."""
    found: dict[str, Any] = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        found.setdefault(name.group(1), []).append(value.group(1) if value else "on")
    plan = re.search(r'<textarea name="production_plan"[^>]*>([^<]*)</textarea>', page)
    assert plan is not None
    found["production_plan"] = [plan.group(1)]
    return found


def test_the_firm_sees_its_returned_declaration_with_the_reason_and_precheck(web: Any) -> None:
    returned = _returned(web)
    page = web.client.get(f"/enterprise/declarations/{returned['id']}", headers=web.headers["factory"])
    assert page.status_code == 200
    assert 'data-state="returned"' in page.text
    assert "口罩储备不足7天，请补充后重新提交" in page.text
    assert 'id="precheck"' in page.text
    assert 'data-check="county_risk"' in page.text
    assert 'id="resubmit"' in page.text
    assert 'name="mask_stock_days" min="0" value="3"' in page.text
    portal = web.client.get("/enterprise", headers=web.headers["factory"])
    assert f'href="/enterprise/declarations/{returned["id"]}"' in portal.text


def test_the_firm_fixes_and_resubmits_a_returned_declaration_from_the_page(web: Any) -> None:
    returned = _returned(web)
    url = f"/enterprise/declarations/{returned['id']}"
    fields = _fields(web.client.get(url, headers=web.headers["factory"]).text)
    fields["mask_stock_days"] = ["30"]
    sent = web.client.post(url, data=fields, headers=web.headers["factory"], follow_redirects=False)
    assert (sent.status_code, _message(sent)) == (303, "")
    shown = web.client.get(f"/api/enterprise/declarations/{returned['id']}", headers=web.headers["factory"]).json()
    assert shown["state"] == "submitted"
    assert shown["content"]["mask_stock_days"] == 30
    assert shown["content"]["responsible_phone"] == "13805771234"
    assert [h["to"] for h in shown["history"]][-3:] == ["under_review", "returned", "submitted"]
    assert shown["reason"] is None  # the return no longer stands; its reason stays in the history
    assert shown["history"][-2]["reason"] == "口罩储备不足7天，请补充后重新提交"
    page = web.client.get(url, headers=web.headers["factory"]).text
    assert 'id="resubmit"' not in page  # submitted again: nothing to fix now


def test_a_resubmission_with_a_bad_field_or_a_stale_version_is_refused_and_changes_nothing(web: Any) -> None:
    returned = _returned(web)
    url = f"/enterprise/declarations/{returned['id']}"
    fields = _fields(web.client.get(url, headers=web.headers["factory"]).text)
    past = _post(web, url, "factory", {**fields, "planned_on": "2020-02-01"})
    assert "planned_on" in _message(past)
    stale = _post(web, url, "factory", {**fields, "version": str(returned["version"] - 1)})
    assert "has changed since you read it" in _message(stale)
    shown = web.client.get(f"/api/enterprise/declarations/{returned['id']}", headers=web.headers["factory"]).json()
    assert shown["state"] == "returned"


def test_a_declaration_that_is_not_returned_cannot_be_resubmitted(web: Any) -> None:
    declared = _declare(web)
    url = f"/enterprise/declarations/{declared['id']}"
    assert 'id="resubmit"' not in web.client.get(url, headers=web.headers["factory"]).text
    refused = _post(web, url, "factory", {**form(), "version": str(declared["version"])})
    assert "only a draft or a returned one is submitted" in _message(refused)


def test_only_the_firm_itself_opens_its_declaration_page(web: Any) -> None:
    declared = _declare(web)
    url = f"/enterprise/declarations/{declared['id']}"
    bound = web.client.post("/api/enterprise/bind", json={"credit_code": MASKS}, headers=web.headers["newfirm"])
    assert bound.status_code == 200
    assert web.client.get(url, headers=web.headers["newfirm"]).status_code == 403
    assert web.client.get(url, headers=web.headers["wenzhou"]).status_code == 403
    assert web.client.get("/enterprise/declarations/9999", headers=web.headers["factory"]).status_code == 404


def test_the_county_page_shows_county_names_and_officials_manage_the_white_list(web: Any, world: Any) -> None:
    _declare(web)
    page = web.client.get("/enterprise/county", headers=web.headers["wenzhou"]).text
    assert "乐清市" in page
    assert ">330382<" not in page
    added = _post(
        web,
        "/enterprise/county/whitelist",
        "wenzhou",
        {"credit_code": MASKS, "category": "epidemic_supplies", "reason": "口罩保供"},
    )
    assert (added.status_code, _message(added)) == (303, "")
    no_reason = _post(web, "/enterprise/county/whitelist", "wenzhou", {"credit_code": MASKS, "category": "export"})
    assert "say why" in _message(no_reason)
    elsewhere = _post(
        web, "/enterprise/county/whitelist", "wenzhou", {"credit_code": TEA, "category": "export", "reason": "外贸"}
    )
    assert "does not act in county 330106" in _message(elsewhere)
    page = web.client.get("/enterprise/county", headers=web.headers["wenzhou"]).text
    assert "乐清防护用品有限公司 (乐清市, 防疫物资): 口罩保供" in page
    url = f"/enterprise/county/whitelist/{world.masks}/remove"
    assert "say why" in _message(_post(web, url, "wenzhou", {"reason": " "}))
    assert _message(_post(web, url, "wenzhou", {"reason": "已转产"})) == ""
    listed = web.client.get("/api/enterprise/whitelist", headers=web.headers["wenzhou"]).json()
    assert listed == []
    english = web.client.get("/enterprise/county", params={"lang": "en"}, headers=web.headers["wenzhou"]).text
    assert "Add to the white list" in english


def test_officials_assign_and_complete_service_tasks_on_the_county_page(web: Any, world: Any) -> None:
    made = web.client.post(
        "/api/enterprise/tasks",
        json={"enterprise_id": world.valves, "kind": "supplier", "title": "协调瑞安线缆厂复工"},
        headers=web.headers["wenzhou"],
    ).json()
    base = f"/enterprise/county/tasks/{made['id']}"
    assert _message(_post(web, f"{base}/assign", "wenzhou", {"assignee": "李科长", "note": "本周内联系"})) == ""
    assert "say what was done" in _message(_post(web, f"{base}/complete", "wenzhou", {"note": ""}))
    assert "does not act" in _message(_post(web, f"{base}/complete", "hangzhou", {"note": "别县代办"}))
    assert _message(_post(web, f"{base}/complete", "wenzhou", {"note": "已协调复工"})) == ""
    page = web.client.get("/enterprise/county", headers=web.headers["wenzhou"]).text
    assert f'data-task="{made["id"]}" data-state="done"' in page
    assert "(wenzhou) · 李科长: 本周内联系" in page
    assert "已协调复工" in page
    province = web.client.get("/enterprise/county", headers=web.headers["fenxi"]).text
    assert "协调瑞安线缆厂复工" in province
    assert 'action="/enterprise/county/whitelist"' not in province  # the province looks, the county acts
    assert _post(web, f"{base}/assign", "fenxi", {"assignee": "x"}).status_code == 403


def _approved(web: Any) -> int:
    declared = _declare(web)
    claimed = _act(web, declared["id"], declared["version"], "claim")
    return int(_act(web, declared["id"], claimed["version"], "approve")["id"])


@pytest.fixture
def colours(monkeypatch: pytest.MonkeyPatch) -> dict[str, CountyColours]:
    """The county colours the platform reads from the lake, set by the test (``now``)."""
    current = {"now": CountyColours()}
    monkeypatch.setattr(service, "lake_colours", lambda _settings: current["now"])
    return current


def test_suspensions_follow_the_county_colours_both_ways_over_the_api(web: Any, colours: Any) -> None:
    declaration_id = _approved(web)
    url = "/api/enterprise/suspensions/sync"
    colours["now"] = CountyColours({YUEQING: "red", XIHU: "green"}, date(2020, 2, 11), "cdc_cases@v2")
    assert web.client.post(url, headers=web.headers["hangzhou"]).json()["suspended"] == []  # not their county
    synced = web.client.post(url, headers=web.headers["wenzhou"]).json()
    assert (synced["suspended"], synced["resumed"], synced["source"]) == ([declaration_id], [], "cdc_cases@v2")
    assert web.client.post(url, headers=web.headers["wenzhou"]).json()["suspended"] == []
    colours["now"] = CountyColours({YUEQING: "orange", XIHU: "green"}, date(2020, 2, 13), "cdc_cases@v3")
    synced = web.client.post(url, headers=web.headers["fenxi"]).json()
    assert (synced["suspended"], synced["resumed"], synced["counties"]) == ([], [declaration_id], None)
    mine = web.client.get("/api/enterprise/me", headers=web.headers["factory"]).json()
    assert mine["declarations"][0]["state"] == "approved"
    assert "恢复复工" in mine["notices"][0]["text"]
    assert "暂停" in mine["notices"][1]["text"]
    assert web.client.post(url, headers=web.headers["factory"]).status_code == 403


def test_the_county_page_button_syncs_suspensions(web: Any, colours: Any) -> None:
    declaration_id = _approved(web)
    colours["now"] = CountyColours({YUEQING: "red"}, date(2020, 2, 11), "cdc_cases@v2")
    done = _post(web, "/enterprise/county/sync", "wenzhou", {})
    assert _message(done) == "暂停1件，恢复0件（cdc_cases@v2）"
    shown = web.client.get(f"/api/enterprise/declarations/{declaration_id}", headers=web.headers["wenzhou"]).json()
    assert shown["state"] == "suspended"
