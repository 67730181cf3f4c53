"""The risk map as a hub app: grading the lake's CDC case list, its routes and its dashboard panel.

The edge between the lake and the pure core: the ``cdc_cases`` dataset (lake column names) is turned into the line
list the readers know (Chinese headers), then graded with the defaults of ``fugong.riskmap.grading``. A grading is
kept per lake snapshot, so the cockpit's date slider does not re-read or re-grade the lake on every move.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any

import duckdb
import typer
from fastapi import APIRouter

from fugong.errors import NotFound
from fugong.geo import load_gazetteer
from fugong.hub import lake
from fugong.hub.hookspecs import hookimpl
from fugong.hub.specs import Panel
from fugong.power.persisted import FigureStore
from fugong.riskmap.cases import CaseDay, CaseTable, build_table
from fugong.riskmap.grading import Grade, GradingConfig, grade_all
from fugong.riskmap.indicators import Indicators, compute
from fugong.riskmap.levels import HIGH_TO_LOW, Level
from fugong.riskmap.readers import Record, line_list_days
from fugong.riskmap.service import Grading, Units, changes_on, county_units, grade_rows
from fugong.settings import Settings

DATASET = "cdc_cases"
# Lake column → the line-list header the readers expect. The lake keeps the county of residence (现住址) only, so
# it stands in for the county a case is counted under (统计地区); see docs/riskmap.md, "Cockpit".
LINE_LIST = {
    "case_id": "病例编号",
    "residence_code": "统计地区",
    "classification": "病例分类",
    "infection_source": "感染来源",
    "cluster_id": "聚集性疫情编号",
    "onset_on": "发病日期",
    "suspected_on": "疑似日期",
    "confirmed_on": "确诊日期",
    "excluded_on": "排除日期",
    "removed_on": "核减日期",
}


class NoCaseData(NotFound):
    """The lake holds no CDC case list to grade."""

    code = "no_case_data"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


# One grading at a time: the page's first calls, arriving together, wait for the first and share its result.
_GRADING = Lock()
_LEVELS = {int(level): level for level in Level}


@lru_cache(maxsize=4)
def _graded(lake_root: str, snapshot: str, province: str, reference_date: date, store: FigureStore) -> Grading:
    """The grading of one pinned snapshot of the case list: read from its persisted copy, else computed and kept."""
    units = county_units(load_gazetteer(province, reference_date))
    config = GradingConfig()
    key = store.key(lake_root, DATASET, snapshot, config.as_dict(), config.version)
    kept = store.read_json(key)
    if kept is not None:
        try:
            return _loaded(kept, units, config)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            pass  # not what we wrote: graded again below and written over
    grading = _grade(lake_root, snapshot, units, config)
    store.write_json(key, _saved(grading))
    return grading


def _saved(grading: Grading) -> dict[str, Any]:
    """The grading as plain JSON: the case table's rows and span, and every grade (fractions as text)."""
    table = grading.table
    return {
        "table": {
            "first_day": table.first_day.isoformat(),
            "last_day": table.last_day.isoformat(),
            "origin": table.origin,
            "outside_units": dict(table.outside_units),
            "rows": [
                [
                    r.unit,
                    r.day.isoformat(),
                    r.new_confirmed,
                    r.new_local,
                    r.new_imported,
                    r.new_clusters,
                    r.removed,
                    r.source,
                ]
                for r in table.rows
            ],
        },
        "grades": [
            [
                i.unit,
                i.day.isoformat(),
                i.new_confirmed,
                i.cumulative_confirmed,
                i.new_7d,
                i.new_14d,
                str(i.local_share),
                i.clusters,
                i.clusters_14d,
                i.days_without_new,
                str(g.score),
                int(g.base_level),
                int(g.level),
                g.steps,
                g.reason,
            ]
            for g in grading.grades
            for i in (g.indicators,)
        ],
    }


