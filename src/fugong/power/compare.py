"""The lunar-aligned comparison with the previous year: each day beside the day as far from Chinese New Year.

Both years are measured against one baseline by default (the run's own window), so the two curves share
a scale; another window for the previous year can be given (e.g. its own December, where the data has it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import ibis.expr.types as ir
import pandas as pd

from fugong.power.calendar import days_between, lunar_aligned
from fugong.power.definitions import BaselineWindow, Parameters, PowerInputError
from fugong.power.engines import frame_of
from fugong.power.index import figures, population, units
from fugong.power.runs import tidy

KEYS = ["level", "code"]
SHOWN = ["users", "resumed_users", "resumed_share", "production_share", "index"]


def lunar_comparison(
    readings: ir.Table,
    users: ir.Table | None,
    params: Parameters,
    previous_baseline: BaselineWindow | None = None,
) -> tuple[pd.DataFrame, Parameters]:
    """Figures of each day and of its lunar-aligned day a year earlier, with the change in index points."""
    if params.first_day is None or params.last_day is None:
        raise PowerInputError("the comparison needs --from and --to", field="--from")
    days = days_between(params.first_day, params.last_day)
    earlier = {d: lunar_aligned(d)[0] for d in days}
    before = replace(
        params,
        baseline=previous_baseline or params.baseline,
        first_day=min(earlier.values()),
        last_day=max(earlier.values()),
    )
    now = _figures(readings, users, params, days)
    then = _figures(readings, users, before, sorted(set(earlier.values())))
    now["previous_day"] = now["day"].map(earlier)
    then = then.rename(columns={"day": "previous_day", **{c: f"previous_{c}" for c in SHOWN}})
    merged = now.merge(then[["previous_day", *KEYS, *(f"previous_{c}" for c in SHOWN)]], on=["previous_day", *KEYS])
    merged["days_from_new_year"] = [(d - lunar_aligned(d)[1][0]).days for d in merged["day"]]
    merged["index_change"] = merged["index"] - merged["previous_index"]
    columns = ["day", "previous_day", "days_from_new_year", *KEYS, *SHOWN]
    columns += [f"previous_{c}" for c in SHOWN] + ["index_change"]
    return merged[columns], before


def _figures(readings: ir.Table, users: ir.Table | None, params: Parameters, days: list[date]) -> pd.DataFrame:
    unit_readings, unit_users = units(readings, users, params)
    pop = population(unit_readings, unit_users, params)
    return tidy(frame_of(figures(unit_readings, pop, params, days)), params.levels)


def comparison_chart(table: pd.DataFrame, params: Parameters, before: Parameters) -> str:
    """SVG of the province index of both years against days from Chinese New Year, the two shares dashed."""
    from fugong.power.chart import Series, line_chart

    province = table[table["level"] == "province"].sort_values("days_from_new_year")
    x = province["days_from_new_year"].tolist()

    def points(column: str) -> list[tuple[float, float | None]]:
        return [(float(k), None if pd.isna(v) else float(v)) for k, v in zip(x, province[column], strict=True)]

    this_year, last_year = province["day"].iloc[0].year, province["previous_day"].iloc[0].year
    series = [
        Series(f"index {this_year}", points("index")),
        Series(f"index {last_year}", points("previous_index")),
        Series(f"resumed share {this_year}", points("resumed_share"), dashed=True),
        Series(f"production share {this_year}", points("production_share"), dashed=True),
    ]
    title = f"Resumption index around Chinese New Year, baseline {params.baseline.describe()}"
    if before.baseline != params.baseline:
        title += f" ({last_year}: {before.baseline.describe()})"
    return line_chart(series, title, "days from Chinese New Year", "percent of baseline", marks=[0])
