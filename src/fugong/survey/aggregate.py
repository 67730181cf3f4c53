"""Aggregation (汇总): submitted figures summed up the hierarchy into lake datasets, each row naming its submissions.

``survey_<form>`` holds, per period and per unit from the form's level up to the province, the units assigned,
reported and late and the sum of every number field over the reports; ``survey_industry_resumption`` is the
weekly industry report per county and week with the resumed percentages the county resumption index reads. Each
dataset is rewritten whole as a new lake version through the hub's lake API, so readers pin a snapshot.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import InvalidInput, NotFound
from fugong.hub import lake
from fugong.settings import Settings
from fugong.survey.catalog import get_form
from fugong.survey.definitions import FieldKind, FormDefinition
from fugong.survey.models import SurveyAssignment, SurveySubmission
from fugong.survey.orgunits import LEVELS, Hierarchy

INDUSTRY_FORM = "industry_weekly"
INDUSTRY_DATASET = "survey_industry_resumption"
_BASE = (
    ("period", pa.date32(), "DATE"),
    ("unit_code", pa.string(), "VARCHAR"),
    ("unit_name", pa.string(), "VARCHAR"),
    ("level", pa.string(), "VARCHAR"),
    ("parent_code", pa.string(), "VARCHAR"),
    ("units_assigned", pa.int64(), "BIGINT"),
    ("units_reported", pa.int64(), "BIGINT"),
    ("units_late", pa.int64(), "BIGINT"),
)
_TRACE = (("form_versions", pa.string(), "VARCHAR"), ("submission_ids", pa.list_(pa.int64()), "BIGINT[]"))


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


def _number_fields(form: FormDefinition) -> list[tuple[str, bool]]:
    return [
        (f.id, f.kind is FieldKind.integer) for f in form.fields() if f.kind in (FieldKind.integer, FieldKind.number)
    ]


def roll_up_rows(session: Session, hierarchy: Hierarchy, form: FormDefinition) -> list[dict[str, Any]]:
    """One row per period and unit, from the form's level up to the province."""
    numbers = _number_fields(form)
    top = LEVELS.index(form.unit_level)
    groups: dict[tuple[date, str], dict[str, Any]] = {}
    rows = session.scalars(select(SurveyAssignment).where(SurveyAssignment.form_id == form.id))
    for a in rows:
        if a.unit_code not in hierarchy.units:
            continue
        chain = [hierarchy.units[a.unit_code], *hierarchy.ancestors(a.unit_code)]
        for unit in chain:
            if LEVELS.index(unit.level) > top:
                continue
            g = groups.setdefault(
                (a.period, unit.code),
                {
                    "period": a.period,
                    "unit_code": unit.code,
                    "unit_name": unit.name,
                    "level": unit.level,
                    "parent_code": unit.parent_code,
                    "units_assigned": 0,
                    "units_reported": 0,
                    "units_late": 0,
                    **{name: None for name, _ in numbers},
                    "versions": set(),
                    "submission_ids": [],
                },
            )
            g["units_assigned"] += 1
            sub: SurveySubmission | None = a.submission
            if sub is None:
                continue
            g["units_reported"] += 1
            g["units_late"] += int(sub.late)
            g["versions"].add(f"{form.id}@v{sub.form_version}")
            g["submission_ids"].append(sub.id)
            values = json.loads(sub.answers)
            for name, _ in numbers:
                if isinstance(values.get(name), int | float):
                    g[name] = (g[name] or 0) + values[name]
    out = []
    for key in sorted(groups):
        g = groups[key]
        g["form_versions"] = ",".join(sorted(g.pop("versions")))
        g["submission_ids"] = sorted(g["submission_ids"])
        out.append(g)
    return out


def _percent(part: Any, whole: Any) -> float | None:
    ok = isinstance(part, int | float) and isinstance(whole, int | float) and whole
    return round(100 * part / whole, 2) if ok else None


def industry_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counties that reported for a week, with the percent of enterprises resumed and of workers back.

    The columns are those the risk map's county resumption index reads (``county_code``, ``period``,
    ``resumption_rate`` in percent); a county with no report this week has no row rather than a guess.
    """
    found = []
    for r in rows:
        rate = _percent(r.get("enterprises_resumed"), r.get("enterprises_total"))
        if r["level"] == "county" and r["units_reported"] and rate is not None:
            returned = _percent(r.get("workers_returned"), r.get("workers_registered"))
            found.append({**r, "county_code": r["unit_code"], "resumption_rate": rate, "returned_rate": returned})
    return found


def _schema(form: FormDefinition, extra: tuple[tuple[str, Any, str], ...] = ()) -> list[tuple[str, Any, str]]:
    numbers = [
        (n, pa.int64() if is_int else pa.float64(), "BIGINT" if is_int else "DOUBLE")
        for n, is_int in _number_fields(form)
    ]
    return [*_BASE, *numbers, *extra, *_TRACE]


def write_dataset(
    settings: Settings, name: str, rows: list[dict[str, Any]], schema: list[tuple[str, Any, str]], about: dict[str, Any]
) -> Written:
    """Write ``rows`` as the next version of lake dataset ``name`` (atomically, under the dataset's lock)."""
    store = lake.get_lake(settings)
    arrow = pa.schema([(n, t) for n, t, _ in schema])
    table = pa.Table.from_pylist([{n: r.get(n) for n, _, _ in schema} for r in rows], schema=arrow)
    with store.lock(name):
        store.clean_leftovers(name)
        staged = store.staging(name)
        try:
            (staged / "data").mkdir()
            path = staged / "data" / "data_0.parquet"
            pq.write_table(table, path, compression="zstd")
            manifest: dict[str, Any] = {
                **about,
                "schema": [{"name": n, "type": sql, "personal": False} for n, _, sql in schema],
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


def aggregate(
    session: Session, settings: Settings, hierarchy: Hierarchy, form_ids: list[str], *, now: datetime | None = None
) -> list[Written]:
    """Roll up each form's submissions into its lake dataset (and the industry report into the resumption dataset)."""
    if not form_ids:
        raise InvalidInput("give at least one form to aggregate", field="form")
    written = []
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    for form_id in form_ids:
        form = get_form(session, form_id)
        rows = roll_up_rows(session, hierarchy, form)
        about = {
            "title": f"{form.title.zh}（汇总）",
            "owner": "fugong.survey",
            "inputs": {"store": "survey_submissions", "form": form.id, "org_units": hierarchy.origin},
            "aggregated_at": moment,
        }
        written.append(write_dataset(settings, dataset_name(form.id), rows, _schema(form), about))
        if form.id == INDUSTRY_FORM:
            extra = (
                ("county_code", pa.string(), "VARCHAR"),
                ("resumption_rate", pa.float64(), "DOUBLE"),
                ("returned_rate", pa.float64(), "DOUBLE"),
            )
            about = {**about, "title": "规上工业企业复工率（县、周）"}
            written.append(write_dataset(settings, INDUSTRY_DATASET, industry_rows(rows), _schema(form, extra), about))
    return written


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
