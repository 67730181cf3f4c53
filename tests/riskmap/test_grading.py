"""Cut-offs, step-downs, the never-a-case rule, Yueqing's path, towns, and configurations that cannot work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from fugong.riskmap.cases import CaseDay, build_table
from fugong.riskmap.grading import GradingConfig, GradingConfigError, StepDown, Weighting, grade, grade_all, on_day
from fugong.riskmap.indicators import Indicators, compute
from fugong.riskmap.levels import Level

from .conftest import PANAN, XIHU, YUEQING, days, yueqing_path

# One indicator, so a score is simply 100 × min(cumulative, 10) / 10.
SIMPLE = GradingConfig(
    weights=(Weighting("cumulative_confirmed", Decimal(1), Decimal(10)),),
    red_from=Decimal(80),
    orange_from=Decimal(60),
    yellow_from=Decimal(40),
    step_downs=(StepDown(3, 1), StepDown(7, 2)),
    step_downs_from=None,
)


def _ind(cumulative: int, quiet: int | None = 0, day: date = date(2020, 2, 15)) -> Indicators:
    return Indicators("U", day, 0, cumulative, 0, 0, Fraction(0), 0, 0, quiet)


@pytest.mark.parametrize(
    ("cumulative", "level"),
    [(10, Level.RED), (8, Level.RED), (7, Level.ORANGE), (6, Level.ORANGE), (5, Level.YELLOW), (4, Level.YELLOW)],
)
def test_cut_offs_are_inclusive_from_below(cumulative: int, level: Level) -> None:
    assert grade(_ind(cumulative), SIMPLE).level is level


def test_a_unit_with_cases_below_every_cut_off_is_blue_not_green() -> None:
    g = grade(_ind(1), SIMPLE)
    assert (g.level, g.score) == (Level.BLUE, Fraction(10))


def test_never_a_case_is_green_whatever_the_configuration() -> None:
    g = grade(_ind(0, quiet=None), SIMPLE)
    assert (g.level, g.reason) == (Level.GREEN, "never a case")


@pytest.mark.parametrize(
    ("quiet", "level", "steps"),
    [(0, Level.RED, 0), (2, Level.RED, 0), (3, Level.ORANGE, 1), (6, Level.ORANGE, 1), (7, Level.YELLOW, 2)],
)
def test_step_downs_after_3_and_7_days_without_a_new_case(quiet: int, level: Level, steps: int) -> None:
    g = grade(_ind(10, quiet), SIMPLE)
    assert (g.level, g.steps, g.base_level) == (level, steps, Level.RED)


def test_a_step_down_never_goes_below_green() -> None:
    g = grade(_ind(1, quiet=7), SIMPLE)
    assert (g.level, g.steps) == (Level.GREEN, 1)


def test_step_downs_wait_for_their_first_day() -> None:
    config = GradingConfig(step_downs_from=date(2020, 2, 10))
    before, after = _ind(150, 5, date(2020, 2, 9)), _ind(150, 5, date(2020, 2, 10))
    assert grade(before, config).steps == 0
    assert grade(after, config).steps == 1


def test_the_score_is_the_weighted_sum_of_capped_points() -> None:
    config = GradingConfig()
    ind = Indicators("U", date(2020, 2, 15), 1, 300, 15, 30, Fraction(1, 2), 1, 0, 0)
    points = config.points(ind)
    # cumulative 30 × 1 (capped at 150), new_7d 10 × 15/30, new_14d 20 × 30/60, local 10 × 1/2, clusters 20 × 1/2,
    # all over the weights' 90
    assert points["cumulative_confirmed"] == Fraction(100 * 30, 90)
    assert config.score(ind) == Fraction(100 * (30 + 5 + 10 + 5 + 10), 90)


def test_a_few_local_cases_in_a_cluster_do_not_make_a_county_red_or_orange() -> None:
    ind = Indicators("U", date(2020, 2, 15), 2, 2, 2, 2, Fraction(1), 2, 1, 0)
    assert grade(ind, GradingConfig()).level is Level.YELLOW


def _yueqing_grades():
    table = build_table(yueqing_path(), units={YUEQING, XIHU, PANAN})
    return grade_all(compute(table, (YUEQING, XIHU, PANAN), date(2020, 2, 9), date(2020, 2, 20)), GradingConfig())


def test_yueqing_is_the_only_red_county_from_9_to_18_february_and_orange_on_the_19th() -> None:
    grades = _yueqing_grades()
    for day in days(date(2020, 2, 9), date(2020, 2, 18)):
        reds = [g.unit for g in on_day(grades, day) if g.level is Level.RED]
        assert reds == [YUEQING], day
    on_19 = {g.unit: g for g in on_day(grades, date(2020, 2, 19))}
    assert on_19[YUEQING].level is Level.ORANGE
    assert on_19[YUEQING].reason == "3 days without a new case: down 1 (rule ≥3 days)"


def test_the_county_that_never_had_a_case_stays_green_every_day() -> None:
    assert {g.level for g in _yueqing_grades() if g.unit == PANAN} == {Level.GREEN}


def test_towns_are_graded_like_counties() -> None:
    towns = ("330382001", "330382002")
    table = build_table([CaseDay(towns[0], date(2020, 2, 1), 30, 30, 0, 1)], units=towns, last_day=date(2020, 2, 2))
    grades = {g.unit: g.level for g in grade_all(compute(table, towns, date(2020, 2, 2), date(2020, 2, 2)), SIMPLE)}
    assert grades == {towns[0]: Level.RED, towns[1]: Level.GREEN}


def test_grading_is_deterministic() -> None:
    assert _yueqing_grades() == _yueqing_grades()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": (Weighting("deaths", Decimal(1), Decimal(1)),)}, "unknown indicator 'deaths'"),
        ({"weights": (Weighting("days_without_new", Decimal(1), Decimal(1)),)}, "unknown indicator"),
        ({"weights": (Weighting("new_7d", Decimal(-1), Decimal(1)),)}, "weight must be ≥ 0"),
        ({"weights": (Weighting("new_7d", Decimal(1), Decimal(0)),)}, "full_at > 0"),
        ({"weights": (Weighting("new_7d", Decimal(0), Decimal(5)),)}, "add up to 0"),
        ({"red_from": Decimal(30)}, "cut-offs must rise"),
        ({"yellow_from": Decimal(0)}, "cut-offs must rise"),
        ({"step_downs": (StepDown(7, 1), StepDown(3, 2))}, "rising after_days"),
        ({"step_downs": (StepDown(3, 0),)}, "levels ≥ 1"),
    ],
)
def test_configurations_that_cannot_work_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GradingConfigError, match=message):
        GradingConfig(**kwargs)  # type: ignore[arg-type]


def test_the_configuration_is_printed_with_its_version() -> None:
    described = GradingConfig().as_dict()
    assert described["version"] == "fugong-2020.1"
    assert described["step_downs"] == [
        {"after_days": 3, "levels": 1},
        {"after_days": 7, "levels": 2},
        {"after_days": 14, "levels": 4},
    ]


@pytest.mark.parametrize(
    "config",
    [
        GradingConfig(),
        GradingConfig(
            weights=(
                Weighting("new_7d", Decimal(3), Decimal("2.5")),
                Weighting("local_share", Decimal(7), Decimal("0.6")),
            )
        ),
    ],
)
@pytest.mark.parametrize(
    "ind",
    [
        Indicators("U", date(2020, 2, 15), 3, 7, 3, 9, Fraction(2, 7), 1, 1, 0),
        Indicators("U", date(2020, 2, 15), 0, 400, 90, 120, Fraction(1), 9, 4, 5),
        Indicators("U", date(2020, 2, 15), 0, 1, 0, 0, Fraction(0), 0, 0, 30),
    ],
)
def test_the_fast_score_equals_the_sum_of_the_points(config: GradingConfig, ind: Indicators) -> None:
    assert config.score(ind) == sum(config.points(ind).values(), Fraction(0))
