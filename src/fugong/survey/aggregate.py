"""Aggregation into the lake (汇总入湖): each form's roll-up as lake datasets, each row naming its submissions.

``survey_<form>`` holds, per period and per unit from the form's level up to the province, the units assigned,
reported and late and every number field rolled up as its definition says (``rollup.py``);
``survey_industry_resumption`` is the weekly industry report per county and week with the rates the county
resumption index reads and the share of townships behind them. Each write is a new lake version through the hub's
lake API, so readers pin a snapshot. A version records, per period, the assignments and submissions it was read from;
a refresh rolls up again only the periods whose count changed and keeps the other periods' rows, so keeping the lake
fresh after every submission costs one period's roll-up, not the whole history's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.errors import InvalidInput, NotFound
from fugong.hub import lake
from fugong.settings import Settings
from fugong.survey.catalog import get_form
from fugong.survey.definitions import Aggregation, FieldKind, FormDefinition
from fugong.survey.models import SurveyAssignment, SurveySubmission
from fugong.survey.orgunits import Hierarchy
from fugong.survey.rollup import Stamp, industry_rows, number_fields, roll_up

INDUSTRY_FORM = "industry_weekly"
INDUSTRY_DATASET = "survey_industry_resumption"
Column = tuple[str, Any, str]  # name, Arrow type, SQL type
_BASE: tuple[Column, ...] = (
    ("period", pa.date32(), "DATE"),
    ("unit_code", pa.string(), "VARCHAR"),
    ("unit_name", pa.string(), "VARCHAR"),
    ("level", pa.string(), "VARCHAR"),
    ("parent_code", pa.string(), "VARCHAR"),
    ("units_assigned", pa.int64(), "BIGINT"),
    ("units_reported", pa.int64(), "BIGINT"),
    ("units_late", pa.int64(), "BIGINT"),
)
_TRACE: tuple[Column, ...] = (
    ("form_versions", pa.string(), "VARCHAR"),
    ("submission_ids", pa.list_(pa.int64()), "BIGINT[]"),
)
_INDUSTRY: tuple[Column, ...] = (
    ("county_code", pa.string(), "VARCHAR"),
    ("resumption_rate", pa.float64(), "DOUBLE"),
    ("returned_rate", pa.float64(), "DOUBLE"),
    ("coverage", pa.float64(), "DOUBLE"),
)


@dataclass(frozen=True)
class Written:
    """A dataset version written by an aggregation."""

    dataset: str
    snapshot_id: str
    rows: int

    def as_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "snapshot_id": self.snapshot_id, "rows": self.rows}


def dataset_name(form_id: str) -> str:
    """The lake dataset of a form's roll-up."""
    return f"survey_{form_id}"


def datasets_of(form_id: str) -> list[str]:
    """The lake datasets an aggregation of ``form_id`` writes."""
    return [dataset_name(form_id), *([INDUSTRY_DATASET] if form_id == INDUSTRY_FORM else [])]


def _schema(form: FormDefinition, extra: tuple[Column, ...] = ()) -> list[Column]:
    numbers = []
    for f in number_fields(form):
        whole = f.kind is FieldKind.integer and f.aggregate is not Aggregation.mean
        numbers.append((f.id, pa.int64() if whole else pa.float64(), "BIGINT" if whole else "DOUBLE"))
    return [*_BASE, *numbers, *extra, *_TRACE]


def _schema_json(schema: list[Column]) -> list[dict[str, Any]]:
    return [{"name": n, "type": sql, "personal": False} for n, _, sql in schema]


def store_stamps(session: Session, form_id: str) -> dict[date, Stamp]:
    """Per period, the store's assignments, submissions and last submission id of a form now."""
    query = (
        select(
            SurveyAssignment.period,
            func.count(SurveyAssignment.id),
            func.count(SurveySubmission.id),
            func.max(SurveySubmission.id),
        )
        .outerjoin(SurveySubmission, SurveySubmission.assignment_id == SurveyAssignment.id)
        .where(SurveyAssignment.form_id == form_id)
        .group_by(SurveyAssignment.period)
    )
    return {period: (assigned, submitted, last) for period, assigned, submitted, last in session.execute(query)}


def _kept_stamps(
    version: lake.Version | None, form: FormDefinition, hierarchy: Hierarchy, schema: list[Column]
) -> dict[date, Stamp] | None:
    """The stamps a version was written from, if its rows can be kept (same form version, units and columns)."""
    if version is None:
        return None
    inputs = version.manifest.get("inputs", {})
    same = (
        inputs.get("form") == form.reference
        and inputs.get("org_units") == hierarchy.origin
        and version.manifest.get("schema") == _schema_json(schema)
        and isinstance(inputs.get("periods"), dict)
    )
    if not same:
        return None
    return {date.fromisoformat(p): (a, s, last) for p, (a, s, last) in inputs["periods"].items()}


