"""Filling forms (填报): who fills what, drafts that keep the valid part, idempotent submission, hub corrections.

A grassroots worker fills forms only for the org units they hold (or units below them). A submission closes its
period; the client's idempotency key makes a submission resent after a dropped connection a no-op, not a second
report. Every error names its problem; the valid part of what was entered is always kept as the draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.auth.models import User
from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound
from fugong.geo import load_gazetteer
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings
from fugong.survey.catalog import get_form
from fugong.survey.definitions import FormDefinition
from fugong.survey.models import SurveyAssignment, SurveyCorrection, SurveyDraft, SurveySubmission, SurveyWorker
from fugong.survey.orgunits import Hierarchy
from fugong.survey.prefill import Prefilled, prefill
from fugong.survey.validation import Checked, Problem, Resolvers, check_values

CHINA = ZoneInfo("Asia/Shanghai")
MAX_KEY_LENGTH = 64


class PeriodClosed(Conflict):
    """The form was already submitted for this unit and period."""

    code = "period_closed"


class FormVersionChanged(Conflict):
    """The form changed since the draft was started: the worker must look at the new version first."""

    code = "form_version_changed"


class NotYourUnit(Forbidden):
    """The org unit is not one the worker holds."""

    code = "not_your_unit"


class UnknownAssignment(NotFound):
    """No such assignment."""

    code = "unknown_assignment"


@dataclass
class Outcome:
    """What saving or submitting did: ``draft_saved``, ``invalid``, ``submitted`` or ``already_submitted``."""

    status: str
    assignment_id: int
    checked: Checked | None = None
    submission_id: int | None = None
    corrections: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems if self.checked else []

    def as_json(self, locale: str = "zh_CN") -> dict[str, Any]:
        return {
            "status": self.status,
            "assignment_id": self.assignment_id,
            "submission_id": self.submission_id,
            "values": self.checked.values if self.checked else None,
            "hidden": self.checked.hidden if self.checked else [],
            "problems": [p.as_json(locale) for p in self.problems],
            "corrections": self.corrections,
        }


def due_at(form: FormDefinition, period: date) -> datetime:
    """When a period's report is due (China time on the form's due day and hour), in UTC."""
    local = datetime.combine(period + timedelta(days=form.due_day), time(form.due_hour), CHINA)
    return local.astimezone(UTC)


def resolvers(settings: Settings) -> Resolvers:
    """Region fields by the province's gazetteer; person and enterprise fields by the hub's keyed pseudonyms."""
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    keys = pseudonymiser(settings)
    return Resolvers(
        region=lambda text: gazetteer.lookup(text, level="county").code,
        person=keys.person,
        enterprise=keys.enterprise,
    )


# --- who fills what -------------------------------------------------------------------------------------------


def set_worker_units(session: Session, hierarchy: Hierarchy, username: str, unit_codes: list[str]) -> list[str]:
    """Give a grassroots worker the townships or villages they fill forms for (replacing the earlier ones)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    if Role.grassroots not in {r.role for r in user.roles}:
        raise InvalidInput(f"{username!r} does not hold the role grassroots (基层工作人员)", field="username")
    if not unit_codes:
        raise InvalidInput("give at least one township or village code", field="units")
    for code in unit_codes:
        unit = hierarchy.get(code)
        if unit.level not in ("township", "village"):
            raise InvalidInput(f"{code} {unit.name} is a {unit.level}: give townships or villages", field="units")
    for row in session.scalars(select(SurveyWorker).where(SurveyWorker.user_id == user.id)):
        session.delete(row)
    session.flush()
    for code in sorted(set(unit_codes)):
        session.add(SurveyWorker(user_id=user.id, unit_code=code))
    session.flush()
    return sorted(set(unit_codes))


def worker_units(session: Session, user_id: int) -> list[str]:
    """The unit codes a worker holds."""
    return list(session.scalars(select(SurveyWorker.unit_code).where(SurveyWorker.user_id == user_id)))


