"""The risk × resumption matrix and the changed-counties list."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from fugong.cli import main
from fugong.riskmap.changes import changed
from fugong.riskmap.grading import GradingConfig, grade
from fugong.riskmap.indicators import Indicators
from fugong.riskmap.levels import Level
from fugong.riskmap.matrix import ACTIONS, DEFAULT_MATRIX, Matrix, MatrixConfigError, place
from fugong.riskmap.resumption import Band, CountyResumption
from fugong.settings import Settings


@pytest.mark.parametrize(
    ("level", "band", "action"),
    [
        (Level.GREEN, Band.VERY_LOW, "push_resumption"),
        (Level.BLUE, Band.LOW, "push_resumption"),
        (Level.YELLOW, Band.MEDIUM, "keep_course"),
        (Level.RED, Band.VERY_HIGH, "warn"),
        (Level.ORANGE, Band.HIGH, "warn"),
        (Level.RED, Band.VERY_LOW, "contain_first"),
        (Level.GREEN, Band.VERY_HIGH, "keep_course"),
    ],
)
def test_default_matrix_cells(level: Level, band: Band, action: str) -> None:
    assert DEFAULT_MATRIX.action(level, band).key == action


def test_every_cell_names_an_action_with_chinese_and_english() -> None:
    for level in Level:
        for band in Band:
            action = DEFAULT_MATRIX.action(level, band)
            assert action.label()
            assert action.label("en") != action.label()


def test_a_matrix_with_a_missing_row_or_unknown_action_is_refused() -> None:
    cells = dict(DEFAULT_MATRIX.cells)
    del cells[Level.RED]
    with pytest.raises(MatrixConfigError, match="needs 5 cells for red"):
        Matrix(cells, ACTIONS)
    cells[Level.RED] = ("warn", "warn", "warn", "warn", "evacuate")
    with pytest.raises(MatrixConfigError, match="unknown action"):
        Matrix(cells, ACTIONS)


def _ind(unit: str, day: date, new: int, cumulative: int, quiet: int | None) -> Indicators:
    return Indicators(unit, day, new, cumulative, new, new, Fraction(1), 1 if cumulative else 0, 0, quiet)


def test_place_puts_each_graded_county_in_its_cell() -> None:
    config, day = GradingConfig(), date(2020, 2, 20)
    grades = [grade(_ind("330382", day, 60, 200, 0), config), grade(_ind("330727", day, 0, 0, None), config)]
    figures = [CountyResumption("330382", None, Decimal(80), Band.HIGH, {}, {})]
    red, green = place(grades, figures)
    assert (red.level, red.band, red.action.key if red.action else None) == (Level.RED, Band.HIGH, "warn")
    assert (green.level, green.band, green.action) == (Level.GREEN, None, None)


def test_changes_name_the_rule_or_the_indicators_that_moved() -> None:
    config = GradingConfig()
    d1, d2 = date(2020, 2, 18), date(2020, 2, 19)
    busy = Indicators("A", d1, 0, 200, 30, 60, Fraction(1), 2, 0, 2)  # every indicator at its full points: red
    quiet = Indicators("A", d2, 0, 200, 30, 60, Fraction(1), 2, 0, 3)
    before = [grade(busy, config), grade(_ind("B", d1, 0, 0, None), config)]
    after = [grade(quiet, config), grade(_ind("B", d2, 2, 2, 0), config)]
    a, b = changed(before, after, config)
    assert (a.unit, a.before, a.after, a.direction) == ("A", Level.RED, Level.ORANGE, "down")
    assert a.reason == "3 days without a new case: down 1 (rule ≥3 days)"
    assert [m.indicator for m in a.moved] == ["days_without_new"]
    assert (b.before, b.after, b.direction, b.reason) == (Level.GREEN, Level.BLUE, "up", "first confirmed case")


def test_a_change_by_score_names_the_indicators_that_drove_it() -> None:
    config = GradingConfig(step_downs_from=None)
    d1, d2 = date(2020, 2, 18), date(2020, 2, 19)
    old = grade(Indicators("A", d1, 1, 150, 40, 60, Fraction(1), 1, 1, 0), config)
    new = grade(Indicators("A", d2, 1, 151, 5, 10, Fraction(1), 1, 1, 0), config)
    [c] = changed([old], [new], config)
    assert (c.before, c.after) == (Level.RED, Level.ORANGE)
    assert c.reason == "score 88.89→61.11 (red→orange by score): new_14d 60→10, new_7d 40→5"
    assert [m.indicator for m in c.moved] == ["new_14d", "new_7d", "cumulative_confirmed"]
    assert c.moved[0].points < 0
    assert c.moved[2].points == 0


def test_units_that_kept_their_colour_are_not_listed() -> None:
    config, d1, d2 = GradingConfig(), date(2020, 2, 18), date(2020, 2, 19)
    assert changed([grade(_ind("A", d1, 1, 5, 0), config)], [grade(_ind("A", d2, 1, 6, 0), config)], config) == []


def test_cli_matrix_places_the_counties(
    settings: Settings,
    yueqing_csv: Path,
    write_lines: Callable[[str, list[str]], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stats = write_lines("stats.csv", ["county,primary,secondary,tertiary", "330382,1,6,3", "330727,2,4,4"])
    power = write_lines(
        "power.csv",
        [
            "county,day,sector,resumed_share,production_share",
            "330382,2020-02-12,secondary,90,80",
            "330727,2020-02-12,secondary,20,10",
        ],
    )
    args = ["--cases", str(yueqing_csv), "--power", str(power), "--stats", str(stats), "--format", "csv"]
    code = main(["riskmap", "matrix", "--date", "2020-02-12", *args])
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert code == 0
    assert len(rows) == 90
    assert (rows["330382"]["colour"], rows["330382"]["band"], rows["330382"]["action"]) == ("red", "very_high", "warn")
    assert (rows["330727"]["colour"], rows["330727"]["band"], rows["330727"]["action"]) == (
        "green",
        "very_low",
        "push_resumption",
    )
    assert rows["330106"]["action"] == ""
    assert rows["330106"]["action_zh"] == "no resumption figure"
