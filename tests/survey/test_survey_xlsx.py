"""XLSX import for places that still keep a spreadsheet: good rows submitted once, each bad row with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from tests.survey.conftest import BEFORE_DUE, DAY, RUIAN_VILLAGE, TOWN, VILLAGE_A, VILLAGE_B, VILLAGE_C, People

from fugong.errors import InvalidInput
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import service
from fugong.survey.catalog import get_form
from fugong.survey.orgunits import Hierarchy
from fugong.survey.xlsx import UnreadableWorkbook, import_workbook

HEADER = [
    "单位代码",
    "日期",
    "累计返回人员（人）",
    "今日新增返回人员（人）",
    "from_key_areas",
    "居家医学观察人数（人）",
    "卡口数（个）",
    "有人值守的卡口（个）",
    "当前最突出的困难",
]


def _book(rows: list[list[Any]], header: list[Any] = HEADER, title: str | None = "东湖街道疫情日报") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Each row goes through the submission path, which runs on both backends in test_survey_submission: SQLite here."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("survey-xlsx-store"), None) as template:
        yield template


@pytest.fixture
def run(
    store: Store,
    survey_settings: Settings,
    hierarchy: Hierarchy,
    people: People,
    assigned: Callable[..., dict[str, int]],
) -> Callable[..., dict[str, Any]]:
    assigned()
    with store.session() as session:
        service.set_worker_units(session, hierarchy, "zhen", [TOWN, "330382100"])

    def go(content: bytes, who: Any = None) -> dict[str, Any]:
        with store.session() as session:
            form = get_form(session, "village_daily")
            report = import_workbook(
                session, survey_settings, hierarchy, who or people.township, form, content, now=BEFORE_DUE
            )
        return report.as_json()

    return go


def test_good_rows_are_submitted_and_bad_rows_named(run: Callable[..., dict[str, Any]], store: Store) -> None:
    content = _book(
        [
            [VILLAGE_A, datetime(2020, 2, 10), 40, 3, "否", 5, 2, 2, "无"],
            [VILLAGE_B, "2020-02-10", 12, 20, "否", 1, 1, 1, "无"],  # more today than so far
            [VILLAGE_C, "2020-02-10", 8, 1, "是", 0, 1, 1, "无"],  # key areas: the count is missing
            [RUIAN_VILLAGE, "2020-02-10", 8, 1, "否", 0, 1, 1, "无"],  # not the township's village
            ["330382001099", "2020-02-10", 8, 1, "否", 0, 1, 1, "无"],  # no such assignment
            [VILLAGE_A, "10 Feb", 8, 1, "否", 0, 1, 1, "无"],
            [None, "2020-02-10", 1, 1, "否", 0, 1, 1, "无"],
            [None, None, None, None, None, None, None, None, None],  # blank lines are skipped
        ]
    )
    report = run(content)
    assert (report["submitted"], report["error"]) == (1, 6)
    rows = {r["line"]: r for r in report["rows"]}
    assert rows[3]["status"] == "submitted"
    assert rows[3]["period"] == "2020-02-10"
    assert "今日新增返回人数不能多于累计返回人数" in rows[4]["errors"][0]
    assert "请填写“其中来自重点地区（人）”" in rows[5]["errors"][0]
    assert "is not one of the units 'zhen'" in rows[6]["errors"][0]
    assert "not assigned to 330382001099" in rows[7]["errors"][0]
    assert "is not a date" in rows[8]["errors"][0]
    assert rows[9]["errors"] == ["the unit code is empty"]
    with store.session() as session:
        drafts = service.get_assignment(session, service.find_assignment(session, "village_daily", VILLAGE_B, DAY).id)
        assert drafts.draft is not None  # the bad row's valid part is kept as a draft
    again = run(content)
    assert again["already_submitted"] == 1
    assert again["submitted"] == 0


def test_a_closed_period_in_a_later_file(run: Callable[..., dict[str, Any]]) -> None:
    run(_book([[VILLAGE_A, "2020-02-10", 40, 3, "否", 5, 2, 2, "无"]]))
    changed = run(_book([[VILLAGE_A, "2020-02-10", 41, 3, "否", 5, 2, 2, "无"]]))
    assert changed["error"] == 1
    assert "the period is closed" in changed["rows"][0]["errors"][0]


def test_file_level_errors(run: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(UnreadableWorkbook, match="not an XLSX workbook"):
        run(b"code,period\n")
    with pytest.raises(InvalidInput, match="columns 心情 are not fields of village_daily@v1"):
        run(_book([], header=[*HEADER, "心情"]))
    with pytest.raises(InvalidInput, match="no header row with a unit column"):
        run(_book([[1, 2]], header=["村", "日"]))
    with pytest.raises(InvalidInput, match="no period column"):
        run(_book([], header=["单位代码", "卡口数（个）"]))


def test_dates_from_excel_cells(run: Callable[..., dict[str, Any]]) -> None:
    report = run(_book([[VILLAGE_A, date(2020, 2, 10), 40, 3, "否", 5, 2, 2, "无"]], title=None))
    assert report["submitted"] == 1
