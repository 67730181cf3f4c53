"""Officials record findings over HTTP: the person is re-evaluated; every refusal carries its error code."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import SHANGCHENG, XIHU, Web, id_number


def _status(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def person(web: Web) -> int:
    """A citizen of 西湖区, registered by themself."""
    body = {"name": "测试1", "id_number": id_number(1), "county": XIHU}
    return int(
        _status(web.client.post("/api/healthcode/persons", json=body, headers=web.token("wang", "citizen")), 201)["id"]
    )


def test_an_official_of_the_county_records_a_confirmed_case(web: Web, person: int) -> None:
    li = web.token("li", "county_official", counties=(XIHU,))
    body = _status(
        web.client.post(
            f"/api/healthcode/persons/{person}/findings", json={"kind": "confirmed", "on": "2020-02-19"}, headers=li
        ),
        201,
    )
    assert (body["status"]["colour"], body["status"]["rule"]) == ("red", "red-confirmed")
    assert body["case"]["changed"] == [{"person": person, "from": None, "to": "red"}]
    status = _status(web.client.get(f"/api/healthcode/persons/{person}/status", headers=li), 200)
    assert status["colour"] == "red"
    assert status["history"][0]["rule"] == "red-confirmed"


@pytest.mark.parametrize(
    ("who", "path_person", "body", "status", "code"),
    [
        ("zhao-other-county", None, {"kind": "suspected", "on": "2020-02-19"}, 403, "outside_county"),
        ("citizen", None, {"kind": "suspected", "on": "2020-02-19"}, 403, "forbidden"),
        ("li", 9999, {"kind": "suspected", "on": "2020-02-19"}, 404, "unknown_person"),
        ("li", None, {"kind": "suspected", "on": "2020-02-21"}, 422, "invalid_finding"),
        ("li", None, {"kind": "recovered", "on": "2020-02-19"}, 422, "invalid_finding"),
        ("li", None, {"kind": "suspected", "on": 0}, 422, "invalid_input"),
        ("li", None, {"kind": "suspected", "on": "2020-02-30"}, 422, "invalid_finding"),
        ("li", None, {"kind": "suspected"}, 422, "invalid_input"),
        ("li", None, {"kind": "suspected", "on": "2020-02-19", "colour": "green"}, 422, "invalid_input"),
    ],
)
def test_a_bad_finding_is_refused_with_its_code(
    web: Web, person: int, who: str, path_person: int | None, body: dict[str, Any], status: int, code: str
) -> None:
    headers = {
        "zhao-other-county": lambda: web.token("zhao", "county_official", counties=(SHANGCHENG,)),
        "citizen": lambda: web.token("zhang", "citizen"),
        "li": lambda: web.token("li", "county_official", counties=(XIHU,)),
    }[who]()
    target = path_person or person
    found = _status(web.client.post(f"/api/healthcode/persons/{target}/findings", json=body, headers=headers), status)
    assert found["error"] == code, found
    li = web.token("li-check", "county_official", counties=(XIHU,))
    assert _status(web.client.get(f"/api/healthcode/persons/{person}/status", headers=li), 200)["history"] == []