def may_fill(session: Session, hierarchy: Hierarchy, principal: Principal, unit_code: str) -> bool:
    """An admin, or a grassroots worker holding the unit or a unit above it."""
    if principal.is_admin:
        return True
    if Role.grassroots not in principal.roles:
        return False
    return any(hierarchy.contains(held, unit_code) for held in worker_units(session, principal.user_id))


def require_fill(session: Session, hierarchy: Hierarchy, principal: Principal, unit_code: str) -> None:
    """Refuse a unit the caller does not hold, naming it."""
    if not may_fill(session, hierarchy, principal, unit_code):
        name = hierarchy.units[unit_code].name if unit_code in hierarchy.units else unit_code
        raise NotYourUnit(
            f"{unit_code} {name} is not one of the units {principal.username!r} fills forms for", field="unit"
        )


# --- assignments ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    """Counts of an assignment run."""

    form: str
    units: int
    periods: list[str]
    created: int
    updated: int
    unchanged: int

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def assign(
    session: Session,
    hierarchy: Hierarchy,
    form: FormDefinition,
    under: str,
    days: list[date],
    *,
    by: str,
    now: datetime,
) -> Assigned:
    """Assign ``form`` to every unit of its level under ``under`` for the periods holding ``days``.

    An open assignment moves to this version of the form (its drafts then report the change); a submitted one stays.
    """
    units = hierarchy.at_level(form.unit_level, under)  # type: ignore[arg-type]
    if not units:
        top = hierarchy.get(under)
        raise InvalidInput(f"{under} {top.name} has no {form.unit_level} units to assign {form.id} to", field="unit")
    if not days:
        raise InvalidInput("give at least one day", field="period")
    periods = sorted({form.period_of(d) for d in days})
    existing = {
        (a.unit_code, a.period): a
        for a in session.scalars(
            select(SurveyAssignment).where(SurveyAssignment.form_id == form.id, SurveyAssignment.period.in_(periods))
        )
    }
    created = updated = unchanged = 0
    for unit in units:
        for period in periods:
            found = existing.get((unit.code, period))
            if found is None:
                session.add(
                    SurveyAssignment(
                        form_id=form.id,
                        form_version=form.version,
                        unit_code=unit.code,
                        county_code=unit.county_code or unit.code[:6],
                        period=period,
                        due_at=due_at(form, period),
                        assigned_by=by,
                        assigned_at=now,
                    )
                )
                created += 1
            elif found.submission is None and found.form_version != form.version:
                found.form_version = form.version
                found.due_at = due_at(form, period)
                updated += 1
            else:
                unchanged += 1
    session.flush()
    return Assigned(form.reference, len(units), [p.isoformat() for p in periods], created, updated, unchanged)


def get_assignment(session: Session, assignment_id: int) -> SurveyAssignment:
    found = session.get(SurveyAssignment, assignment_id)
    if found is None:
        raise UnknownAssignment(f"no assignment {assignment_id}", field="assignment")
    return found


def find_assignment(session: Session, form_id: str, unit_code: str, period: date) -> SurveyAssignment:
    """The assignment of a form to a unit for the period holding ``period``; a clear error if there is none."""
    form = get_form(session, form_id)
    start = form.period_of(period)
    found = session.scalar(
        select(SurveyAssignment).where(
            SurveyAssignment.form_id == form_id,
            SurveyAssignment.unit_code == unit_code,
            SurveyAssignment.period == start,
        )
    )
    if found is None:
        raise UnknownAssignment(f"{form_id} is not assigned to {unit_code} for {start.isoformat()}", field="period")
    return found


def my_assignments(session: Session, hierarchy: Hierarchy, principal: Principal) -> list[SurveyAssignment]:
    """The assignments of the units the caller holds, newest period first."""
    held = worker_units(session, principal.user_id)
    codes = set(held)
    for code in held:
        codes.update(u.code for u in hierarchy.descendants(code))
    if not codes:
        return []
    rows = session.scalars(
        select(SurveyAssignment)
        .where(SurveyAssignment.unit_code.in_(sorted(codes)))
        .order_by(SurveyAssignment.period.desc(), SurveyAssignment.unit_code, SurveyAssignment.form_id)
    )
    return list(rows)


