"""What the power API and panel show, computed from the lake: the index series, county ranking, industry breakdown,
the per-enterprise drill-down, the shortfall list and the gaming checks, each with the parameters and snapshot ids
behind it.

Every function takes the query's text (days, level, parameters) and checks it here, so the router only parses
the request and renders; a county official sees enterprise rows of their own counties only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from fugong.auth import Principal, Role
from fugong.errors import Forbidden
from fugong.power.definitions import Parameters, PowerInputError, Variant, View
from fugong.power.index import parse_levels
from fugong.power.lake import (
    DEFAULT_BASELINE,
    check_day,
    check_group,
    coverage,
    current_snapshot,
    lake_enterprises,
    lake_gaming,
    lake_index,
    lake_shortfalls,
    parameters_from_text,
)
from fugong.settings import Settings

STANDARD_LEVELS = "province,county,industry,sector"
RANKINGS = ("index", "resumed_share", "production_share")
SERIES_COLUMNS = (
    "day",
    "level",
    "code",
    "name",
    "users",
    "resumed_users",
    "missing_users",
    "resumed_share",
    "production_share",
    "index",
    "index_change",
    "working_day",
    "holiday",
)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Query:
    """The index parameters a request may set (defaults: December 2019 baseline, 0.3, Zhejiang, accounts)."""

    baseline: str = DEFAULT_BASELINE
    threshold: str = "0.3"
    variant: str = Variant.zhejiang.value
    view: str = View.accounts.value

    def parameters(self, settings: Settings) -> Parameters:
        """Checked parameters over the whole span of the lake's readings."""
        try:
            variant = Variant(self.variant)
        except ValueError:
            raise PowerInputError(f"variant {self.variant!r} is not one of zhejiang, all", field="variant") from None
        try:
            view = View(self.view)
        except ValueError:
            raise PowerInputError(f"view {self.view!r} is not one of accounts, enterprises", field="view") from None
        return parameters_from_text(settings, self.baseline, self.threshold, variant, view)


@dataclass(frozen=True)
class Table:
    """Rows to show or export, with their parameters (JSON-ready) and a file name stem for exports."""

    rows: pd.DataFrame
    parameters: dict[str, Any]
    name: str
    notes: tuple[str, ...] = ()

    def as_json(self, **extra: Any) -> dict[str, Any]:
        """``{"parameters": …, "notes": […], "rows": [...], **extra}`` with dates as text and NaN as null."""
        return {**extra, "parameters": self.parameters, "notes": list(self.notes), "rows": records(self.rows)}


def parse_day(text: str | None, field: str = "date") -> date | None:
    """A day written YYYY-MM-DD, or None when not given (pydantic would accept "0" or a timestamp)."""
    if text is None or text == "":
        return None
    if _ISO_DAY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise PowerInputError(f"{field} {text!r} is not a day written YYYY-MM-DD (e.g. 2020-02-19)", field=field)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO text, NaN as None, numpy scalars as Python ones."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _level(text: str) -> str:
    try:
        levels = parse_levels(text)
    except PowerInputError as exc:
        raise PowerInputError(exc.detail.replace("--by: ", ""), field="level") from None
    if len(levels) != 1:
        raise PowerInputError(f"level {text!r}: give one level (e.g. county or county+industry)", field="level")
    return levels[0]


def days(settings: Settings) -> dict[str, Any]:
    """The span of the lake's grid readings and the snapshot ids read."""
    snap = current_snapshot(settings)
    cover = coverage(snap)
    return {
        "first": cover.first_day.isoformat(),
        "last": cover.last_day.isoformat(),
        "snapshot": snap.reference,
        "counties": list(cover.counties),
        "industries": list(cover.industries),
    }


def _run(settings: Settings, level: str, query: Query) -> tuple[pd.DataFrame, Parameters, list[str]]:
    levels = STANDARD_LEVELS if level in STANDARD_LEVELS.split(",") else f"province,{level}"
    run = lake_index(settings, levels, query.parameters(settings))
    return run.figures, run.parameters, run.notes


def series(settings: Settings, level: str = "province", code: str | None = None, query: Query | None = None) -> Table:
    """The index per day of every group of ``level`` (or only ``code``), with the change from the day before."""
    chosen = _level(level)
    figures, params, notes = _run(settings, chosen, query or Query())
    rows = figures[figures["level"] == chosen].copy()
    if code is not None:
        known = sorted(set(rows["code"]))
        if code not in known:
            raise PowerInputError(f"level {chosen} has no group {code!r}; groups: {', '.join(known)}", field="code")
        rows = rows[rows["code"] == code]
    rows = rows.sort_values(["code", "day"])
    rows["index_change"] = rows.groupby("code")["index"].diff()
    rows = rows.sort_values(["day", "code"])[list(SERIES_COLUMNS)].reset_index(drop=True)
    return Table(rows, params.as_dict(), f"power-index-{chosen.replace('+', '-')}", tuple(notes))


