"""One function per thing a face does (page, API, CLI): load what it needs, call the core, shape the answer as JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import aggregate as aggregation
from fugong.survey import completeness as progress
from fugong.survey import freshness, service
from fugong.survey.catalog import all_forms, get_form, load_form
from fugong.survey.definitions import FormDefinition, read_form_file
from fugong.survey.orgunits import load_hierarchy
from fugong.survey.service import Outcome
from fugong.survey.xlsx import import_workbook, template


def _local(moment: datetime) -> str:
    """A time as people in the province read it (China time)."""
    return moment.astimezone(service.CHINA).strftime("%Y-%m-%d %H:%M")


def form_list(session: Session, locale: str) -> list[dict[str, Any]]:
    """Every form version: id, version, title, level, frequency."""
    return [
        {
            "id": f.id,
            "version": f.version,
            "title": f.title.in_locale(locale),
            "unit_level": f.unit_level,
            "frequency": f.frequency.value,
            "fields": sum(1 for _ in f.fields()),
            "rules": len(f.rules),
        }
        for (_, _), f in sorted(all_forms(session).items())
    ]


def definition_json(form: FormDefinition) -> dict[str, Any]:
    """A form as pages and clients read it: both languages, skip logic as CertLogic."""
    return {
        "id": form.id,
        "version": form.version,
        "reference": form.reference,
        "title": form.title.as_json(),
        "unit_level": form.unit_level,
        "frequency": form.frequency.value,
        "sections": [
            {
                "id": s.id,
                "title": s.title.as_json(),
                "fields": [
                    {
                        "id": f.id,
                        "kind": f.kind.value,
                        "label": f.label.as_json(),
                        "help": f.help.as_json() if f.help else None,
                        "required": f.required,
                        "min": f.minimum,
                        "max": f.maximum,
                        "choices": [{"value": c.value, "label": c.label.as_json()} for c in f.choices],
                        "only_if": f.only_if.source if f.only_if is not None else None,
                        "prefill": f.prefill,
                    }
                    for f in s.fields
                ],
            }
            for s in form.sections
        ],
        "rules": [{"id": r.id, "fields": list(r.fields), "message": r.message.as_json()} for r in form.rules],
    }


def form_json(session: Session, form_id: str, version: int | None) -> dict[str, Any]:
    return definition_json(get_form(session, form_id, version))


def assignment_list(
    session: Session, settings: Settings, me: Principal, now: datetime, locale: str
) -> list[dict[str, Any]]:
    """The caller's assignments with their state."""
    hierarchy = load_hierarchy(settings)
    found = []
    titles = {key: f.title.in_locale(locale) for key, f in all_forms(session).items()}
    for a in service.my_assignments(session, hierarchy, me):
        unit = hierarchy.units.get(a.unit_code)
        found.append(
            {
                "id": a.id,
                "form": a.form_id,
                "form_version": a.form_version,
                "title": titles.get((a.form_id, a.form_version), a.form_id),
                "unit": a.unit_code,
                "unit_name": unit.name if unit else a.unit_code,
                "period": a.period.isoformat(),
                "due_at": a.due_at.isoformat(timespec="minutes"),
                "due_local": _local(a.due_at),
                "status": progress.status_of(a, now),
            }
        )
    return found


def assignment_detail(
    session: Session, settings: Settings, me: Principal, assignment_id: int, now: datetime
) -> dict[str, Any]:
    """Everything the form page needs for one assignment."""
    hierarchy = load_hierarchy(settings)
    a = service.get_assignment(session, assignment_id)
    service.require_fill(session, hierarchy, me, a.unit_code)
    form = get_form(session, a.form_id, a.form_version)
    unit = hierarchy.get(a.unit_code)
    sub = a.submission
    return {
        "id": a.id,
        "form": definition_json(form),
        "unit": a.unit_code,
        "unit_name": unit.name,
        "unit_path": " · ".join(u.name for u in reversed(hierarchy.ancestors(a.unit_code)[:-1])),
        "period": a.period.isoformat(),
        "due_at": a.due_at.isoformat(timespec="minutes"),
        "due_local": _local(a.due_at),
        "status": progress.status_of(a, now),
        "draft": json.loads(a.draft.answers) if a.draft else None,
        "draft_version": a.draft.form_version if a.draft else None,
        "submitted": {
            "id": sub.id,
            "at": sub.submitted_at.isoformat(timespec="minutes"),
            "by": sub.submitted_by,
            "late": sub.late,
            "values": json.loads(sub.answers),
        }
        if sub
        else None,
        "prefill": {k: v.as_json() for k, v in service.hub_figures(settings, form, a).items()} if sub is None else {},
        "previous": service.previous_values(session, form, a),
    }


