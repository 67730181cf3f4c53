"""The lake edge of the resumption side: power figures, GDP by sector and the forms' rates, read and combined.

The power app computes the shares (``fugong.power.lake.lake_index``; this app never reads grid data itself); GDP by
sector comes from the statistics bureau's ``county_stats``; the grassroots forms' above-designated-size industry
rates from ``survey_industry_resumption`` when that dataset exists. A result is kept per set of snapshots read.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date
from decimal import Decimal, InvalidOperation
from threading import Lock
from typing import Any, NamedTuple

import duckdb

from fugong.errors import NotFound
from fugong.hub import lake
from fugong.power.definitions import Parameters, PowerInputError, parse_baseline
from fugong.power.lake import DEFAULT_BASELINE, coverage, current_snapshot, lake_index
from fugong.power.persisted import FigureStore
from fugong.power.runs import IndexRun
from fugong.riskmap.figures import POWER_LEVELS, ResumptionFigures, combine, power_rows
from fugong.riskmap.resumption import (
    Band,
    CountyResumption,
    IndustryRate,
    ResumptionConfig,
    ResumptionInputError,
    SectorGdp,
)
from fugong.settings import Settings

STATS = "county_stats"
FORMS = "survey_industry_resumption"
STATS_COLUMNS = ("county_code", "primary_100m_yuan", "secondary_100m_yuan", "tertiary_100m_yuan")
# The forms' dataset is written by the survey app (fugong.survey.aggregate): a county's rate in percent per week.
FORMS_COUNTY, FORMS_RATE, FORMS_DAY, FORMS_COVERAGE = "county_code", "resumption_rate", "period", "coverage"
# A county's weekly rate counts only when at least this share of its townships reported (ours, not published).
MIN_FORMS_COVERAGE = Decimal("0.5")
_KEEP = 4
_cache: OrderedDict[str, ResumptionFigures] = OrderedDict()
_lock = Lock()


class NoResumptionData(NotFound):
    """The lake lacks what the resumption index needs (grid readings or county statistics)."""

    code = "no_resumption_data"


def _rows(version: lake.Version, columns: list[str]) -> list[tuple[Any, ...]]:
    with duckdb.connect() as con:
        return con.execute(lake.scan_sql(version, columns)).fetchall()


def read_gdp(settings: Settings) -> tuple[list[SectorGdp], str]:
    """GDP by sector per county from the lake's county_stats, and the snapshot read."""
    version = lake.get_lake(settings).current(STATS)
    if version is None or not version.rows:
        raise NoResumptionData(
            f"the lake has no {STATS} dataset yet: the resumption index weighs sectors by GDP "
            f"(fugong hub ingest {STATS} FILE, or fugong demo)",
            field="county_stats",
        )
    out = []
    for code, *values in _rows(version, list(STATS_COLUMNS)):
        if any(v is None for v in values):
            missing = [c for c, v in zip(STATS_COLUMNS[1:], values, strict=True) if v is None]
            raise ResumptionInputError(
                f"{version.reference}: county {code} has no {', '.join(missing)}", field="county_stats"
            )
        out.append(SectorGdp(str(code), *(Decimal(str(v)) for v in values)))
    return out, version.reference


class FormsRates(NamedTuple):
    """The forms' rates the index uses, the dataset version read, and the county-weeks set aside for low coverage."""

    rates: list[IndustryRate]
    reference: str | None
    set_aside: list[str]


def read_forms(settings: Settings) -> FormsRates:
    """The forms' industry rates per county (and day), or nothing when the dataset is absent.

    A county-week whose townships mostly did not report (``coverage`` below :data:`MIN_FORMS_COVERAGE`) is set
    aside and named, not used: a rate from a third of a county is not the county's."""
    version = lake.get_lake(settings).current(FORMS)
    if version is None or not version.rows:
        return FormsRates([], None, [])
    names = [e["name"] for e in version.manifest.get("schema", [])]
    if FORMS_COUNTY not in names or FORMS_RATE not in names:
        raise ResumptionInputError(
            f"{version.reference}: needs the columns {FORMS_COUNTY} and {FORMS_RATE}; it has {', '.join(names)}",
            field=FORMS,
        )
    columns = [c for c in (FORMS_COUNTY, FORMS_RATE, FORMS_DAY, FORMS_COVERAGE) if c in names]
    out, set_aside = [], []
    for row in _rows(version, columns):
        found = dict(zip(columns, row, strict=True))
        county, rate, day, share = (found.get(c) for c in (FORMS_COUNTY, FORMS_RATE, FORMS_DAY, FORMS_COVERAGE))
        try:
            value = Decimal(str(rate))
        except InvalidOperation:
            raise ResumptionInputError(f"{version.reference}: rate {rate!r} is not a number", field=FORMS) from None
        if not Decimal(0) <= value <= Decimal(100):
            raise ResumptionInputError(f"{version.reference}: {county} rate {value} is outside 0–100 %", field=FORMS)
        when = day if isinstance(day, date) else None
        if share is not None and Decimal(str(share)) < MIN_FORMS_COVERAGE:
            set_aside.append(f"{county} {when or ''}: {float(share):.0%} of its townships reported".replace("  ", " "))
            continue
        out.append(IndustryRate(str(county), value, when))
    return FormsRates(out, version.reference, set_aside)


