"""Appeal evidence (a test report) is kept sealed on disk, opened only for those who may see the appeal, audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fugong.healthcode.evidence import DamagedEvidence, EvidenceBox
from fugong.hub.models import HubAuditRecord

from .conftest import SHANGCHENG, XIHU, Web, id_number

REPORT = "%PDF-1.4\n% 核酸检测报告 NEGATIVE-330106-0042\n%%EOF\n".encode()


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code, body
    return body


@pytest.fixture
def filed(web: Web) -> tuple[dict[str, str], int, int]:
    """Citizen wang's headers, her person id and an appeal with a PDF test report."""
    wang = web.token("wang", "citizen")
    body = {"name": "王小明", "id_number": id_number(7), "county": XIHU}
    person = int(_ok(web.client.post("/api/healthcode/persons", json=body, headers=wang), 201)["id"])
    files = {"file": ("核酸检测报告.pdf", REPORT, "application/pdf")}
    response = web.client.post(
        f"/api/healthcode/persons/{person}/appeals", data={"evidence": "核酸阴性"}, files=files, headers=wang
    )
    return wang, person, int(_ok(response, 201)["id"])


def _kept(web: Web) -> list[bytes]:
    folder = web.settings.data_dir / "healthcode" / "evidence"
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def test_the_report_on_disk_is_sealed(web: Web, filed: tuple[dict[str, str], int, int]) -> None:
    kept = _kept(web)
    assert len(kept) == 1
    assert b"NEGATIVE-330106-0042" not in kept[0]
    assert b"%PDF" not in kept[0]


def test_an_official_of_the_county_opens_the_report_and_the_opening_is_audited(
    web: Web, filed: tuple[dict[str, str], int, int]
) -> None:
    _, person, appeal = filed
    li = web.token("li", "county_official", counties=(XIHU,))
    response = web.client.get(f"/api/healthcode/appeals/{appeal}/evidence", headers=li)
    assert response.status_code == 200, response.text
    assert response.content == REPORT
    assert response.headers["content-type"] == "application/pdf"
    assert "%E6%A0%B8%E9%85%B8" in response.headers["content-disposition"]  # 核酸…, UTF-8 encoded
    assert response.headers["cache-control"] == "no-store"
    with web.app.state.store.session() as session:
        records = list(session.scalars(select(HubAuditRecord).where(HubAuditRecord.dataset == "hc_appeal_evidence")))
    assert [(r.actor, r.purpose, r.personal_columns, r.outcome) for r in records] == [
        ("li", "healthcode_appeal_evidence", "file", "granted")
    ]
    assert f"person {person} as official" in records[0].detail


def test_the_person_who_appealed_may_open_it_too(web: Web, filed: tuple[dict[str, str], int, int]) -> None:
    wang, _, appeal = filed
    assert web.client.get(f"/api/healthcode/appeals/{appeal}/evidence", headers=wang).content == REPORT


def test_the_queue_page_links_the_report(web: Web, filed: tuple[dict[str, str], int, int]) -> None:
    _, _, appeal = filed
    li = web.token("li", "county_official", counties=(XIHU,))
    page = web.client.get("/healthcode/appeals", headers=li).text
    assert f'href="/api/healthcode/appeals/{appeal}/evidence"' in page
    assert "核酸检测报告.pdf" in page


def test_others_cannot_open_it_and_nothing_is_audited_as_granted(
    web: Web, filed: tuple[dict[str, str], int, int]
) -> None:
    _, _, appeal = filed
    qian = web.token("qian", "county_official", counties=(SHANGCHENG,))
    zhao = web.token("zhao", "citizen")
    gate = web.token("guard", "checkpoint")
    for headers in (qian, zhao, gate):
        _error(web.client.get(f"/api/healthcode/appeals/{appeal}/evidence", headers=headers), 403, "not_your_person")
    _error(web.client.get(f"/api/healthcode/appeals/{appeal}/evidence"), 401, "unauthorized")
    with web.app.state.store.session() as session:
        granted = session.scalars(select(HubAuditRecord).where(HubAuditRecord.dataset == "hc_appeal_evidence"))
        assert list(granted) == []


def test_an_unknown_appeal_or_one_without_a_file_is_a_clear_404(web: Web) -> None:
    wang = web.token("wang", "citizen")
    body = {"name": "王小明", "id_number": id_number(8), "county": XIHU}
    person = int(_ok(web.client.post("/api/healthcode/persons", json=body, headers=wang), 201)["id"])
    response = web.client.post(f"/api/healthcode/persons/{person}/appeals", data={"evidence": "无附件"}, headers=wang)
    appeal = int(_ok(response, 201)["id"])
    _error(web.client.get("/api/healthcode/appeals/999/evidence", headers=wang), 404, "unknown_appeal")
    body = _error(web.client.get(f"/api/healthcode/appeals/{appeal}/evidence", headers=wang), 404, "missing_evidence")
    assert "without a file" in body["detail"]


def test_a_tampered_file_or_another_key_is_refused_not_served(web: Web, filed: tuple[dict[str, str], int, int]) -> None:
    wang, _, appeal = filed
    folder = web.settings.data_dir / "healthcode" / "evidence"
    (path,) = folder.iterdir()
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 0x01
    path.write_bytes(bytes(sealed))
    response = web.client.get(f"/api/healthcode/appeals/{appeal}/evidence", headers=wang)
    assert "cannot be opened" in _error(response, 500, "damaged_evidence")["detail"]
    other = EvidenceBox(folder, b"another install's key")
    kept = other.keep("r.pdf", "application/pdf", b"%PDF-1.4 other")
    assert other.read(kept.sha256) == b"%PDF-1.4 other"
    assert EvidenceBox(folder, b"yet another key").path(kept.sha256).exists()
    with pytest.raises(DamagedEvidence, match="cannot be opened"):
        EvidenceBox(folder, b"yet another key").read(kept.sha256)