def save_draft(
    session: Session, settings: Settings, me: Principal, aid: int, values: dict[str, Any], version: int, now: datetime
) -> Outcome:
    return service.save_draft(session, settings, load_hierarchy(settings), me, aid, values, version, now=now)


def submit(
    session: Session,
    settings: Settings,
    me: Principal,
    aid: int,
    values: dict[str, Any],
    version: int,
    key: str,
    now: datetime,
    channel: str = "web",
) -> Outcome:
    hierarchy = load_hierarchy(settings)
    return service.submit(session, settings, hierarchy, me, aid, values, version, key, now=now, channel=channel)


def import_xlsx(
    session: Session, settings: Settings, me: Principal, form_id: str, content: bytes, now: datetime
) -> dict[str, Any]:
    form = get_form(session, form_id)
    return import_workbook(session, settings, load_hierarchy(settings), me, form, content, now=now).as_json()


def completeness(
    session: Session, settings: Settings, form_id: str, day: date, unit: str, now: datetime
) -> dict[str, Any]:
    form = get_form(session, form_id)
    return progress.roll_up(session, load_hierarchy(settings), form.id, form.period_of(day), unit, now)


def reminders(session: Session, settings: Settings, counties: list[str], now: datetime) -> list[dict[str, Any]]:
    return progress.reminders(session, load_hierarchy(settings), counties, now)


def corrections(session: Session, county: str | None) -> list[dict[str, Any]]:
    return service.corrections(session, county)


def trace(session: Session, settings: Settings, dataset: str, unit: str, day: date) -> dict[str, Any]:
    return aggregation.trace(session, settings, dataset, unit, day)


def load_form_file(session: Session, path: Path, by: str, now: datetime) -> dict[str, Any]:
    """Check a form file and keep it as a version (unchanged if exactly this version is already there)."""
    form = read_form_file(path)
    added = load_form(session, form, by=by, now=now)
    return {"form": form.reference, "loaded": added, "fields": sum(1 for _ in form.fields()), "rules": len(form.rules)}


def check_form_file(path: Path) -> dict[str, Any]:
    form = read_form_file(path)
    return {"form": form.reference, "fields": sum(1 for _ in form.fields()), "rules": len(form.rules)}


def assign(
    session: Session, settings: Settings, form_id: str, under: str, days: list[date], by: str, now: datetime
) -> dict[str, Any]:
    form = get_form(session, form_id)
    return service.assign(session, load_hierarchy(settings), form, under, days, by=by, now=now).as_json()


def set_worker(session: Session, settings: Settings, username: str, units: list[str]) -> list[str]:
    return service.set_worker_units(session, load_hierarchy(settings), username, units)


def aggregate(session: Session, settings: Settings, form_ids: list[str], now: datetime) -> list[dict[str, Any]]:
    written = aggregation.aggregate(session, settings, load_hierarchy(settings), form_ids, now=now, trigger="cli")
    return [w.as_json() for w in written]


def aggregate_now(session: Session, settings: Settings, me: Principal, form_id: str, now: datetime) -> dict[str, Any]:
    """An official's 汇总入湖: write the form's datasets unless the lake already holds every submission."""
    form = get_form(session, form_id)
    done = freshness.refresh(session, settings, form.id, trigger="official", by=me.username, now=now)
    return {"form": form.id, "datasets": done}


def after_submission(store: Store, settings: Settings, assignment_id: int, by: str) -> None:
    """Bring the lake up to date with a submitted report (run after the answer has gone out)."""
    with store.session() as session:
        form_id = service.get_assignment(session, assignment_id).form_id
    freshness.refresh_in_background(store, settings, form_id, by)