def power_parameters(settings: Settings, first: date | None = None, last: date | None = None) -> Parameters:
    """The power index's default parameters over ``first`` … ``last``, clipped to the days the readings cover."""
    try:
        cover = coverage(current_snapshot(settings))
    except NotFound as exc:
        raise NoResumptionData(f"no power figures: {exc.detail}", field="power") from exc
    start = max(first, cover.first_day) if first else cover.first_day
    end = min(last, cover.last_day) if last else cover.last_day
    if start > end:  # the cases and the readings do not overlap: show the readings' own days
        start, end = cover.first_day, cover.last_day
    return Parameters(parse_baseline(DEFAULT_BASELINE), first_day=start, last_day=end)


def power_run(settings: Settings, levels: str, first: date | None = None, last: date | None = None) -> IndexRun:
    """The power app's figures from the lake at ``levels`` (the province level always included)."""
    params = power_parameters(settings, first, last)
    try:
        return lake_index(settings, levels=f"province,{levels}", params=params)
    except (NotFound, PowerInputError) as exc:
        raise NoResumptionData(f"no power figures: {exc.detail}", field="power") from exc


def lake_resumption(
    settings: Settings, first: date | None = None, last: date | None = None, config: ResumptionConfig | None = None
) -> ResumptionFigures:
    """The county resumption index of every day from ``first`` to ``last`` from the lake (kept per snapshots read)."""
    with _lock:  # the page's first calls arrive together: the first computes, the others wait and share it
        gdp, stats = read_gdp(settings)
        rates, forms, set_aside = read_forms(settings)
        run = power_run(settings, POWER_LEVELS, first, last)
        power = run.parameters.as_dict()
        key = json.dumps([power, stats, forms, (config or ResumptionConfig()).as_dict()], sort_keys=True, default=str)
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        store = FigureStore.of(settings, "riskmap")
        disk = store.key("resumption", key)
        figures = _loaded(store.read_json(disk), run)
        if figures is None:
            parameters = {
                "power": power,
                "power_notes": list(run.notes),
                "county_stats": stats,
                "forms": forms,
                "forms_set_aside": set_aside,
            }
            figures = combine(run.figures, gdp, config, rates, parameters)
            store.write_json(disk, _saved(figures))
        _cache[key] = figures
        while len(_cache) > _KEEP:
            _cache.popitem(last=False)
        return figures


def _saved(figures: ResumptionFigures) -> dict[str, Any]:
    """The county and province indices as plain JSON (decimals as text); the power rows are the power app's own."""

    def one(r: CountyResumption) -> list[Any]:
        return [
            r.county,
            r.day.isoformat() if r.day else None,
            str(r.index),
            r.band.name,
            {k: str(v) for k, v in r.sector_index.items()},
            {k: str(v) for k, v in r.weights.items()},
            None if r.industry_rate is None else str(r.industry_rate),
            list(r.sectors_missing),
        ]

    return {
        "parameters": dict(figures.parameters),
        "counties": [one(r) for day in figures.days for r in figures.counties.get(day, {}).values()],
        "province": [one(r) for r in figures.province.values()],
    }


def _loaded(kept: Any, run: IndexRun) -> ResumptionFigures | None:
    """Figures from :func:`_saved`'s JSON and the power figures; None when the JSON is not what it wrote."""
    if kept is None:
        return None
    on: dict[str, date] = {}  # each day's text parsed once

    def when(text: str) -> date:
        found = on.get(text)
        if found is None:
            found = on[text] = date.fromisoformat(text)
        return found

    try:

        def one(row: list[Any]) -> CountyResumption:
            county, day, index, band, sector_index, weights, rate, missing = row
            return CountyResumption(
                str(county),
                when(day) if day else None,
                Decimal(index),
                Band[band],
                {str(k): Decimal(v) for k, v in sector_index.items()},
                {str(k): Decimal(v) for k, v in weights.items()},
                None if rate is None else Decimal(rate),
                tuple(str(m) for m in missing),
            )

        power = power_rows(run.figures)
        days = tuple(sorted({day for day, _ in power}))
        counties: dict[date, dict[str, CountyResumption]] = {day: {} for day in days}
        for r in map(one, kept["counties"]):
            assert r.day is not None
            counties.setdefault(r.day, {})[r.county] = r
        province = {r.day: r for r in map(one, kept["province"]) if r.day is not None}
        return ResumptionFigures(counties, province, dict(power), dict(kept["parameters"]), days)
    except (AssertionError, KeyError, TypeError, ValueError, AttributeError, InvalidOperation):
        return None  # not what we wrote: computed again and written over
