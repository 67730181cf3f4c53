"""The resumption index over a period from the power app's figures: weighting, headline, what is left out and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from fugong.errors import InvalidInput
from fugong.riskmap.figures import combine
from fugong.riskmap.resumption import Band, IndustryRate, ResumptionConfig, ResumptionInputError, SectorGdp

D1, D2 = date(2020, 2, 18), date(2020, 2, 19)
A, B, C = "330382", "330106", "330727"
GDP = [SectorGdp(A, Decimal(10), Decimal(60), Decimal(30)), SectorGdp(B, Decimal(0), Decimal(20), Decimal(80))]


def _row(day: date, level: str, code: str, resumed: float, production: float, users: int = 10) -> dict[str, object]:
    return {
        "day": day,
        "level": level,
        "code": code,
        "name": "",
        "users": users,
        "resumed_share": resumed,
        "production_share": production,
        "index": (resumed + production) / 2,
    }


def _figures(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_counties_weigh_their_sectors_by_gdp_and_the_headline_weighs_the_province_sectors_by_summed_gdp() -> None:
    figures = _figures(
        _row(D2, "county+sector", f"{A}|primary", 90, 90),
        _row(D2, "county+sector", f"{A}|secondary", 40, 40),
        _row(D2, "county+sector", f"{A}|tertiary", 80, 60),
        _row(D2, "county+sector", f"{B}|secondary", 100, 100),
        _row(D2, "county+sector", f"{B}|tertiary", 50, 50),
        _row(D2, "sector", "primary", 20, 20),
        _row(D2, "sector", "secondary", 60, 40),
        _row(D2, "sector", "tertiary", 30, 30),
        _row(D2, "county", A, 55, 45),
    )
    result = combine(figures, GDP, parameters={"power": {"snapshot": "grid_readings@v1"}})
    a, b = result.counties[D2][A], result.counties[D2][B]
    assert a.index == Decimal("54.0")  # 0.1 × 90 + 0.6 × 40 + 0.3 × 70
    assert a.band is Band.MEDIUM
    assert b.index == Decimal("60.0")  # 0.2 × 100 + 0.8 × 50: no primary value added, no weight
    # Province: value added 10 / 80 / 110 of 200.
    assert result.province[D2].index == Decimal("0.05") * 20 + Decimal("0.4") * 50 + Decimal("0.55") * 30
    assert result.parameters["power"] == {"snapshot": "grid_readings@v1"}
    assert result.parameters["forms_used"] is False
    assert result.parameters["resumption"] == ResumptionConfig().as_dict()
    assert [r.code for r in result.rows(D2, "county")] == [A]
    assert result.rows(D1, "county") == []


def test_rows_without_a_sector_or_a_figure_and_counties_without_gdp_are_left_out_and_named() -> None:
    figures = _figures(
        _row(D2, "county+sector", f"{A}|secondary", 50, 50),
        _row(D2, "county+sector", f"{A}|unknown", 0, 0),  # users without a known industry
        _row(D2, "county+sector", f"{A}|tertiary", float("nan"), float("nan"), users=0),  # no population
        _row(D2, "county+sector", f"{C}|secondary", 70, 70),  # no county_stats row
        _row(D2, "county+sector", "unknown|secondary", 70, 70),  # users without a county
    )
    result = combine(figures, GDP)
    assert set(result.counties[D2]) == {A}
    assert result.counties[D2][A].index == Decimal(50)
    assert result.counties[D2][A].sectors_missing == ("primary", "tertiary")
    assert result.parameters["counties_without_gdp"] == [C]


def test_the_forms_rate_takes_its_part_of_the_secondary_sector_and_the_parameters_say_so() -> None:
    figures = _figures(_row(D2, "county+sector", f"{A}|secondary", 40, 40))
    result = combine(figures, GDP, industry=[IndustryRate(A, Decimal(80), D2)])
    assert result.counties[D2][A].index == Decimal(60)  # 0.5 × 40 + 0.5 × 80
    assert result.counties[D2][A].industry_rate == Decimal(80)
    assert result.parameters["forms_used"] is True


def test_a_day_the_power_figures_do_not_cover_is_refused_naming_those_they_do() -> None:
    figures = _figures(_row(D1, "county+sector", f"{A}|secondary", 40, 40), _row(D2, "county", A, 1, 1))
    result = combine(figures, GDP)
    result.check_day(D2)  # covered, even if only the county level has a row
    with pytest.raises(InvalidInput, match="no resumption figures for 2020-02-20: the power figures cover 2020-02-18"):
        result.check_day(date(2020, 2, 20))


def test_a_share_the_index_cannot_take_is_refused_naming_the_county() -> None:
    figures = _figures(_row(D2, "county+sector", f"{A}|secondary", 40, 250))
    with pytest.raises(ResumptionInputError, match=f"{A} secondary 2020-02-19: production_share 250"):
        combine(figures, GDP)
