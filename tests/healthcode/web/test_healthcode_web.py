"""The health code over HTTP: status in plain words, registration by self and proxy, check-ins, declarations,
appeals with evidence, the officials' queue and four eyes; and every refusal with its error code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from fugong.hub.models import HubAuditRecord

from .conftest import NOW, SHANGCHENG, XIHU, Web, id_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test report\n"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code, body
    return body


def _register(web: Web, who: dict[str, str], serial: int, **extra: str) -> int:
    body = {"name": f"测试{serial}", "id_number": id_number(serial), "county": XIHU, **extra}
    return int(_ok(web.client.post("/api/healthcode/persons", json=body, headers=who), 201)["id"])


@pytest.fixture
def wang(web: Web) -> dict[str, str]:
    """A citizen of 西湖区."""
    headers: dict[str, str] = web.token("wang", "citizen")
    return headers


def test_a_citizen_registers_checks_in_and_reads_their_colour_in_plain_chinese(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    declaration = {"symptoms": False, "travel": True, "contact": False, "legal_notice": True}
    _ok(web.client.post(f"/api/healthcode/persons/{me}/declarations", json=declaration, headers=wang), 201)
    _ok(web.client.post(f"/api/healthcode/persons/{me}/checkins", json={"tenths": 365}, headers=wang), 201)
    body = _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))
    assert body["colour"] == "yellow"
    assert body["person"]["relation"] == "self"
    assert body["explanation"].startswith("您的健康码为黄码（自2020-02-20起）。原因：本人申报14天内去过重点疫区。")
    assert body["status"]["green_on"] == "2020-02-26"  # 7 healthy check-ins from the 20th
    assert [f["source"] for f in body["facts"]] == ["self_declaration", "checkin"]
    assert "本人申报" in body["facts"][0]["text"]
    assert [h["to"] for h in body["history"]] == ["yellow"]
    listed = _ok(web.client.get("/api/healthcode/persons", headers=wang))
    assert listed == [{"id": me, "name": "测试1", "county": XIHU, "relation": "self", "colour": "yellow"}]
    page = web.client.get(f"/healthcode/persons/{me}", headers=wang)
    assert page.status_code == 200
    assert "黄码" in page.text
    assert "本人承诺以上申报内容真实" in page.text
    english = web.client.get(f"/healthcode/persons/{me}?lang=en", headers=wang).text
    assert "Your health code is yellow since 2020-02-20." in english
    assert "False or concealed declarations are punishable by law." in english
    assert "Daily health check-in" in english


def test_reads_of_a_persons_name_are_audited(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))
    with web.app.state.store.session() as session:
        records = list(session.scalars(select(HubAuditRecord).where(HubAuditRecord.dataset == "hc_persons")))
    assert [(r.actor, r.purpose, r.personal_columns) for r in records] == [("wang", "healthcode_status", "name")]


def test_a_declaration_without_the_legal_notice_is_refused(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    declaration = {"symptoms": True, "travel": False, "contact": False, "legal_notice": False}
    response = web.client.post(f"/api/healthcode/persons/{me}/declarations", json=declaration, headers=wang)
    _error(response, 422, "legal_notice_required")
    assert _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))["facts"] == []


def test_a_relative_registers_and_acts_for_an_elderly_person(web: Web, wang: dict[str, str]) -> None:
    grandma = _register(web, wang, 2, on_behalf="relative")
    listed = _ok(web.client.get("/api/healthcode/persons", headers=wang))
    assert [(p["id"], p["relation"]) for p in listed] == [(grandma, "proxy")]
    _ok(web.client.post(f"/api/healthcode/persons/{grandma}/checkins", json={}, headers=wang), 201)
    body = _ok(web.client.get(f"/api/healthcode/persons/{grandma}/status", headers=wang))
    assert (body["colour"], body["person"]["relation"]) == ("green", "proxy")


def test_a_stranger_cannot_see_act_or_appeal_for_someone_else(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    zhao = web.token("zhao", "citizen")
    _error(web.client.get(f"/api/healthcode/persons/{me}/status", headers=zhao), 403, "not_your_person")
    _error(web.client.post(f"/api/healthcode/persons/{me}/checkins", json={}, headers=zhao), 403, "not_your_person")
    response = web.client.post(f"/api/healthcode/persons/{me}/appeals", data={"evidence": "我是他"}, headers=zhao)
    _error(response, 403, "not_your_appeal")
    assert not (web.settings.data_dir / "healthcode" / "evidence").exists()


def test_an_unknown_person_and_bad_input_are_clear_errors(web: Web, wang: dict[str, str]) -> None:
    _error(web.client.get("/api/healthcode/persons/999/status", headers=wang), 404, "unknown_person")
    bad_id = {"name": "张三", "id_number": "330102199002150000", "county": XIHU}
    _error(web.client.post("/api/healthcode/persons", json=bad_id, headers=wang), 422, "invalid_identifier")
    me = _register(web, wang, 1)
    response = web.client.post(f"/api/healthcode/persons/{me}/checkins", json={"tenths": 990}, headers=wang)
    _error(response, 422, "invalid_fact")
    response = web.client.post(f"/api/healthcode/persons/{me}/checkins", json={"symptoms": "yes"}, headers=wang)
    assert response.status_code == 422
    _error(web.client.get(f"/api/healthcode/persons/{me}/status"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("name", "content_type", "content", "message"),
    [
        ("report.pdf", "application/pdf", b"MZ\x90\x00 not a pdf", "does not hold a PDF file"),
        ("report.txt", "text/plain", b"negative", "type 'text/plain' is not accepted"),
        ("empty.png", "image/png", b"", "is empty"),
        ("huge.png", "image/png", PNG + b"\x00" * (5 * 1024 * 1024), "the limit is 5,242,880 bytes"),
    ],
)
def test_a_malformed_upload_is_refused_and_nothing_is_filed(
    web: Web, wang: dict[str, str], name: str, content_type: str, content: bytes, message: str
) -> None:
    me = _register(web, wang, 1)
    files = {"file": (name, content, content_type)}
    response = web.client.post(
        f"/api/healthcode/persons/{me}/appeals", data={"evidence": "阴性"}, files=files, headers=wang
    )
    assert message in _error(response, 422, "invalid_evidence")["detail"]
    assert _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))["appeals"] == []


def _appeal(web: Web, who: dict[str, str], person: int) -> int:
    files = {"file": ("核酸报告.png", PNG, "image/png")}
    response = web.client.post(
        f"/api/healthcode/persons/{person}/appeals", data={"evidence": "核酸阴性"}, files=files, headers=who
    )
    body = _ok(response, 201)
    assert body["file_name"] == "核酸报告.png"
    return int(body["id"])


def test_four_eyes_appeal_through_the_api_and_the_person_sees_the_outcome(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    declaration = {"symptoms": True, "travel": False, "contact": False, "legal_notice": True}
    _ok(web.client.post(f"/api/healthcode/persons/{me}/declarations", json=declaration, headers=wang), 201)
    appeal = _appeal(web, wang, me)
    assert (web.settings.data_dir / "healthcode" / "evidence").is_dir()
    li = web.token("li", "county_official", counties=(XIHU,))
    wu = web.token("wu", "county_official", counties=(XIHU,))
    queue = _ok(web.client.get("/api/healthcode/appeals", headers=li))
    assert [(a["id"], a["name"], a["overdue"]) for a in queue] == [(appeal, "测试1", False)]
    proposal = {"colour": "green", "reason": "核酸阴性，症状已排除"}
    _ok(web.client.post(f"/api/healthcode/appeals/{appeal}/proposal", json=proposal, headers=li))
    _error(web.client.post(f"/api/healthcode/appeals/{appeal}/approval", headers=li), 403, "same_official")
    assert _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))["colour"] == "yellow"
    _ok(web.client.post(f"/api/healthcode/appeals/{appeal}/approval", headers=wu))
    body = _ok(web.client.get(f"/api/healthcode/persons/{me}/status", headers=wang))
    assert (body["colour"], body["manual"]) == ("green", True)
    assert body["notifications"]
    assert body["history"][-1]["reason"] == "核酸阴性，症状已排除"
    assert _ok(web.client.get("/api/healthcode/appeals", headers=li)) == []


def test_an_official_outside_the_county_sees_nothing_and_decides_nothing(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    appeal = _appeal(web, wang, me)
    other = web.token("qian", "county_official", counties=(SHANGCHENG,))
    assert _ok(web.client.get("/api/healthcode/appeals", headers=other)) == []
    _error(web.client.get(f"/api/healthcode/persons/{me}/status", headers=other), 403, "not_your_person")
    proposal = {"colour": "green", "reason": "无"}
    response = web.client.post(f"/api/healthcode/appeals/{appeal}/proposal", json=proposal, headers=other)
    _error(response, 403, "outside_county")
    _error(web.client.get("/api/healthcode/appeals", headers=wang), 403, "forbidden")


def test_the_queue_marks_overdue_appeals(web: Web, wang: dict[str, str]) -> None:
    me = _register(web, wang, 1)
    _appeal(web, wang, me)
    li = web.token("li", "county_official", counties=(XIHU,))
    web.app.state.clock = lambda: NOW + timedelta(hours=25)
    queue = _ok(web.client.get("/api/healthcode/appeals", headers=li))
    assert [a["overdue"] for a in queue] == [True]
    page = web.client.get("/healthcode/appeals", headers=li)
    assert page.status_code == 200
    assert "已超时" in page.text
