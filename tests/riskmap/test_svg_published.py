"""The static SVG map, and the comparison with the published maps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from fugong.cli import main
from fugong.geo import load_boundaries, load_gazetteer
from fugong.riskmap.grading import Grade
from fugong.riskmap.indicators import Indicators
from fugong.riskmap.levels import Level
from fugong.riskmap.published import (
    PublishedCounts,
    colour_counts,
    compare,
    distance,
    published_counts,
    published_hangzhou,
)
from fugong.riskmap.svg import render
from fugong.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


def test_map_writes_90_coloured_counties_and_a_chinese_legend(
    settings: Settings, yueqing_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.svg"
    code = main(["riskmap", "map", "--cases", str(yueqing_csv), "--date", "2020-02-12", "--out", str(out)])
    assert code == 0
    assert "90 counties drawn" in capsys.readouterr().out
    root = ET.parse(out).getroot()  # noqa: S314 - the file was written by this test run
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "county"]
    assert len(paths) == 90
    assert len({p.get("data-code") for p in paths}) == 90
    fills = {p.get("data-code"): p.get("fill") for p in paths}
    assert fills["330382"] == Level.RED.hex
    assert fills["330727"] == Level.GREEN.hex
    legend = "".join(root.find(f".//{SVG}g[@id='legend']").itertext())  # type: ignore[union-attr]
    assert "图例" in legend
    assert "高风险 (1)" in legend
    assert "低风险 (89)" in legend
    assert "浙江省县域疫情风险五色图 2020-02-12" in out.read_text(encoding="utf-8")


def test_map_legend_in_english_when_asked(
    settings: Settings, yueqing_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.svg"
    code = main(
        ["riskmap", "map", "--cases", str(yueqing_csv), "--date", "2020-02-12", "--out", str(out), "--language", "en"]
    )
    text = out.read_text(encoding="utf-8")
    assert code == 0
    assert "Legend" in text
    assert "high risk (1)" in text
    assert "高风险" not in text


@pytest.mark.parametrize(
    ("out", "extra", "message"),
    [
        ("map.gif", [], "only .svg and .png maps are written"),
        ("map.svg", ["--format", "png"], "--format png but --out"),
        ("map.png", ["--kind", "xyz"], "kind 'xyz' is not a map"),
        ("map.png", ["--kind", "resumption"], "--kind resumption needs --power and --stats"),
        ("missing/map.svg", [], "does not exist"),
        ("map.svg", ["--language", "fr"], "language must be zh or en"),
    ],
)
def test_map_refuses_what_it_cannot_write(
    settings: Settings,
    yueqing_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    out: str,
    extra: list[str],
    message: str,
) -> None:
    code = main(
        ["riskmap", "map", "--cases", str(yueqing_csv), "--date", "2020-02-12", "--out", str(tmp_path / out), *extra]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / out).exists()


def test_a_level_for_a_unit_without_a_boundary_is_refused() -> None:
    boundaries = load_boundaries(load_gazetteer("zhejiang"))
    with pytest.raises(Exception, match="no boundary for unit"):
        render(boundaries, {"999999": Level.RED}, title="t")


def test_units_without_a_level_are_drawn_grey_and_counted_in_the_legend() -> None:
    boundaries = load_boundaries(load_gazetteer("zhejiang"))
    text = render(boundaries, {"330382": Level.RED}, title="t", language="en")
    assert text.count('fill="#c8c8c8"') == 90 - 1 + 1
    assert "no data (89)" in text
    assert re.search(r'data-code="330382" data-level="red" fill="#d7191c"', text)


def test_the_published_record_is_shipped_with_the_package() -> None:
    record = {r.day: r for r in published_counts()}
    assert sorted(record) == [date(2020, 2, d) for d in (9, 12, 19, 24, 27)]
    assert record[date(2020, 2, 24)].counts[Level.YELLOW] is None
    assert record[date(2020, 2, 9)].counts[Level.BLUE] == 53
    assert published_hangzhou()["桐庐县"] is Level.ORANGE
    assert len(published_hangzhou()) == 13


def _grade(unit: str, day: date, level: Level) -> Grade:
    ind = Indicators(unit, day, 0, 1, 0, 0, Fraction(0), 0, 0, 0)
    return Grade(ind, Fraction(0), level, level, 0, "score")


def test_distance_counts_only_published_colours() -> None:
    graded = {Level.RED: 0, Level.ORANGE: 1, Level.YELLOW: 3, Level.BLUE: 0, Level.GREEN: 86}
    published = {Level.RED: 0, Level.ORANGE: 0, Level.YELLOW: None, Level.BLUE: None, Level.GREEN: 82}
    assert distance(graded, published) == 1 + 4


def test_compare_sets_graded_counts_beside_each_published_day_it_has() -> None:
    day = date(2020, 2, 9)
    grades = [_grade("A", day, Level.RED), _grade("B", day, Level.GREEN), _grade("C", day, Level.GREEN)]
    record = [
        PublishedCounts(day, {Level.RED: 1, Level.ORANGE: 1, Level.YELLOW: 0, Level.BLUE: 0, Level.GREEN: 1}),
        PublishedCounts(date(2020, 2, 12), {level: 1 for level in Level}),
    ]
    [c] = compare(grades, record)
    assert c.day == day
    assert c.graded == colour_counts(grades)
    assert c.distance == 2