# --- context of a form: previous period, other forms, hub figures ---------------------------------------------


def _answers(submission: SurveySubmission | None) -> dict[str, Any] | None:
    return json.loads(submission.answers) if submission is not None else None


def previous_values(session: Session, form: FormDefinition, assignment: SurveyAssignment) -> dict[str, Any] | None:
    """The same unit's submitted values of the period before (None if it was not submitted)."""
    before = session.scalar(
        select(SurveyAssignment).where(
            SurveyAssignment.form_id == form.id,
            SurveyAssignment.unit_code == assignment.unit_code,
            SurveyAssignment.period == form.previous_period(assignment.period),
        )
    )
    return _answers(before.submission) if before is not None else None


def other_forms(session: Session, assignment: SurveyAssignment) -> dict[str, dict[str, Any]]:
    """The unit's latest submitted values of every other form, up to this period."""
    found: dict[str, dict[str, Any]] = {}
    rows = session.scalars(
        select(SurveyAssignment)
        .where(
            SurveyAssignment.unit_code == assignment.unit_code,
            SurveyAssignment.form_id != assignment.form_id,
            SurveyAssignment.period <= assignment.period,
        )
        .order_by(SurveyAssignment.period)
    )
    for row in rows:
        if row.submission is not None:
            found[row.form_id] = json.loads(row.submission.answers)
    return found


def hub_figures(settings: Settings, form: FormDefinition, assignment: SurveyAssignment) -> dict[str, Prefilled]:
    """The hub's figures for the form's pre-filled fields."""
    return prefill(settings, form, assignment.unit_code, assignment.period)


def check(
    session: Session, settings: Settings, form: FormDefinition, assignment: SurveyAssignment, raw: dict[str, Any]
) -> Checked:
    """Check values for an assignment, with its previous period and the unit's other forms."""
    return check_values(
        form,
        raw,
        resolvers(settings),
        previous=previous_values(session, form, assignment),
        forms=other_forms(session, assignment),
    )


# --- drafts and submissions -----------------------------------------------------------------------------------


def _keep_draft(
    session: Session, assignment: SurveyAssignment, values: dict[str, Any], version: int, by: str, now: datetime
) -> None:
    body = json.dumps(values, ensure_ascii=False, sort_keys=True)
    if assignment.draft is None:
        assignment.draft = SurveyDraft(form_version=version, answers=body, saved_by=by, saved_at=now)
    else:
        assignment.draft.form_version, assignment.draft.answers = version, body
        assignment.draft.saved_by, assignment.draft.saved_at = by, now
    session.flush()


def _open_for(
    session: Session, hierarchy: Hierarchy, principal: Principal, assignment_id: int, form_version: int
) -> tuple[SurveyAssignment, FormDefinition]:
    assignment = get_assignment(session, assignment_id)
    require_fill(session, hierarchy, principal, assignment.unit_code)
    return assignment, get_form(session, assignment.form_id, assignment.form_version)


def _closed(assignment: SurveyAssignment) -> PeriodClosed:
    sub = assignment.submission
    assert sub is not None
    return PeriodClosed(
        f"{assignment.form_id} for {assignment.unit_code} on {assignment.period.isoformat()} was already submitted "
        f"by {sub.submitted_by} at {sub.submitted_at.isoformat(timespec='minutes')}; the period is closed",
        field="period",
    )


def _version_changed(assignment: SurveyAssignment, form_version: int) -> FormVersionChanged:
    return FormVersionChanged(
        f"the form {assignment.form_id} changed from version {form_version} to {assignment.form_version} since the "
        "draft was started: reload the form, check the values kept from the draft, then submit",
        field="form_version",
    )


def save_draft(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    principal: Principal,
    assignment_id: int,
    raw: dict[str, Any],
    form_version: int,
    *,
    now: datetime,
) -> Outcome:
    """Keep the valid part of ``raw`` as the draft, and say what is still wrong or missing."""
    assignment, form = _open_for(session, hierarchy, principal, assignment_id, form_version)
    if assignment.submission is not None:
        raise _closed(assignment)
    checked = check(session, settings, form, assignment, raw)
    _keep_draft(session, assignment, checked.values, form_version, principal.username, now)
    if form_version != assignment.form_version:
        session.commit()  # the draft is kept although the request fails
        raise _version_changed(assignment, form_version)
    return Outcome("draft_saved", assignment.id, checked)