def ranking(
    settings: Settings, day: date | None, by: str = "index", level: str = "county", query: Query | None = None
) -> Table:
    """Groups of ``level`` (counties by default) on ``day`` ranked by the index, resumed or production share."""
    if by not in RANKINGS:
        raise PowerInputError(f"by {by!r} is not one of {', '.join(RANKINGS)}", field="by")
    chosen = _level(level)
    figures, params, notes = _run(settings, chosen, query or Query())
    when = _day_in(settings, day)
    rows = figures[(figures["level"] == chosen) & (figures["day"] == when)].copy()
    rows = rows.sort_values([by, "code"], ascending=[False, True], na_position="last")
    rows.insert(0, "rank", range(1, len(rows) + 1))
    columns = ["rank", "day", "code", "name", "users", "resumed_users", "missing_users", *RANKINGS]
    return Table(rows[columns].reset_index(drop=True), params.as_dict(), f"power-ranking-{chosen}-{when}", tuple(notes))


def breakdown(settings: Settings, day: date | None, query: Query | None = None) -> Table:
    """Industry sections and the three sectors on ``day``: users, resumed, the two shares and the index."""
    figures, params, notes = _run(settings, "industry", query or Query())
    when = _day_in(settings, day)
    today = figures[figures["day"] == when]
    rows = pd.concat([today[today["level"] == level].sort_values("code") for level in ("sector", "industry")])
    columns = ["day", "level", "code", "name", "users", "resumed_users", "missing_users", *RANKINGS]
    return Table(rows[columns].reset_index(drop=True), params.as_dict(), f"power-industries-{when}", tuple(notes))


def _day_in(settings: Settings, day: date | None) -> date:
    cover = coverage(current_snapshot(settings))
    if day is None:
        return cover.last_day
    check_day(cover, day, "date")
    return day


def _counties_for(principal: Principal, county: str | None) -> list[str] | None:
    """The counties whose enterprise rows the caller may see: None for all (analysts, admins)."""
    if principal.is_admin or Role.analyst in principal.roles:
        return None if county is None else [county]
    if county is None:
        return sorted(principal.counties)
    if not principal.may_act_in(county):
        raise Forbidden(
            f"enterprise rows of county {county} are for its county officials; "
            f"{principal.username!r} acts in {', '.join(sorted(principal.counties)) or 'no county'}"
        )
    return [county]


def enterprises(
    settings: Settings,
    principal: Principal,
    day: date | None,
    county: str | None = None,
    industry: str | None = None,
    query: Query | None = None,
) -> Table:
    """Per power user on ``day``: account, name, industry, kWh, baseline, ratio and resumed or not."""
    cover = coverage(current_snapshot(settings))
    check_group(cover, county, industry)
    allowed = _counties_for(principal, county)
    when = _day_in(settings, day)
    found = lake_enterprises(settings, when, None, industry, (query or Query()).parameters(settings))
    rows = found.rows
    if allowed is not None:
        rows = rows[rows["county_code"].isin(allowed)]
    where = county or ("mine" if allowed is not None else "all")
    return Table(
        rows.reset_index(drop=True), found.parameters.as_dict(), f"power-enterprises-{where}-{when}", tuple(found.notes)
    )


def shortfall_list(
    settings: Settings, principal: Principal, day: date | None, county: str | None = None, query: Query | None = None
) -> Table:
    """Enterprises resumed but held below 60 % of baseline for 3 days up to ``day``, with their suppliers."""
    cover = coverage(current_snapshot(settings))
    check_group(cover, county, None)
    allowed = _counties_for(principal, county)
    when = _day_in(settings, day)
    found = lake_shortfalls(settings, when, None, (query or Query()).parameters(settings))
    rows = found.rows
    if allowed is not None:
        rows = rows[rows["county_code"].isin(allowed)]
    where = county or ("mine" if allowed is not None else "all")
    return Table(
        rows.reset_index(drop=True), found.parameters.as_dict(), f"power-shortfalls-{where}-{when}", tuple(found.notes)
    )


GAMING_DAYS = 14  # the checks' default window: two weeks up to the day shown (the flat check needs 7 days)


def _window(text: str | None) -> int:
    if text is None or text == "":
        return GAMING_DAYS
    if not text.isdigit() or not 7 <= int(text) <= 366:
        raise PowerInputError(f"days {text!r} is not a whole number of days from 7 to 366", field="days")
    return int(text)


def gaming_list(
    settings: Settings,
    principal: Principal,
    day: date | None,
    days: str | None = None,
    county: str | None = None,
    query: Query | None = None,
) -> Table:
    """Flat-load and jump-to-baseline flags on the ``days`` days up to ``day``, with reasons (officials: own counties).

    The window starts no earlier than the first day of the readings; flagged users stay in the index.
    """
    length = _window(days)
    cover = coverage(current_snapshot(settings))
    check_group(cover, county, None)
    allowed = _counties_for(principal, county)
    last = _day_in(settings, day)
    first = max(cover.first_day, last - timedelta(days=length - 1))
    found = lake_gaming(settings, first, last, None, (query or Query()).parameters(settings))
    rows = found.rows
    if allowed is not None:
        rows = rows[rows["county_code"].isin(allowed)]
    where = county or ("mine" if allowed is not None else "all")
    return Table(
        rows.reset_index(drop=True), found.parameters.as_dict(), f"power-gaming-{where}-{last}", tuple(found.notes)
    )


def province_panel(settings: Settings) -> list[dict[str, Any]]:
    """The province index per day (for the hub dashboard's line chart)."""
    table = series(settings, "province")
    return [
        {
            "day": r["day"],
            "index": r["index"],
            "resumed_share": r["resumed_share"],
            "production_share": r["production_share"],
            "snapshot": table.parameters["snapshot"],
        }
        for r in records(table.rows)
    ]
