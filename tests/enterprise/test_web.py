"""The enterprise API as its users call it: bind, declare twice, review, refusals in the one error format."""

from __future__ import annotations

import uuid
from typing import Any

from fugong.auth import undeclared_routes

from .conftest import MASKS, VALVES, YUEQING, form


def _declare(web: Any, key: str | None = None, **changes: Any) -> Any:
    headers = {**web.headers["factory"], "Idempotency-Key": key or uuid.uuid4().hex}
    return web.client.post("/api/enterprise/declarations", json=form(**changes), headers=headers)


def test_every_enterprise_route_declares_its_roles(web: Any) -> None:
    assert undeclared_routes(web.client.app) == []


def test_declare_review_approve_over_the_api(web: Any) -> None:
    created = _declare(web)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "submitted"
    assert {c["name"] for c in body["precheck"]["checks"]} >= {"health_codes", "county_risk", "power", "workforce"}

    queue = web.client.get("/api/enterprise/queue", headers=web.headers["wenzhou"]).json()
    assert [d["id"] for d in queue["declarations"]] == [body["id"]]
    assert queue["rule"]["id"] == "zhejiang-2020-02"

    official = web.headers["wenzhou"]
    url = f"/api/enterprise/declarations/{body['id']}/actions"
    claimed = web.client.post(url, json={"action": "claim", "version": body["version"]}, headers=official).json()
    approved = web.client.post(url, json={"action": "approve", "version": claimed["version"]}, headers=official)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    again = web.client.post(url, json={"action": "approve", "version": claimed["version"]}, headers=official)
    assert again.status_code == 409
    assert again.json()["error"] == "stale_declaration"

    mine = web.client.get("/api/enterprise/me", headers=web.headers["factory"]).json()
    assert [d["state"] for d in mine["declarations"]] == ["approved"]


def test_the_same_idempotency_key_twice_is_one_declaration(web: Any) -> None:
    first = _declare(web, key="retry-after-timeout")
    second = _declare(web, key="retry-after-timeout")
    assert first.json()["id"] == second.json()["id"]
    mine = web.client.get("/api/enterprise/me", headers=web.headers["factory"]).json()
    assert len(mine["declarations"]) == 1


def test_a_declaration_without_an_idempotency_key_is_refused(web: Any) -> None:
    response = web.client.post("/api/enterprise/declarations", json=form(), headers=web.headers["factory"])
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]


def test_a_past_date_is_refused_with_its_field(web: Any) -> None:
    response = _declare(web, planned_on="2020-01-31")
    assert response.status_code == 422
    assert response.json()["field"] == "planned_on"


def test_an_official_of_another_county_cannot_see_or_decide(web: Any) -> None:
    body = _declare(web).json()
    seen = web.client.get(f"/api/enterprise/declarations/{body['id']}", headers=web.headers["hangzhou"])
    assert seen.status_code == 403
    url = f"/api/enterprise/declarations/{body['id']}/actions"
    acted = web.client.post(url, json={"action": "claim", "version": body["version"]}, headers=web.headers["hangzhou"])
    assert acted.status_code == 403
    assert acted.json()["field"] == "county_code"
    queue = web.client.get("/api/enterprise/queue", headers=web.headers["hangzhou"]).json()
    assert queue["declarations"] == []
    other = web.client.get("/api/enterprise/queue", params={"county": YUEQING}, headers=web.headers["hangzhou"])
    assert other.status_code == 403


def test_the_enterprise_cannot_review_and_the_official_cannot_declare(web: Any) -> None:
    body = _declare(web).json()
    url = f"/api/enterprise/declarations/{body['id']}/actions"
    assert (
        web.client.post(url, json={"action": "claim", "version": 1}, headers=web.headers["factory"]).status_code == 403
    )
    headers = {**web.headers["wenzhou"], "Idempotency-Key": "k" * 10}
    assert web.client.post("/api/enterprise/declarations", json=form(), headers=headers).status_code == 403