def _check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"the idempotency key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters", field="idempotency_key"
        )
    return key


def submit(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    principal: Principal,
    assignment_id: int,
    raw: dict[str, Any],
    form_version: int,
    idempotency_key: str,
    *,
    now: datetime,
    channel: str = "web",
) -> Outcome:
    """Submit the form: once per key (a resent submission returns the first), once per period.

    Values that fail a check are not submitted: the valid part is kept as the draft and the problems returned.
    """
    key = _check_key(idempotency_key)
    replay = session.scalar(select(SurveySubmission).where(SurveySubmission.idempotency_key == key))
    if replay is not None:
        if replay.assignment_id != assignment_id:
            raise Conflict(f"idempotency key {key!r} was used for another form", field="idempotency_key")
        require_fill(session, hierarchy, principal, replay.assignment.unit_code)
        return Outcome("already_submitted", assignment_id, None, replay.id)
    assignment, form = _open_for(session, hierarchy, principal, assignment_id, form_version)
    if assignment.submission is not None:
        raise _closed(assignment)
    checked = check(session, settings, form, assignment, raw)
    if form_version != assignment.form_version:
        _keep_draft(session, assignment, checked.values, form_version, principal.username, now)
        session.commit()  # the draft is kept although the request fails
        raise _version_changed(assignment, form_version)
    if not checked.ok:
        _keep_draft(session, assignment, checked.values, form_version, principal.username, now)
        return Outcome("invalid", assignment.id, checked)
    figures = hub_figures(settings, form, assignment)
    submission = SurveySubmission(
        assignment_id=assignment.id,
        form_version=form.version,
        answers=json.dumps(checked.values, ensure_ascii=False, sort_keys=True),
        prefill=json.dumps({k: v.as_json() for k, v in figures.items()}, ensure_ascii=False, sort_keys=True),
        idempotency_key=key,
        channel=channel,
        late=now > assignment.due_at,
        submitted_by=principal.username,
        submitted_at=now,
    )
    session.add(submission)
    if assignment.draft is not None:
        session.delete(assignment.draft)
    try:
        session.flush()
    except IntegrityError:
        # Two sends raced past the checks above (a double tap, a retry): the other one holds the period.
        raise Conflict(
            f"{assignment.form_id} for {assignment.unit_code} was submitted at the same moment by another request; "
            "reload to see it",
            field="idempotency_key",
        ) from None
    corrected = []
    for field_id, figure in figures.items():
        reported = checked.values.get(field_id)
        if reported is not None and reported != figure.value:
            session.add(
                SurveyCorrection(
                    submission_id=submission.id,
                    field=field_id,
                    hub_value=json.dumps(figure.value),
                    reported_value=json.dumps(reported),
                    source=figure.source[:200],
                    unit_code=assignment.unit_code,
                    recorded_at=now,
                )
            )
            corrected.append(field_id)
    session.flush()
    session.expire(assignment, ["submission", "draft"])
    return Outcome("submitted", assignment.id, checked, submission.id, corrected)


def corrections(session: Session, county: str | None = None) -> list[dict[str, Any]]:
    """Corrections of the hub's pre-filled figures (data-quality signals), newest first."""
    query = select(SurveyCorrection).order_by(SurveyCorrection.recorded_at.desc(), SurveyCorrection.id.desc())
    if county is not None:
        query = query.where(SurveyCorrection.unit_code.startswith(county))
    return [
        {
            "unit": c.unit_code,
            "field": c.field,
            "hub_value": json.loads(c.hub_value),
            "reported_value": json.loads(c.reported_value),
            "source": c.source,
            "submission_id": c.submission_id,
            "recorded_at": c.recorded_at.isoformat(timespec="seconds"),
        }
        for c in session.scalars(query)
    ]
