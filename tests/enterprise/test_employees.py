"""Employee lists from XLSX: valid rows kept, each bad row reported, wrong files refused whole; colours, 14 days."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, text

from fugong.enterprise import employees
from fugong.enterprise.models import EntEmployee
from fugong.errors import InvalidInput

from .conftest import NOW, World
from .healthcodes import TODAY, employees_with_colours, id_number

CASES = Path(__file__).resolve().parents[1] / "cases" / "employees"


def workbook(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers or list(employees.HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(world: World, data: bytes) -> employees.UploadReport:
    with world.store.session() as session:
        enterprise = world.enterprise(session, world.valves)
        return employees.upload(session, world.pseudonyms, enterprise, data, "factory", NOW, TODAY)


def _count(world: World) -> int:
    with world.store.session() as session:
        return len(list(session.scalars(select(EntEmployee.id))))


def test_the_template_has_the_chinese_headers_and_uploads_cleanly(world: World) -> None:
    sheet = load_workbook(io.BytesIO(employees.template())).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(employees.HEADERS)
    # Its example row is valid except that its ID is an example: fill it with a real one.
    report = _upload(world, workbook([["张三", id_number(7), "13805770000", "是", "420100", "2020-02-05"]]))
    assert (report.added, report.errors) == (1, [])


def test_valid_rows_are_kept_and_each_bad_row_is_reported(world: World) -> None:
    good = id_number(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        ["李四", good, "138 0577 1111", "否", None, None],
        ["王五", bad_check, None, None, None, None],
        [None, id_number(2), None, None, None, None],
        ["赵六", id_number(3), "12345", None, None, None],
        ["钱七", id_number(4), None, "也许", None, None],
        ["孙八", id_number(5), None, "是", "420100", None],
        ["周九", id_number(6), None, "是", "420100", datetime(2020, 3, 1)],
        ["吴十", good, None, None, None, None],
        ["郑一", id_number(8), None, "是", "4201", "2020-02-01"],
        ["冯二", id_number(9), None, "是", "420100", datetime(2020, 2, 1)],
    ]
    report = _upload(world, workbook(rows))
    assert (report.added, report.updated) == (2, 0)
    problems = {(e.row, e.column) for e in report.errors}
    assert problems == {
        (3, "身份证号"),
        (4, "姓名"),
        (5, "手机号"),
        (6, "是否省外返回"),
        (7, "抵达日期"),
        (8, "抵达日期"),
        (9, "身份证号"),
        (10, "返回出发地"),
    }
    assert "check character" in next(e.message for e in report.errors if e.row == 3)
    assert "row 2" in next(e.message for e in report.errors if e.row == 9)
    assert _count(world) == 2


def test_wrong_headers_refuse_the_file_and_write_nothing(world: World) -> None:
    data = workbook([["李四", id_number(1)]], headers=["name", "身份证号", "部门"])
    with pytest.raises(InvalidInput, match="wrong headers") as caught:
        _upload(world, data)
    assert "姓名" in caught.value.detail
    assert "部门" in caught.value.detail
    assert caught.value.field == "file"
    assert _count(world) == 0


def test_a_title_row_above_the_headers_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="wrong headers"):
        _upload(world, (CASES / "employees_title_row.xlsx").read_bytes())


def test_a_file_that_is_not_a_workbook_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="not an XLSX"):
        _upload(world, "姓名,身份证号\n".encode())


def test_uploading_again_updates_and_personal_fields_are_encrypted(world: World) -> None:
    _upload(world, workbook([["李四", id_number(1), None, None, None, None]]))
    report = _upload(world, workbook([["李四", id_number(1), "13805771111", None, None, None]]))
    assert (report.added, report.updated) == (0, 1)
    with world.store.session() as session:
        raw = session.execute(text("SELECT name, id_number, phone FROM ent_employees")).one()
        assert "李四" not in raw[0]
        assert id_number(1) not in raw[1]
        assert session.scalar(select(EntEmployee.phone)) == "13805771111"


def test_workforce_by_colour_and_the_fourteen_days(world: World) -> None:
    employees_with_colours(world, world.valves, ["green", "green", "yellow", "red"], start=20)
    _upload(world, workbook([["周九", id_number(40), None, "是", "420100", date(2020, 2, 1)]]))
    with world.store.session() as session:
        enterprise = world.enterprise(session, world.valves)
        roster = employees.roster(session, enterprise, date(2020, 2, 10))
        later = employees.roster(session, enterprise, date(2020, 2, 15))
    assert roster["by_colour"] == {"green": 2, "yellow": 1, "red": 1, "none": 1}
    back = next(p for p in roster["employees"] if p["returned_from_outside"])
    assert back["observation"] == {"day": 10, "ends_on": "2020-02-15", "done": False}
    assert back["name"] == "周*"
    assert roster["in_observation"] == 1
    assert later["in_observation"] == 0


def test_upload_over_the_api_reports_rows(web: Any) -> None:
    data = workbook([["李四", id_number(1), None, None, None, None], ["王五", "123", None, None, None, None]])
    files = {"file": ("员工.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    response = web.client.post("/api/enterprise/employees", files=files, headers=web.headers["factory"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"] == 1
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "身份证号")]
    wrong = workbook([["x"]], headers=["名字"])
    refused = web.client.post(
        "/api/enterprise/employees",
        files={"file": ("x.xlsx", wrong, "application/octet-stream")},
        headers=web.headers["factory"],
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "file"
    roster = web.client.get("/api/enterprise/employees", headers=web.headers["factory"]).json()
    assert roster["by_colour"] == {"none": 1}


def test_daily_check_ins_and_their_refusals(world: World) -> None:
    from fugong.enterprise import checkins
    from fugong.errors import NotFound

    ids = employees_with_colours(world, world.valves, ["green", "green"], start=50)
    other = employees_with_colours(world, world.masks, ["green"], start=60)
    with world.store.session() as session:
        enterprise = world.enterprise(session, world.valves)
        checkins.check_in(session, enterprise, ids[0], None, "36.6", False, "factory", NOW, TODAY)
        checkins.check_in(session, enterprise, ids[1], "2020-02-10", 37.5, False, "factory", NOW, TODAY)
        checkins.check_in(session, enterprise, ids[1], "2020-02-10", "37.8", True, "factory", NOW, TODAY)  # corrected
        for employee, on, temperature, field in (
            (ids[0], None, "47", "temperature"),
            (ids[0], None, "warm", "temperature"),
            (ids[0], "2020-02-11", "36.5", "on"),
            (ids[0], "0", "36.5", "on"),
        ):
            with pytest.raises(InvalidInput) as caught:
                checkins.check_in(session, enterprise, employee, on, temperature, False, "factory", NOW, TODAY)
            assert caught.value.field == field
        with pytest.raises(NotFound, match="not on"):
            checkins.check_in(session, enterprise, other[0], None, "36.5", False, "factory", NOW, TODAY)
        summary = checkins.day_summary(session, enterprise, TODAY)
    assert summary == {"on": "2020-02-10", "checked_in": 2, "fever": 1, "symptoms": 1}


def test_check_in_over_the_api(web: Any, world: World) -> None:
    ids = employees_with_colours(world, world.valves, ["green"], start=70)
    url = f"/api/enterprise/employees/{ids[0]}/checkins"
    done = web.client.post(url, json={"temperature": "36.7"}, headers=web.headers["factory"])
    assert done.status_code == 201, done.text
    assert done.json() == {"employee_id": ids[0], "on": "2020-02-10", "temperature": 36.7}
    fever = web.client.post(url, json={"temperature": "50"}, headers=web.headers["factory"])
    assert (fever.status_code, fever.json()["field"]) == (422, "temperature")
    roster = web.client.get("/api/enterprise/employees", headers=web.headers["factory"]).json()
    assert roster["checkins_today"]["checked_in"] == 1