def test_binding_by_credit_code(web: Any) -> None:
    headers = web.headers["newfirm"]
    unbound = web.client.get("/api/enterprise/me", headers=headers)
    assert (unbound.status_code, unbound.json()["error"]) == (403, "not_bound")
    bad = MASKS[:-1] + ("0" if MASKS[-1] != "0" else "1")
    refused = web.client.post("/api/enterprise/bind", json={"credit_code": bad}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid_identifier"
    assert "check character" in refused.json()["detail"]
    unknown = web.client.post("/api/enterprise/bind", json={"credit_code": "91330382MA2HX99993"}, headers=headers)
    assert unknown.status_code in (404, 422)
    bound = web.client.post("/api/enterprise/bind", json={"credit_code": f" {MASKS.lower()} "}, headers=headers)
    assert bound.status_code == 200, bound.text
    assert bound.json()["name"] == "乐清防护用品有限公司"
    assert "enterprise_key" not in bound.json()
    # Another account binds to an enterprise that already has one: several accounts per firm.
    assert web.client.get("/api/enterprise/me", headers=headers).json()["enterprise"]["name"] == "乐清防护用品有限公司"
    assert VALVES


def test_white_list_and_service_tasks(web: Any, world: Any) -> None:
    official = web.headers["wenzhou"]
    entry = {"enterprise_id": world.masks, "category": "epidemic_supplies", "reason": "口罩生产保供"}
    no_reason = web.client.post("/api/enterprise/whitelist", json={**entry, "reason": ""}, headers=official)
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "reason")
    listed = web.client.post("/api/enterprise/whitelist", json=entry, headers=official)
    assert listed.status_code == 201, listed.text
    assert listed.json()["reason"] == "口罩生产保供"
    twice = web.client.post("/api/enterprise/whitelist", json=entry, headers=official)
    assert twice.status_code == 409
    elsewhere = web.client.post(
        "/api/enterprise/whitelist",
        json={"enterprise_id": world.tea, "category": "export", "reason": "外贸"},
        headers=official,
    )
    assert elsewhere.status_code == 403
    assert [w["name"] for w in web.client.get("/api/enterprise/whitelist", headers=official).json()] == [
        "乐清防护用品有限公司"
    ]

    made = web.client.post(
        "/api/enterprise/tasks",
        json={"enterprise_id": world.valves, "kind": "supplier", "title": "协调瑞安线缆厂复工"},
        headers=official,
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assigned = web.client.post(
        f"/api/enterprise/tasks/{task['id']}/assign", json={"assignee": "wenzhou", "note": "本周内"}, headers=official
    )
    assert assigned.json()["state"] == "assigned"
    no_note = web.client.post(f"/api/enterprise/tasks/{task['id']}/complete", json={"note": ""}, headers=official)
    assert no_note.status_code == 422
    done = web.client.post(f"/api/enterprise/tasks/{task['id']}/complete", json={"note": "已协调"}, headers=official)
    assert done.json()["state"] == "done"
    province = web.client.get("/api/enterprise/tasks", headers=web.headers["fenxi"]).json()
    assert [t["state"] for t in province] == ["done"]
    logged = web.client.get("/api/enterprise/tasks", params={"history": "true"}, headers=official).json()
    assert [(h["to"], h["note"]) for h in logged[0]["history"]] == [
        ("open", None),
        ("assigned", "本周内"),
        ("done", "已协调"),
    ]

    removed = web.client.delete(
        f"/api/enterprise/whitelist/{world.masks}", params={"reason": "已转产"}, headers=official
    )
    assert removed.json() == {"enterprise_id": world.masks, "removed_by": "wenzhou", "reason": "已转产"}
    assert web.client.get("/api/enterprise/whitelist", headers=official).json() == []
    hangzhou = web.client.get("/api/enterprise/tasks", headers=web.headers["hangzhou"]).json()
    assert hangzhou == []


def test_pages_render_for_their_users(web: Any) -> None:
    declared = _declare(web).json()
    review = web.client.get(f"/enterprise/review/{declared['id']}", headers=web.headers["wenzhou"])
    assert "口罩储备（天）" in review.text
    assert "no power data" in review.text
    portal = web.client.get("/enterprise", headers=web.headers["factory"])
    assert portal.status_code == 200
    assert "乐清阀门制造有限公司" in portal.text
    queue = web.client.get("/enterprise/review", headers=web.headers["wenzhou"])
    assert "乐清阀门制造有限公司" in queue.text
    assert "zhejiang-2020-02" in queue.text
    county = web.client.get("/enterprise/county", headers=web.headers["wenzhou"])
    assert county.status_code == 200
    assert web.client.get("/enterprise/review", headers=web.headers["factory"]).status_code == 403
    english = web.client.get("/enterprise/review", params={"lang": "en"}, headers=web.headers["wenzhou"])
    assert "Review queue" in english.text
    assert "Order rule" in english.text
