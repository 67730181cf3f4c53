"""Rolling a form's reports up the hierarchy (逐级汇总): each number field as its definition says, unit by unit.

A count is summed; a percent is a plain mean over the reports or a mean weighted by a summed field (capacity back
weighted by enterprises); a field marked ``none`` stays with its reporting unit. The weekly industry report also
gives each county's resumption rate with the share of its townships behind it (``coverage``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.survey.definitions import Aggregation, FormDefinition, FormField
from fugong.survey.models import SurveyAssignment, SurveySubmission
from fugong.survey.orgunits import LEVELS, Hierarchy

Stamp = tuple[int, int, int | None]  # assignments, submissions, last submission id: what a period's rows were read from


def number_fields(form: FormDefinition) -> list[FormField]:
    return [f for f in form.fields() if f.aggregate is not None]


@dataclass
class _Figure:
    """What one unit's reports add up to for one field: a total, or the two sums of a (weighted) mean."""

    total: float = 0
    weights: float = 0
    seen: bool = False

    def add(self, spec: FormField, values: dict[str, Any]) -> None:
        value = values.get(spec.id)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        weight = values.get(spec.weight) if spec.weight else 1
        if spec.aggregate is Aggregation.mean:
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                return  # a report without its weight cannot count in a weighted mean
            self.total += value * weight
            self.weights += weight
        else:
            self.total += value
        self.seen = True

    def merge(self, other: _Figure) -> None:
        self.total += other.total
        self.weights += other.weights
        self.seen = self.seen or other.seen

    def value(self, spec: FormField, own_level: bool) -> float | int | None:
        if not self.seen:
            return None
        if spec.aggregate is Aggregation.mean:
            return round(self.total / self.weights, 2) if self.weights else None
        if spec.aggregate is Aggregation.none and not own_level:
            return None
        return self.total


@dataclass
class _Group:
    """One unit and period: its counts, figures, form versions and submissions, before it becomes a row."""

    assigned: int = 0
    reported: int = 0
    late: int = 0
    figures: dict[str, _Figure] = field(default_factory=dict)
    versions: set[str] = field(default_factory=set)
    ids: list[int] = field(default_factory=list)

    def merge(self, other: _Group) -> None:
        self.assigned += other.assigned
        self.reported += other.reported
        self.late += other.late
        for name, figure in other.figures.items():
            self.figures.setdefault(name, _Figure()).merge(figure)
        self.versions |= other.versions
        self.ids.extend(other.ids)


@dataclass
class RollUp:
    """A form's roll-up and what it read: per period, the assignments, the submissions and the last submission id."""

    rows: list[dict[str, Any]]
    stamps: dict[date, Stamp]


def roll_up(
    session: Session, hierarchy: Hierarchy, form: FormDefinition, periods: Collection[date] | None = None
) -> RollUp:
    """One row per period and unit, from the form's level up to the province, each field by its aggregation.

    ``periods`` limits the roll-up to those periods (all when None).

    Each assigned unit is added up once, then each unit's sums go to its parent, level by level, so the cost grows
    with the assignments, not with the assignments times the levels above them.
    """
    numbers = number_fields(form)
    query = (
        select(
            SurveyAssignment.unit_code,
            SurveyAssignment.period,
            SurveySubmission.id,
            SurveySubmission.late,
            SurveySubmission.form_version,
            SurveySubmission.answers,
        )
        .outerjoin(SurveySubmission, SurveySubmission.assignment_id == SurveyAssignment.id)
        .where(SurveyAssignment.form_id == form.id)
    )
    if periods is not None:
        query = query.where(SurveyAssignment.period.in_(sorted(periods)))
    groups: dict[tuple[date, str], _Group] = {}
    stamps: dict[date, Stamp] = {}
    for code, period, sub_id, late, version, answers in session.execute(query):
        assigned, submitted, last = stamps.get(period, (0, 0, None))
        if sub_id is not None:
            submitted, last = submitted + 1, max(last or 0, sub_id)
        stamps[period] = (assigned + 1, submitted, last)
        if code not in hierarchy.units:
            continue
        g = groups.setdefault((period, code), _Group(figures={f.id: _Figure() for f in numbers}))
        g.assigned += 1
        if sub_id is None:
            continue
        g.reported += 1
        g.late += int(late)
        g.versions.add(f"{form.id}@v{version}")
        g.ids.append(sub_id)
        values = json.loads(answers)
        for f in numbers:
            g.figures[f.id].add(f, values)
    for level in reversed(LEVELS[1 : LEVELS.index(form.unit_level) + 1]):
        for (period, code), g in [(k, g) for k, g in groups.items() if hierarchy.units[k[1]].level == level]:
            parent = hierarchy.units[code].parent_code
            if parent is not None and parent in hierarchy.units:
                groups.setdefault((period, parent), _Group()).merge(g)
    out = []
    for period, code in sorted(groups):
        g, unit = groups[(period, code)], hierarchy.units[code]
        own = unit.level == form.unit_level
        row: dict[str, Any] = {
            "period": period,
            "unit_code": code,
            "unit_name": unit.name,
            "level": unit.level,
            "parent_code": unit.parent_code,
            "units_assigned": g.assigned,
            "units_reported": g.reported,
            "units_late": g.late,
        }
        row.update({f.id: g.figures.get(f.id, _Figure()).value(f, own) for f in numbers})
        row["form_versions"] = ",".join(sorted(g.versions))
        row["submission_ids"] = sorted(g.ids)
        out.append(row)
    return RollUp(out, stamps)


def _percent(part: Any, whole: Any) -> float | None:
    ok = isinstance(part, int | float) and isinstance(whole, int | float) and whole
    return round(100 * part / whole, 2) if ok else None


def industry_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counties that reported for a week, with the percent of enterprises resumed and of workers back.

    The columns are those the risk map's county resumption index reads (``county_code``, ``period``,
    ``resumption_rate`` in percent); a county with no report this week has no row rather than a guess. ``coverage``
    (townships reported / townships assigned, 0 to 1) says how much of the county the rate stands for.
    """
    found = []
    for r in rows:
        rate = _percent(r.get("enterprises_resumed"), r.get("enterprises_total"))
        if r["level"] == "county" and r["units_reported"] and rate is not None:
            returned = _percent(r.get("workers_returned"), r.get("workers_registered"))
            coverage = round(r["units_reported"] / r["units_assigned"], 4)
            found.append(
                {
                    **r,
                    "county_code": r["unit_code"],
                    "resumption_rate": rate,
                    "returned_rate": returned,
                    "coverage": coverage,
                }
            )
    return found