def _table(rows: list[dict[str, Any]], schema: list[Column]) -> pa.Table:
    arrow = pa.schema([(n, t) for n, t, _ in schema])
    return pa.Table.from_pylist([{n: r.get(n) for n, _, _ in schema} for r in rows], schema=arrow)


def _kept_rows(version: lake.Version, schema: list[Column], replaced: Collection[date]) -> pa.Table:
    """The version's rows of the periods not rolled up again."""
    names = ", ".join(f'"{n}"' for n, _, _ in schema)
    with duckdb.connect() as con:
        found: pa.Table = con.sql(
            f"SELECT {names} FROM ({lake.scan_sql(version)}) WHERE NOT list_contains($periods, period)",
            params={"periods": sorted(replaced)},
        ).to_arrow_table()
    return found.cast(pa.schema([(n, t) for n, t, _ in schema]))


def _commit(store: lake.Lake, name: str, table: pa.Table, schema: list[Column], about: dict[str, Any]) -> Written:
    """Write ``table`` as the next version of ``name`` (the caller holds the dataset's lock)."""
    table = table.sort_by([("period", "ascending"), ("unit_code", "ascending")])
    store.clean_leftovers(name)
    staged = store.staging(name)
    try:
        (staged / "data").mkdir()
        path = staged / "data" / "data_0.parquet"
        pq.write_table(table, path, compression="zstd")
        manifest: dict[str, Any] = {
            **about,
            "schema": _schema_json(schema),
            "data": [{"path": "data/data_0.parquet", "rows": table.num_rows, "bytes": path.stat().st_size}],
            "rows": table.num_rows,
            "quarantine": [],
            "fixes": [],
            "sources": {},
            "ingest": {"read": table.num_rows, "accepted": table.num_rows, "quarantined": 0, "sources": []},
            "totals": {"read": table.num_rows, "accepted": table.num_rows, "quarantined": 0, "duplicates": 0},
        }
        version = store.commit(name, staged, manifest)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return Written(name, version.snapshot_id, version.rows)


def _inputs(form: FormDefinition, hierarchy: Hierarchy, stamps: dict[date, Stamp]) -> dict[str, Any]:
    lasts = [last for _, _, last in stamps.values() if last is not None]
    return {
        "store": "survey_submissions",
        "form": form.reference,
        "org_units": hierarchy.origin,
        "assignments": sum(a for a, _, _ in stamps.values()),
        "submissions": sum(s for _, s, _ in stamps.values()),
        "last_submission_id": max(lasts) if lasts else None,
        "periods": {p.isoformat(): list(stamp) for p, stamp in sorted(stamps.items())},
    }


def _write_form(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    form: FormDefinition,
    *,
    whole: bool,
    now: datetime,
    trigger: str,
    by: str | None,
) -> list[Written]:
    """Write the form's datasets: whole, or only if stale and then only the stale periods rolled up again."""
    store = lake.get_lake(settings)
    names = datasets_of(form.id)
    schemas = {names[0]: _schema(form), INDUSTRY_DATASET: _schema(form, _INDUSTRY)}
    with ExitStack() as locks:
        for name in names:
            locks.enter_context(store.lock(name))
        versions = {name: store.current(name) for name in names}
        kept = {name: _kept_stamps(versions[name], form, hierarchy, schemas[name]) for name in names}
        usable = [k for k in kept.values() if k is not None]
        now_stamps = store_stamps(session, form.id)
        if whole or len(usable) < len(names) or any(k != usable[0] for k in usable):
            stale: set[date] | None = None
        else:
            old = usable[0]
            stale = {p for p in now_stamps.keys() | old.keys() if now_stamps.get(p) != old.get(p)}
            if not stale:
                return []
        rolled = roll_up(session, hierarchy, form, stale)
        stamps = (
            rolled.stamps
            if stale is None
            else {**{p: s for p, s in usable[0].items() if p not in stale}, **rolled.stamps}
        )
        about = {
            "title": f"{form.title.zh}（汇总）",
            "owner": "fugong.survey",
            "inputs": _inputs(form, hierarchy, stamps),
            "aggregation": {f.id: f.aggregation_text() for f in number_fields(form)},
            "trigger": {"reason": trigger, "by": by, "periods": None if stale is None else sorted(map(str, stale))},
            "aggregated_at": now.isoformat(timespec="seconds"),
        }
        written = []
        for name in names:
            rows = rolled.rows if name == names[0] else industry_rows(rolled.rows)
            table = _table(rows, schemas[name])
            version = versions[name]
            if stale is not None and version is not None:
                table = pa.concat_tables([_kept_rows(version, schemas[name], stale), table])
            title = about["title"] if name == names[0] else "规上工业企业复工率（县、周）"
            written.append(_commit(store, name, table, schemas[name], {**about, "title": title}))
    return written


