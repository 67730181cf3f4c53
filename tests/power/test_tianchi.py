"""The real Yangzhong panel (1,454 enterprise users) through the 2016 Spring Festival, and beside 2015."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from fugong.power.compare import lunar_comparison
from fugong.power.definitions import Parameters, parse_baseline
from fugong.power.runs import Inputs, run_index

DECEMBER_2015 = parse_baseline("2015-12-01..2015-12-31")


def _reference(path: Path, day: date) -> tuple[float, float]:
    """The two shares of one day computed the plain way with pandas, straight from the wide file."""
    wide = pd.read_csv(path, parse_dates=["record_date"]).drop(columns="total")
    wide = wide.set_index("record_date")
    december = wide[(wide.index >= "2015-12-01") & (wide.index <= "2015-12-31")]
    baseline = december.mean()
    kwh = wide.loc[pd.Timestamp(day)]
    # exact: 10·n·kWh ≥ 3·S with n = 31 days (every user reported every December day)
    resumed = 10 * len(december) * kwh >= 3 * december.sum()
    return resumed.mean() * 100, kwh[resumed].sum() / baseline.sum() * 100


def test_the_index_through_the_2016_spring_festival(tianchi: Inputs, tianchi_file: Path) -> None:
    params = Parameters(DECEMBER_2015, first_day=date(2016, 1, 25), last_day=date(2016, 3, 10))
    run = run_index(tianchi, params)
    curve = run.figures.set_index("day")
    assert set(curve["users"]) == {1454}
    assert set(curve["missing_users"]) == {0}
    for day in (date(2016, 2, 8), date(2016, 2, 22)):
        resumed, production = _reference(tianchi_file, day)
        assert curve.loc[day, "resumed_share"] == pytest.approx(resumed, abs=1e-9)
        assert curve.loc[day, "production_share"] == pytest.approx(production, abs=1e-9)
    low = curve["index"].idxmin()
    assert date(2016, 2, 7) <= low <= date(2016, 2, 12)  # the trough falls in the festival week
    assert curve.loc[low, "index"] < 50 < curve.loc[date(2016, 1, 25), "index"]
    assert curve.loc[date(2016, 2, 24), "index"] > 90  # back to work two weeks after New Year
    assert curve.loc[date(2016, 2, 8), "holiday"] == "Spring Festival"
    assert curve.loc[date(2016, 2, 14), "makeup_day"]
    assert curve.loc[date(2016, 2, 8), "days_from_new_year"] == 0


def test_the_lunar_aligned_comparison_with_2015(tianchi: Inputs) -> None:
    params = Parameters(DECEMBER_2015, first_day=date(2016, 2, 1), last_day=date(2016, 2, 29))
    table, before = lunar_comparison(*tianchi.tables(), params)
    by_day = table.set_index("day")
    assert by_day.loc[date(2016, 2, 8), "previous_day"] == date(2015, 2, 19)
    assert by_day.loc[date(2016, 2, 29), "previous_day"] == date(2015, 3, 12)
    assert (before.first_day, before.last_day) == (date(2015, 2, 12), date(2015, 3, 12))
    # the 2015 figures are the index of those days on their own
    own = run_index(tianchi, Parameters(DECEMBER_2015, first_day=date(2015, 2, 19), last_day=date(2015, 2, 19)))
    assert by_day.loc[date(2016, 2, 8), "previous_index"] == pytest.approx(own.figures["index"].iloc[0], abs=1e-12)
    # both festivals dip at New Year and recover; 2016 ran ahead of 2015 in the third week
    assert by_day.loc[date(2016, 2, 8), "previous_index"] < 50
    assert by_day.loc[date(2016, 2, 24), "index_change"] > 0
    other = lunar_comparison(*tianchi.tables(), params, parse_baseline("2015-01-01..2015-01-31"))[0]
    # Float sums may differ in the last bits between runs (parallel aggregation order): compare to 1e-9.
    assert other["index"].tolist() == pytest.approx(table["index"].tolist(), abs=1e-9)
    assert (other["previous_index"] != table["previous_index"]).any()


def test_the_comparison_chart_is_an_svg_of_both_years(tianchi: Inputs) -> None:
    from xml.etree import ElementTree

    from fugong.power.compare import comparison_chart

    params = Parameters(DECEMBER_2015, first_day=date(2016, 2, 1), last_day=date(2016, 2, 20))
    table, before = lunar_comparison(*tianchi.tables(), params)
    svg = comparison_chart(table, params, before)
    root = ElementTree.fromstring(svg)  # noqa: S314 -- our own SVG, not untrusted input
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"index 2016", "index 2015", "days from Chinese New Year"} <= set(texts)
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) == 4  # four curves, no gaps
