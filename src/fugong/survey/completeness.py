"""Completeness and timeliness (填报进度): who has submitted, who is late, who has not started, rolled up the hierarchy.

An assignment is ``submitted`` (on time), ``late`` (submitted after it was due), ``overdue`` (due and not
submitted), ``in_progress`` (a draft, not yet due) or ``not_started``. Each unit above counts the assignments below it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.models import User
from fugong.survey.models import SurveyAssignment, SurveyWorker
from fugong.survey.orgunits import Hierarchy

STATUSES = ("submitted", "late", "overdue", "in_progress", "not_started")


def status_of(assignment: SurveyAssignment, now: datetime) -> str:
    """One assignment's state at ``now``."""
    if assignment.submission is not None:
        return "late" if assignment.submission.late else "submitted"
    if now > assignment.due_at:
        return "overdue"
    return "in_progress" if assignment.draft is not None else "not_started"


def code_prefix(hierarchy: Hierarchy, code: str) -> str:
    """The prefix every unit code below ``code`` shares (GB/T 2260: 2 digits a province, 4 a city)."""
    level = hierarchy.get(code).level
    return code[:2] if level == "province" else code[:4] if level == "city" else code


def _assignments(
    session: Session, hierarchy: Hierarchy, form_id: str, period: date, under: str
) -> list[SurveyAssignment]:
    query = select(SurveyAssignment).where(
        SurveyAssignment.form_id == form_id,
        SurveyAssignment.period == period,
        SurveyAssignment.unit_code.startswith(code_prefix(hierarchy, under)),
    )
    return list(session.scalars(query.order_by(SurveyAssignment.unit_code)))


def roll_up(
    session: Session, hierarchy: Hierarchy, form_id: str, period: date, under: str, now: datetime
) -> dict[str, Any]:
    """Counts per status for ``under`` and every unit between it and the assigned units, with the share on time."""
    rows = [
        a for a in _assignments(session, hierarchy, form_id, period, under) if hierarchy.contains(under, a.unit_code)
    ]
    counts: dict[str, Counter[str]] = {}
    for a in rows:
        status = status_of(a, now)
        chain = [a.unit_code, *(u.code for u in hierarchy.ancestors(a.unit_code))]
        for code in chain:
            counts.setdefault(code, Counter())[status] += 1
            if code == under:
                break
    units: list[dict[str, Any]] = []
    for code, counted in counts.items():
        unit = hierarchy.get(code)
        total = sum(counted.values())
        units.append(
            {
                "code": code,
                "name": unit.name,
                "level": unit.level,
                "parent": unit.parent_code,
                "assigned": total,
                **{s: counted.get(s, 0) for s in STATUSES},
                "on_time_share": round(counted.get("submitted", 0) / total, 4) if total else None,
            }
        )
    units.sort(key=lambda u: (len(str(u["code"])), str(u["code"])))
    return {
        "form": form_id,
        "period": period.isoformat(),
        "unit": under,
        "as_of": now.isoformat(timespec="seconds"),
        "units": units,
    }


def reminders(
    session: Session,
    hierarchy: Hierarchy,
    counties: list[str],
    now: datetime,
    within: timedelta = timedelta(hours=6),
) -> list[dict[str, Any]]:
    """Open assignments in ``counties`` that are overdue or due within ``within``, with the workers to remind."""
    if not counties:
        return []
    query = select(SurveyAssignment).where(
        SurveyAssignment.county_code.in_(counties), SurveyAssignment.due_at <= now + within
    )
    open_ = [a for a in session.scalars(query.order_by(SurveyAssignment.due_at)) if a.submission is None]
    workers: dict[str, list[str]] = {}
    for user, held in session.execute(select(User.username, SurveyWorker.unit_code).join(SurveyWorker)):
        workers.setdefault(held, []).append(user)
    found = []
    for a in open_:
        unit = hierarchy.units.get(a.unit_code)
        chain = [a.unit_code, *(u.code for u in hierarchy.ancestors(a.unit_code))] if unit else [a.unit_code]
        found.append(
            {
                "form": a.form_id,
                "period": a.period.isoformat(),
                "unit": a.unit_code,
                "name": unit.name if unit else a.unit_code,
                "county": a.county_code,
                "status": status_of(a, now),
                "due_at": a.due_at.isoformat(timespec="minutes"),
                "workers": sorted({w for code in chain for w in workers.get(code, [])}),
            }
        )
    return found