def aggregate(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    form_ids: list[str],
    *,
    now: datetime | None = None,
    trigger: str = "cli",
    by: str | None = None,
) -> list[Written]:
    """Roll up each form's submissions into its lake datasets, whole (and the industry report into the resumption one).

    Each version's manifest names what it read (per period: assignments, submissions, the last submission id; every
    row lists its own submissions), how each field rolls up, and what started the run (``trigger``: cli, official,
    submission, demo).
    """
    if not form_ids:
        raise InvalidInput("give at least one form to aggregate", field="form")
    moment = now or datetime.now(UTC)
    written = []
    for form_id in form_ids:
        form = get_form(session, form_id)
        written += _write_form(session, settings, hierarchy, form, whole=True, now=moment, trigger=trigger, by=by)
    return written


def refresh(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    form_id: str,
    *,
    now: datetime,
    trigger: str,
    by: str | None,
) -> list[Written]:
    """Bring the form's datasets up to date, rolling up again only the periods that changed; [] if already fresh."""
    form = get_form(session, form_id)
    return _write_form(session, settings, hierarchy, form, whole=False, now=now, trigger=trigger, by=by)


def is_fresh(session: Session, settings: Settings, hierarchy: Hierarchy, form_id: str) -> bool:
    """True when every dataset of the form was written from the store's current assignments and submissions."""
    form = get_form(session, form_id)
    store = lake.get_lake(settings)
    now = store_stamps(session, form.id)
    for name in datasets_of(form.id):
        schema = _schema(form) if name == dataset_name(form.id) else _schema(form, _INDUSTRY)
        if _kept_stamps(store.current(name), form, hierarchy, schema) != now:
            return False
    return True


def figures(settings: Settings, form: FormDefinition, period: date, unit_codes: list[str]) -> dict[str, Any] | None:
    """The lake's rolled-up figures of ``form`` for ``period`` and the given units (None before any aggregation)."""
    version = lake.get_lake(settings).current(dataset_name(form.id))
    if version is None:
        return None
    kept = {e["name"] for e in version.manifest.get("schema", [])}
    fields = [f for f in number_fields(form) if f.id in kept]
    columns = ["unit_code", "units_assigned", "units_reported", *(f.id for f in fields)]
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT {', '.join(columns)} FROM ({lake.scan_sql(version)}) "
            "WHERE period = $period AND list_contains($codes, unit_code)",
            {"period": period, "codes": unit_codes},
        ).fetchall()
    return {
        "dataset": version.reference,
        "aggregated_at": version.manifest.get("aggregated_at"),
        "fields": [
            {"id": f.id, "label": f.label, "aggregate": f.aggregate.value if f.aggregate else None, "weight": f.weight}
            for f in fields
        ],
        "units": {row[0]: dict(zip(columns, row, strict=True)) for row in found},
    }


def trace(session: Session, settings: Settings, dataset: str, unit_code: str, period: date) -> dict[str, Any]:
    """The submissions behind one aggregate row: who reported what, when, and the lake snapshot read."""
    version = lake.get_lake(settings).require(dataset)
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT submission_ids FROM ({lake.scan_sql(version)}) WHERE unit_code = $unit AND period = $period",
            {"unit": unit_code, "period": period},
        ).fetchall()
    if not found:
        raise NotFound(f"{version.reference} has no row for {unit_code} on {period.isoformat()}", field="unit")
    ids = list(found[0][0] or [])
    subs = session.scalars(select(SurveySubmission).where(SurveySubmission.id.in_(ids)).order_by(SurveySubmission.id))
    return {
        "dataset": version.reference,
        "unit": unit_code,
        "period": period.isoformat(),
        "submissions": [
            {
                "id": s.id,
                "unit": s.assignment.unit_code,
                "form": f"{s.assignment.form_id}@v{s.form_version}",
                "submitted_by": s.submitted_by,
                "submitted_at": s.submitted_at.isoformat(timespec="seconds"),
                "late": s.late,
                "values": json.loads(s.answers),
            }
            for s in subs
        ],
    }