def _loaded(kept: dict[str, Any], units: Units, config: GradingConfig) -> Grading:
    """A grading from :func:`_saved`'s JSON (raises on anything that is not what it wrote)."""
    t = kept["table"]
    rows = tuple(
        CaseDay(str(u), date.fromisoformat(d), int(n), _count(loc), _count(imp), int(k), int(rem), str(src))
        for u, d, n, loc, imp, k, rem, src in t["rows"]
    )
    table = CaseTable(
        rows,
        date.fromisoformat(t["first_day"]),
        date.fromisoformat(t["last_day"]),
        str(t["origin"]),
        {str(k): int(v) for k, v in t["outside_units"].items()},
    )
    fractions: dict[str, Fraction] = {}  # the same shares and scores recur: parse each text once
    days: dict[str, date] = {}

    def fraction(text: str) -> Fraction:
        found = fractions.get(text)
        if found is None:
            found = fractions[text] = Fraction(text)
        return found

    def day(text: str) -> date:
        found = days.get(text)
        if found is None:
            found = days[text] = date.fromisoformat(text)
        return found

    grades = [
        Grade(
            Indicators(
                str(u),
                day(d),
                int(n),
                int(cum),
                int(n7),
                int(n14),
                fraction(share),
                int(c),
                int(c14),
                _count(q),
            ),
            fraction(score),
            _LEVELS[base],
            _LEVELS[level],
            int(steps),
            str(reason),
        )
        for u, d, n, cum, n7, n14, share, c, c14, q, score, base, level, steps, reason in kept["grades"]
    ]
    return Grading(grades, table, units, config)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def _grade(lake_root: str, snapshot: str, units: Units, config: GradingConfig) -> Grading:
    """Grade every county on every day the case list covers, for one pinned snapshot of it."""
    version = lake.Lake(Path(lake_root)).require(DATASET, snapshot)
    with duckdb.connect() as con:
        found = con.execute(lake.scan_sql(version, [*LINE_LIST, "_source", "_line"])).fetchall()
    reference = version.reference
    records = [
        Record(
            f"{reference} {row[-2]}:{row[-1]}", {LINE_LIST[c]: _text(v) for c, v in zip(LINE_LIST, row, strict=False)}
        )
        for row in found
    ]
    rows, first, last = line_list_days(records)
    table = build_table(
        rows, units=units.names, set_aside=units.set_aside, first_day=first, last_day=last, origin=reference
    )
    series = compute(table, sorted(units.names), table.first_day, table.last_day)
    return Grading(grade_all(series, config), table, units, config)


def lake_grading(settings: Settings) -> Grading:
    """The grading of the lake's current case list (a clear 404 when there is none yet)."""
    version = lake.get_lake(settings).current(DATASET)
    if version is None:
        raise NoCaseData(
            f"the lake has no {DATASET} dataset yet: ingest the CDC case list first "
            f"(fugong hub ingest {DATASET} FILE, or fugong demo)",
            field="cases",
        )
    if not version.rows:
        raise NoCaseData(f"{version.reference} has no rows: ingest the CDC case list ({DATASET})", field="cases")
    store = FigureStore.of(settings, "riskmap")
    with _GRADING:
        return _graded(str(settings.lake_path), version.snapshot_id, settings.province, settings.reference_date, store)


def days_available(grading: Grading) -> dict[str, Any]:
    """The first and last day the case list covers, and the snapshot it was read from."""
    return {
        "first": grading.table.first_day.isoformat(),
        "last": grading.table.last_day.isoformat(),
        "cases": grading.table.origin,
    }


def grades_on(grading: Grading, day: date) -> dict[str, Any]:
    """Every county's level, colour, score and indicators on ``day``, the count per colour and the changes."""
    grading.table.check_day(day)
    rows = grade_rows(grading, day)
    counts = Counter(row["colour"] for row in rows)
    changes = [] if day == grading.table.first_day else changes_on(grading, day)
    names = grading.units.names
    return {
        "date": day.isoformat(),
        "parameters": grading.parameters(),
        "counts": {level.colour: counts.get(level.colour, 0) for level in HIGH_TO_LOW},
        "grades": rows,
        "changes": [
            {
                "code": c.unit,
                "name": names[c.unit],
                "from": c.before.colour,
                "to": c.after.colour,
                "direction": c.direction,
                "why": c.reason,
            }
            for c in changes
        ],
    }


def level_counts(grading: Grading, day: date | None) -> list[dict[str, Any]]:
    """Counties per level on ``day`` (default: the last day of the data), highest risk first."""
    when = day or grading.table.last_day
    counts = grades_on(grading, when)["counts"]
    return [
        {"level": level.name_zh, "colour": level.colour, "counties": counts[level.colour], "date": when.isoformat()}
        for level in HIGH_TO_LOW
    ]


@hookimpl
def register_routes() -> list[APIRouter]:
    """The risk-map API and the province cockpit page."""
    from fugong.web.routers.riskmap import router

    return [router]


def warm_command() -> None:
    """Compute the cockpit's figures once after an ingest and keep them on disk, so the first page view is fast."""
    import json
    import time

    from fugong.riskmap.cockpit import warm
    from fugong.settings import get_settings

    started = time.perf_counter()
    result = warm(get_settings())
    typer.echo(json.dumps({**result, "seconds": round(time.perf_counter() - started, 2)}, ensure_ascii=False))


@hookimpl
def register_cli(cli: typer.Typer) -> None:
    """``fugong riskmap warm``: added to the riskmap command group (mounted by fugong.cli after the hooks run)."""
    from fugong.riskmap.cli import app

    app.command(name="warm")(warm_command)


@hookimpl
def dashboard_panels() -> list[Panel]:
    """Counties per risk level on the last day of the case data."""
    return [
        Panel(
            id="riskmap-levels",
            title="县域疫情风险等级",
            data_url="/api/riskmap/levels",
            chart="bar",
            x="level",
            y=("counties",),
            description="Counties per epidemic risk level (五色图) on the last day of the CDC case data.",
            app="riskmap",
        )
    ]
