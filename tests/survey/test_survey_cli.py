"""``fugong survey`` as an official uses it: check and load a form, give workers units, assign, import, track."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.survey.conftest import GOOD_DAILY, TOWN, VILLAGE_A, VILLAGE_B

from fugong.auth.users import create_user
from fugong.cli import main
from fugong.geo import load_gazetteer
from fugong.settings import Settings, get_settings
from fugong.store import Store, migrate
from fugong.survey.definitions import parse_form

DOCS = Path(__file__).resolve().parents[2] / "docs" / "survey.md"


@pytest.fixture
def cli_env(survey_settings: Settings) -> Iterator[Settings]:
    """A migrated store under the test's data folder, with a township worker."""
    migrate.upgrade(survey_settings.store_url)
    store = Store.from_settings(survey_settings)
    with store.session() as session:
        create_user(session, "zhen", roles=("grassroots",), gazetteer=load_gazetteer())
    store.dispose()
    yield survey_settings
    get_settings.cache_clear()


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_the_example_form_in_the_docs_is_valid() -> None:
    block = re.search(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block is not None
    form = parse_form(json.loads(block.group(1)))
    assert form.reference == "mask_stock@v1"


def test_an_official_defines_assigns_and_tracks_a_form(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    block = re.search(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "mask_stock.json"
    path.write_text(block.group(1), encoding="utf-8")
    assert main(["survey", "forms", "--check", str(path), "--format", "json"]) == 0
    assert _json(capsys) == [{"form": "mask_stock@v1", "fields": 3, "rules": 1}]
    assert main(["survey", "forms", "--load", str(path), "--format", "json"]) == 0
    assert _json(capsys)[0]["loaded"] is True
    assert main(["survey", "forms", "--format", "json"]) == 0
    assert {f["id"] for f in _json(capsys)} == {"mask_stock", "village_daily", "industry_weekly"}

    assert main(["survey", "workers", "zhen", TOWN]) == 0
    assert f"zhen fills forms for {TOWN}" in capsys.readouterr().out
    assert main(["survey", "assign", "village_daily", "330382", "--from", "2020-02-10", "--format", "json"]) == 0
    assert _json(capsys)[0]["created"] == 3

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位代码", "日期", *GOOD_DAILY])
    sheet.append([VILLAGE_A, "2020-02-10", *GOOD_DAILY.values()])
    sheet.append([VILLAGE_B, "2020-02-10", *{**GOOD_DAILY, "checkpoints_staffed": 9}.values()])
    out = BytesIO()
    book.save(out)
    xlsx = tmp_path / "daily.xlsx"
    xlsx.write_bytes(out.getvalue())
    at = "2020-02-10T17:00+08:00"
    assert main(["survey", "import", "village_daily", str(xlsx), "--user", "zhen", "--at", at, "--format", "json"]) == 2
    rows = _json(capsys)
    assert [r["status"] for r in rows] == ["submitted", "error"]

    assert (
        main(
            [
                "survey",
                "completeness",
                "village_daily",
                "--period",
                "2020-02-10",
                "--unit",
                "330382",
                "--at",
                "2020-02-10T19:00+08:00",
                "--format",
                "json",
            ]
        )
        == 0
    )
    county = next(u for u in _json(capsys) if u["code"] == "330382")
    assert (county["submitted"], county["overdue"]) == (1, 2)
    assert main(["survey", "reminders", "330382", "--at", "2020-02-10T19:00+08:00", "--format", "json"]) == 0
    assert {r["unit"] for r in _json(capsys)} == {VILLAGE_B, "330382100200"}
    assert main(["survey", "aggregate", "village_daily", "--format", "json"]) == 0
    assert _json(capsys)[0]["dataset"] == "survey_village_daily"
    assert main(["survey", "corrections", "--format", "json"]) == 0
    assert _json(capsys) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["survey", "assign", "village_daily", "330382", "--from", "2020-02-30"], "--from: '2020-02-30' is not a date"),
        (["survey", "assign", "village_daily", "330382", "--from", "2020-02-10", "--to", "2020-02-01"], "--to must be"),
        (["survey", "assign", "weekly", "330382", "--from", "2020-02-10"], "no form 'weekly'"),
        (["survey", "workers", "zhen", "330382"], "is a county"),
        (["survey", "workers", "nobody", TOWN], "no user 'nobody'"),
        (
            ["survey", "completeness", "village_daily", "--period", "2020-02-10", "--at", "2020-02-10T19:00"],
            "time zone",
        ),
        (["survey", "import", "village_daily", "absent.xlsx", "--user", "zhen"], "cannot read absent.xlsx"),
    ],
)
def test_bad_commands_say_what_is_wrong(
    cli_env: Settings, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_bad_form_file(cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {"id": "bad", "version": 1, "unit_level": "hamlet", "frequency": "daily", "title": "坏表", "sections": []}
        ),
        encoding="utf-8",
    )
    assert main(["survey", "forms", "--load", str(path)]) == 2
    err = capsys.readouterr().err
    assert "form bad@v1: unit_level: 'hamlet'" in err
    assert "sections" in err