def after_import(store: Store, settings: Settings, form_id: str, by: str) -> None:
    freshness.refresh_in_background(store, settings, form_id, by)


def xlsx_template(session: Session, settings: Settings, me: Principal, form_id: str) -> tuple[str, bytes]:
    """The form's import template; a worker's copy has a row for each of their open reports of it."""
    form = get_form(session, form_id)
    rows: list[tuple[str, str, date]] = []
    if "grassroots" in me.roles:
        hierarchy = load_hierarchy(settings)
        for a in sorted(service.my_assignments(session, hierarchy, me), key=lambda a: (a.period, a.unit_code)):
            if a.form_id == form.id and a.submission is None:
                unit = hierarchy.units.get(a.unit_code)
                rows.append((a.unit_code, unit.name if unit else "", a.period))
    return f"{form.id}-v{form.version}.xlsx", template(form, rows)


def panel_rows(session: Session, settings: Settings, form_id: str, now: datetime) -> list[dict[str, Any]]:
    """Per county, the state of the form's latest assigned period (the dashboard panel)."""
    from sqlalchemy import func, select

    from fugong.survey.models import SurveyAssignment

    latest = session.scalar(select(func.max(SurveyAssignment.period)).where(SurveyAssignment.form_id == form_id))
    if latest is None:
        return []
    hierarchy = load_hierarchy(settings)
    top = hierarchy.at_level("province")[0].code
    rolled = progress.roll_up(session, hierarchy, form_id, latest, top, now)
    return [
        {"county": u["name"], "period": rolled["period"], **{s: u[s] for s in progress.STATUSES}}
        for u in rolled["units"]
        if u["level"] == "county"
    ]


def latest_period(session: Session, form_id: str) -> date | None:
    """The newest period the form is assigned for."""
    from sqlalchemy import func, select

    from fugong.survey.models import SurveyAssignment

    found: date | None = session.scalar(
        select(func.max(SurveyAssignment.period)).where(SurveyAssignment.form_id == form_id)
    )
    return found


def progress_page(
    session: Session, settings: Settings, me: Principal, form_id: str, day: date | None, now: datetime, locale: str
) -> dict[str, Any]:
    """What the progress page shows: the roll-up from the official's county (or the province) and the reminders."""
    form = get_form(session, form_id)
    hierarchy = load_hierarchy(settings)
    period = form.period_of(day) if day else latest_period(session, form_id)
    wide = me.is_admin or "analyst" in me.roles or not me.counties
    tops = [hierarchy.at_level("province")[0].code] if wide else sorted(me.counties)
    counties = sorted(me.counties) if not wide else [u.code for u in hierarchy.at_level("county")]
    units = (
        [u for top in tops for u in progress.roll_up(session, hierarchy, form.id, period, top, now)["units"]]
        if period
        else []
    )
    shown = [u for u in units if u["level"] in ("province", "city", "county", "township")]
    figures = aggregation.figures(settings, form, period, [u["code"] for u in shown]) if period else None
    return {
        "form": form.id,
        "forms": _newest_titles(session, locale),
        "title": form.title.in_locale(locale),
        "period": period.isoformat() if period else None,
        "units": shown,
        "reminders": [r for r in progress.reminders(session, hierarchy, counties, now) if r["form"] == form.id],
        "statuses": progress.STATUSES,
        "figures": _figures_shown(figures, locale),
        "fresh": aggregation.is_fresh(session, settings, hierarchy, form.id),
    }


def _newest_titles(session: Session, locale: str) -> list[dict[str, str]]:
    """Each form's id with its newest version's title."""
    newest: dict[str, str] = {}
    for (form_id, _), f in sorted(all_forms(session).items()):
        newest[form_id] = f.title.in_locale(locale)
    return [{"id": form_id, "title": title} for form_id, title in sorted(newest.items())]


def _figures_shown(found: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    if found is None:
        return None
    fields = [{**f, "label": f["label"].in_locale(locale)} for f in found["fields"]]
    return {**found, "fields": fields}
