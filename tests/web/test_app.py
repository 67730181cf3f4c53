"""The web skeleton as a browser or a department system meets it: health, errors, languages, metrics, logs."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from fugong.settings import Settings
from fugong.web.app import create_app
from fugong.web.observability import JSONFormatter


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/geo/counties" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_pages_are_chinese_by_default(client: TestClient) -> None:
    page = client.get("/").text
    assert '<html lang="zh-CN">' in page
    assert "用数据推进疫情防控和复工复产" in page
    assert 'href="/lang/en?next=/"' in page


def test_english_by_query_or_the_switch_cookie(client: TestClient) -> None:
    assert "Epidemic prevention and the return to work, run on data" in client.get("/?lang=en").text
    # A browser set to English still gets Chinese until the person chooses.
    assert "全省地图" in client.get("/", headers={"accept-language": "en-GB,en;q=0.8"}).text
    switched = client.get("/lang/en?next=/geo", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/geo"
    assert "County-level divisions" in client.get("/geo").text  # the cookie now says English
    back = client.get("/lang/zh_CN?next=/")
    assert "全省地图" in back.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client: TestClient, target: str) -> None:
    response = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_unknown_language_is_ignored(client: TestClient) -> None:
    response = client.get("/?lang=fr")
    assert '<html lang="zh-CN">' in response.text


def test_one_error_format_for_every_failure(client: TestClient) -> None:
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404
    assert not_found.json() == {"error": "not_found", "detail": "Not Found", "field": None}

    missing = client.get("/api/geo/lookup")
    assert missing.status_code == 422
    assert missing.json()["error"] == "invalid_input"
    assert missing.json()["field"] == "q"

    unknown = client.get("/api/geo/lookup", params={"q": "330399"})
    assert unknown.status_code == 422
    body = unknown.json()
    assert body["error"] == "unknown_region"
    assert body["field"] == "region"
    assert "330382 乐清市" in body["detail"]

    wrong_method = client.post("/healthz")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"error", "detail", "field"}


def test_geography_api(client: TestClient) -> None:
    counties = client.get("/api/geo/counties").json()
    assert len(counties) == 90
    assert len(client.get("/api/geo/counties", params={"city": "温州"}).json()) == 12
    assert client.get("/api/geo/lookup", params={"q": "临安市"}).json()["code"] == "330112"
    geojson = client.get("/api/geo/boundaries").json()
    assert len(geojson["features"]) == 90


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/geo/lookup", params={"q": "乐清"})
    text = client.get("/metrics").text
    assert 'fugong_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/api/geo/lookup"' in text


def test_json_logs_carry_request_fields() -> None:
    record = logging.LogRecord("fugong.web.access", logging.INFO, __file__, 1, "GET %s", ("/healthz",), None)
    record.status = 200
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "GET /healthz"
    assert line["status"] == 200
    assert line["level"] == "INFO"


def test_front_end_library_is_served_from_the_npm_install(client: TestClient) -> None:
    response = client.get("/static/vendor/echarts/dist/echarts.min.js")
    assert response.status_code == 200
    assert "echarts" in response.text[:2000].lower()
    assert client.get("/static/app/app.css").status_code == 200
