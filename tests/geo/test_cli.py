"""``fugong geo`` as a county official or a script would use it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fugong.cli import main
from fugong.settings import Settings


def test_counties_as_csv(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "counties", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 90
    assert list(rows[0]) == ["code", "name", "city_code", "city_name", "type"]
    assert {
        "code": "330382",
        "name": "乐清市",
        "city_code": "330300",
        "city_name": "温州市",
        "type": "county-level city",
    } in rows


def test_lookup_prints_code_and_name(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "lookup", "乐清"]) == 0
    assert capsys.readouterr().out.strip() == "330382 乐清市"


def test_unknown_code_exits_2_with_one_clear_line(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "lookup", "330399"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "330399" in lines[0]
    assert "330382 乐清市" in lines[0]


def test_bad_date_and_bad_format_exit_2(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "counties", "--format", "xml"]) == 2
    assert main(["geo", "counties", "--on", "2020-13-01"]) == 2
    assert "2020-13-01" in capsys.readouterr().err


def test_counties_on_a_later_date_and_json(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "counties", "--on", "2021-06-01", "--format", "json"]) == 0
    codes = {row["code"] for row in json.loads(capsys.readouterr().out)}
    assert "330113" in codes
    assert "330104" not in codes


def test_industries_and_boundaries(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "industries", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 21
    out = tmp_path / "counties.geojson"
    assert main(["geo", "boundaries", "--out", str(out)]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 90
