"""The hub over HTTP: uploads by department systems, granted reads, refusals and the audit log, the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from fugong.hub.audit import Reader, record
from fugong.hub.models import AuditLogImmutable, HubAuditRecord

PURPOSE = "密接追踪 contact tracing"


def _person(county: str, birth: str, seq: int) -> str:
    body = f"{county}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _persons_csv() -> bytes:
    rows = [
        "身份证号,姓名,性别,出生日期,户籍地,现住址,手机号,智能手机",
        f"{_person('330106', '19960304', 11)},张三,男,1996-03-04,330106,330106,13957712345,是",
        f"{_person('330382', '19950512', 22)},李四,女,1995-05-12,330382,乐清,13857700001,否",
        f"{_person('330727', '19900909', 33)},王五,男,1990/9/9,330727,330727,,否",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _upload(
    web: Any, headers: dict[str, str], feed: str = "persons", body: bytes | None = None, name: str = "persons.csv"
) -> Any:
    return web.client.post(
        f"/api/hub/feeds/{feed}/files",
        params={"filename": name},
        content=_persons_csv() if body is None else body,
        headers=headers,
    )


def test_a_department_system_uploads_with_its_token(web: Any) -> None:
    response = _upload(web, web.token("gongan", "data_steward"))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["read"], report["accepted"], report["quarantined"]) == (3, 3, 0)
    assert report["fixes"] == {"date_format": 1, "region_short_name": 1}
    assert report["uploaded_by"] == "gongan"
    assert not any((web.settings.lake_path / "_uploads").iterdir())


def test_uploads_are_refused_without_the_steward_role(web: Any) -> None:
    assert _upload(web, {}).status_code == 401
    refused = _upload(web, web.token("analyst1", "analyst"))
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("feed", "body", "name", "status", "error", "detail"),
    [
        ("persons", b"", "persons.csv", 422, "empty_file", "persons.csv: the upload is empty (0 bytes)"),
        ("persons", b"x" * 5000, "persons.csv", 413, "file_too_large", "5,000 bytes is over the limit of 4,096 bytes"),
        ("nope", b"a,b\n1,2\n", "x.csv", 404, "unknown_feed", "unknown feed 'nope'"),
        ("grid_readings", None, "persons.csv", 422, "wrong_feed", "look like feed 'persons'"),
        ("market_registry", b"PK\x03\x04broken", "registry.xlsx", 422, "unreadable_file", "not a readable XLSX"),
        ("persons", "身份证号,姓名,现住址\n".encode(), "p.csv", 422, "empty_file", "header and no rows"),
        ("persons", b"a\n", "../../etc/passwd", 422, "wrong_feed", "passwd: no header names a column"),
    ],
)
def test_bad_uploads_get_a_clear_error(
    web: Any, feed: str, body: bytes | None, name: str, status: int, error: str, detail: str
) -> None:
    web.app.state.hub_max_upload_bytes = 4096
    response = _upload(web, web.token("gongan", "data_steward"), feed, body, name)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert detail in response.json()["detail"]
    assert web.client.get("/api/hub/catalog", headers=web.token("viewer", "analyst")).json()[0]["snapshot_id"] is None


def test_reads_outside_a_grant_are_refused_and_audited(web: Any) -> None:
    assert _upload(web, web.token("gongan", "data_steward")).status_code == 201
    admin, analyst = web.token("root", "admin"), web.token("zhang", "analyst")
    refused = web.client.get("/api/hub/datasets/persons/rows", params={"columns": "residence_code"}, headers=analyst)
    assert refused.status_code == 403
    assert refused.json()["error"] == "access_denied"
    assert "user zhang (roles analyst) holds no grant on persons covering residence_code" in refused.json()["detail"]

    grant = {"grantee_kind": "role", "grantee": "analyst", "dataset": "persons", "columns": ["residence_code", "sex"]}
    assert web.client.post("/api/hub/grants", json={**grant, "purpose": "疫情地图"}, headers=admin).status_code == 201
    granted = web.client.get(
        "/api/hub/datasets/persons/rows", params={"columns": "residence_code,sex", "where": "sex:女"}, headers=analyst
    )
    assert granted.status_code == 200
    assert granted.json()["rows"] == [{"residence_code": "330382", "sex": "女"}]
    # Filtering on a column is reading it: outside the grant too.
    hidden = web.client.get(
        "/api/hub/datasets/persons/rows", params={"columns": "sex", "where": "phone_key:x"}, headers=analyst
    )
    assert hidden.status_code == 403
    personal = web.client.get("/api/hub/datasets/persons/rows", params={"columns": "person_key"}, headers=analyst)
    assert personal.status_code == 403

    log = web.client.get("/api/hub/audit", headers=admin).json()
    assert [(e["actor"], e["outcome"], e["columns"], e["personal_columns"]) for e in log] == [
        ("zhang", "denied", "person_key", "person_key"),
        ("zhang", "denied", "sex,phone_key", "phone_key"),
        ("zhang", "denied", "residence_code", ""),
    ]
    assert web.client.get("/api/hub/audit", headers=analyst).status_code == 403


def test_a_granted_read_of_personal_columns_is_audited(web: Any) -> None:
    assert _upload(web, web.token("gongan", "data_steward")).status_code == 201
    admin, cdc = web.token("root", "admin"), web.token("cdc", "analyst")
    grant = {
        "grantee_kind": "role",
        "grantee": "analyst",
        "dataset": "persons",
        "columns": ["person_key", "residence_code"],
    }
    assert web.client.post("/api/hub/grants", json={**grant, "purpose": PURPOSE}, headers=admin).status_code == 201
    wrong_purpose = web.client.get(
        "/api/hub/datasets/persons/rows", params={"columns": "person_key", "purpose": "marketing"}, headers=cdc
    )
    assert wrong_purpose.status_code == 403
    read = web.client.get(
        "/api/hub/datasets/persons/rows",
        params={"columns": "person_key,residence_code", "purpose": PURPOSE},
        headers=cdc,
    )
    assert read.status_code == 200
    assert len(read.json()["rows"]) == 3
    [granted, denied] = web.client.get("/api/hub/audit", headers=admin).json()
    assert (granted["actor"], granted["outcome"], granted["rows"], granted["purpose"]) == ("cdc", "granted", 3, PURPOSE)
    assert granted["snapshot_id"] == read.json()["snapshot_id"]
    assert granted["personal_columns"] == "person_key"
    assert (denied["outcome"], denied["purpose"]) == ("denied", "marketing")


def test_the_audit_log_cannot_be_edited(web: Any) -> None:
    with web.app.state.store.session() as session:
        entry = record(
            session,
            Reader.of_app("power"),
            dataset="persons",
            columns=["person_key"],
            personal_columns=["person_key"],
            purpose="test",
            outcome="granted",
        )
        entry_id = entry.id
    with web.app.state.store.session() as session:
        found = session.get(HubAuditRecord, entry_id)
        assert found is not None
        found.purpose = "rewritten"
        with pytest.raises(AuditLogImmutable):
            session.flush()
        session.rollback()
    with web.app.state.store.session() as session:
        session.delete(session.get(HubAuditRecord, entry_id))
        with pytest.raises(AuditLogImmutable):
            session.flush()
        session.rollback()
    # Even SQL written by hand is refused by the database's trigger.
    for statement in ("UPDATE hub_audit_log SET purpose = 'x'", "DELETE FROM hub_audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), web.app.state.store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with web.app.state.store.session() as session:
        assert session.get(HubAuditRecord, entry_id).purpose == "test"


def test_grants_need_a_real_dataset_column_and_role(web: Any) -> None:
    admin = web.token("root", "admin")
    assert _upload(web, web.token("gongan", "data_steward")).status_code == 201
    cases = [
        ({"grantee": "nobody", "dataset": "persons"}, 422, "unknown role 'nobody'"),
        ({"grantee": "analyst", "dataset": "persons", "columns": ["salary"]}, 422, "has no column(s) salary"),
        ({"grantee": "analyst", "dataset": "nothing"}, 404, "no dataset 'nothing'"),
    ]
    for body, status, detail in cases:
        response = web.client.post(
            "/api/hub/grants", json={"grantee_kind": "role", "purpose": "p", **body}, headers=admin
        )
        assert response.status_code == status, response.text
        assert detail in response.json()["detail"]
    ok = {"grantee_kind": "role", "grantee": "analyst", "dataset": "persons", "purpose": "p"}
    assert web.client.post("/api/hub/grants", json=ok, headers=admin).status_code == 201
    again = web.client.post("/api/hub/grants", json=ok, headers=admin)
    assert again.status_code == 409
    grant_id = web.client.get("/api/hub/grants", headers=admin).json()[0]["id"]
    assert web.client.delete(f"/api/hub/grants/{grant_id}", headers=admin).status_code == 200
    assert web.client.get("/api/hub/grants", headers=admin).json() == []


def test_catalog_quarantine_and_trace_over_http(web: Any, case: Any) -> None:
    steward = web.token("gongan", "data_steward")
    body = Path(case("market_registry", "registry_gb18030.csv")).read_bytes()
    assert _upload(web, steward, "market_registry", body, "registry.csv").status_code == 201
    catalog = {e["name"]: e for e in web.client.get("/api/hub/catalog", headers=steward).json()}
    assert catalog["market_registry"]["rows"] == 3
    assert catalog["market_registry"]["quality"]["by_reason"] == {"bad_check_character": 1, "duplicate": 1}
    assert catalog["persons"]["freshness"] == "never ingested"
    records = web.client.get("/api/hub/datasets/market_registry/quarantine", headers=steward).json()
    assert [(r["line"], r["reason"]) for r in records] == [(4, "bad_check_character"), (6, "duplicate")]
    code = body.decode("gb18030").splitlines()[2].split(",")[0]
    trace = web.client.get("/api/hub/datasets/market_registry/trace", params={"key": code}, headers=steward).json()
    assert [(r["file"], r["line"]) for r in trace["rows"]] == [("registry.csv", 3)]
    assert (
        web.client.get(
            "/api/hub/datasets/market_registry/quarantine", headers=web.token("viewer", "analyst")
        ).status_code
        == 403
    )
    quality = web.client.get("/api/hub/quality", headers=steward).json()
    assert quality == [
        {
            "dataset": "market_registry",
            "title": "企业名录",
            "accepted_share": 0.6,
            "read": 5,
            "quarantined": 2,
            "snapshot_id": catalog["market_registry"]["snapshot_id"],
        }
    ]


def test_catalog_and_dashboard_pages(web: Any, case: Any) -> None:
    steward = web.token("gongan", "data_steward")
    body = Path(case("county_stats", "county_stats_gbk.csv")).read_bytes()
    assert _upload(web, steward, "county_stats", body, "stats.csv").status_code == 201
    page = web.client.get("/hub", headers=steward)
    assert page.status_code == 200
    assert "<h1>数据目录</h1>" in page.text
    assert '<a href="/hub/datasets/county_stats">county_stats</a>' in page.text
    assert "省统计局" in page.text
    assert "66.67%" in page.text
    detail = web.client.get("/hub/datasets/county_stats", headers=steward)
    assert "常住人口（万人）" in detail.text
    assert "missing_value" in detail.text
    english = web.client.get("/hub", params={"lang": "en"}, headers=steward)
    assert "<h1>Data catalog</h1>" in english.text
    dashboard = web.client.get("/hub/dashboard", headers=steward)
    assert 'data-url="/api/hub/quality"' in dashboard.text
    assert web.client.get("/hub", headers={"accept": "text/html"}, follow_redirects=False).status_code == 303


def test_the_catalog_pages_are_for_staff_and_the_api_for_every_signed_in_caller(web: Any) -> None:
    for role in ("citizen", "enterprise", "checkpoint", "grassroots"):
        headers = web.token(f"someone-{role}", role)
        assert web.client.get("/hub", headers=headers).status_code == 403, role
        assert web.client.get("/hub/dashboard", headers=headers).status_code == 403, role
        assert web.client.get("/api/hub/catalog", headers=headers).status_code == 200, role
    for role in ("data_steward", "analyst"):
        assert web.client.get("/hub", headers=web.token(f"staff-{role}", role)).status_code == 200, role
    official = web.token("staff-official", "county_official", counties=("330382",))
    assert web.client.get("/hub", headers=official).status_code == 200
