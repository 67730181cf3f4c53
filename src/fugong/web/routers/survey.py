"""Grassroots forms over HTTP: the worker's assignments, the form page, drafts, submissions, XLSX import, progress."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, StrictInt

from fugong.auth import Principal, require_roles
from fugong.auth.deps import now
from fugong.errors import Forbidden, InvalidInput
from fugong.store import DbSession, request_store
from fugong.survey import operations as ops
from fugong.survey.service import Outcome
from fugong.web.i18n import current_locale
from fugong.web.templating import render

router = APIRouter(tags=["survey"])
Worker = Annotated[Principal, Depends(require_roles("grassroots"))]
Reader = Annotated[Principal, Depends(require_roles("grassroots", "county_official", "analyst"))]
Official = Annotated[Principal, Depends(require_roles("county_official", "analyst"))]
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_UPLOAD_BYTES = 10 << 20


class DraftBody(BaseModel):
    """What the page sends: the values typed so far and the form version they were typed against."""

    values: dict[str, Any]
    form_version: StrictInt = Field(ge=1)


class SubmitBody(DraftBody):
    """A submission: the values, the form version and the key that makes a resend harmless."""

    idempotency_key: str = Field(min_length=1, max_length=64)


def _day(text: str | None, name: str = "period") -> date:
    # Parsed by hand: pydantic would take "0" or a timestamp as a date (PITFALLS.md).
    if not text or not _ISO_DAY.match(text):
        raise InvalidInput(f"{name} must be a day written YYYY-MM-DD (e.g. 2020-02-10), not {text!r}", field=name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} {text!r} is not a calendar day", field=name) from None


def _outcome(outcome: Outcome) -> JSONResponse:
    body = outcome.as_json(current_locale())
    if outcome.status != "invalid":
        return JSONResponse(body, status_code=201 if outcome.status == "submitted" else 200)
    first = outcome.problems[0]
    detail = "; ".join(p.message.in_locale(current_locale()) for p in outcome.problems)
    return JSONResponse({"error": "invalid_values", "detail": detail, "field": first.field, **body}, status_code=422)


@router.get("/api/survey/forms")
def forms(request: Request, session: DbSession, _: Reader) -> list[dict[str, Any]]:
    """Every form version in use: shipped and loaded by officials."""
    return ops.form_list(session, current_locale())


@router.get("/api/survey/forms/{form_id}")
def form(session: DbSession, _: Reader, form_id: str, version: int | None = None) -> dict[str, Any]:
    """One form's definition as JSON (the newest version unless ``version`` is given)."""
    return ops.form_json(session, form_id, version)


@router.get("/api/survey/forms/{form_id}/template.xlsx")
def form_template(request: Request, session: DbSession, me: Reader, form_id: str) -> Response:
    """A blank XLSX for the import: 单位代码, 单位名称, 日期 and the form's fields (a worker's rows filled in)."""
    name, content = ops.xlsx_template(session, request.app.state.settings, me, form_id)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/survey/assignments")
def assignments(request: Request, session: DbSession, me: Worker) -> list[dict[str, Any]]:
    """The caller's assignments with their state, newest period first."""
    return ops.assignment_list(session, request.app.state.settings, me, now(request), current_locale())


@router.get("/api/survey/assignments/{assignment_id}")
def assignment(request: Request, session: DbSession, me: Worker, assignment_id: int) -> dict[str, Any]:
    """One assignment: its form, state, draft, the hub's pre-filled figures and the previous period's values."""
    return ops.assignment_detail(session, request.app.state.settings, me, assignment_id, now(request))


@router.put("/api/survey/assignments/{assignment_id}/draft")
def save_draft(request: Request, session: DbSession, me: Worker, assignment_id: int, body: DraftBody) -> JSONResponse:
    """Keep the valid part of the values as the draft; the answer lists what is still wrong or missing."""
    outcome = ops.save_draft(
        session, request.app.state.settings, me, assignment_id, body.values, body.form_version, now(request)
    )
    return _outcome(outcome)


@router.post("/api/survey/assignments/{assignment_id}/submit")
def submit(
    request: Request, session: DbSession, me: Worker, assignment_id: int, body: SubmitBody, tasks: BackgroundTasks
) -> JSONResponse:
    """Submit once: 201 the first time, 200 ``already_submitted`` when resent with the same key, 422 with problems.

    After a 201 the form's lake datasets are brought up to date once the answer has gone out.
    """
    outcome = ops.submit(
        session,
        request.app.state.settings,
        me,
        assignment_id,
        body.values,
        body.form_version,
        body.idempotency_key,
        now(request),
    )
    if outcome.status == "submitted":
        settings = request.app.state.settings
        tasks.add_task(ops.after_submission, request_store(request), settings, assignment_id, me.username)
    return _outcome(outcome)


@router.post("/api/survey/import")
async def import_xlsx(
    request: Request, session: DbSession, me: Worker, file: UploadFile, form: str, tasks: BackgroundTasks
) -> dict[str, Any]:
    """Submit the rows of an XLSX file for the form ``form``; the answer gives each row's result."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"the file is over {MAX_UPLOAD_BYTES >> 20} MiB", field="file")
    report = ops.import_xlsx(session, request.app.state.settings, me, form, content, now(request))
    if report["submitted"]:
        tasks.add_task(ops.after_import, request_store(request), request.app.state.settings, form, me.username)
    return report


@router.post("/api/survey/aggregate")
def aggregate(request: Request, session: DbSession, me: Official, form: str) -> dict[str, Any]:
    """汇总入湖: write the form's lake datasets now, unless they already hold every submission (then ``unchanged``)."""
    return ops.aggregate_now(session, request.app.state.settings, me, form, now(request))


@router.get("/api/survey/completeness")
def completeness(
    request: Request, session: DbSession, me: Official, form: str, period: str, unit: str | None = None
) -> dict[str, Any]:
    """Submitted, late, overdue, in progress and not started per unit, rolled up from ``unit`` down.

    ``unit`` defaults to the province for analysts and to the first of a county official's counties.
    """
    day = _day(period)
    wide = me.is_admin or "analyst" in me.roles
    top = unit or ("330000" if wide or not me.counties else sorted(me.counties)[0])
    _scope(me, top)
    return ops.completeness(session, request.app.state.settings, form, day, top, now(request))


@router.get("/api/survey/panel")
def panel(request: Request, session: DbSession, _: Official, form: str = "village_daily") -> list[dict[str, Any]]:
    """Per county: submitted, late, overdue, in progress, not started for the form's latest period."""
    return ops.panel_rows(session, request.app.state.settings, form, now(request))


@router.get("/api/survey/reminders")
def reminders(request: Request, session: DbSession, me: Official, county: str | None = None) -> list[dict[str, Any]]:
    """Open assignments due within six hours or overdue, in the official's counties, with the workers to remind."""
    counties = sorted(me.counties) if county is None else [county]
    for code in counties:
        _scope(me, code)
    return ops.reminders(session, request.app.state.settings, counties, now(request))


@router.get("/api/survey/corrections")
def corrections(session: DbSession, me: Official, county: str | None = None) -> list[dict[str, Any]]:
    """Workers' corrections of the hub's pre-filled figures (data-quality signals)."""
    if county is not None:
        _scope(me, county)
    elif not me.is_admin and "analyst" not in me.roles:
        raise InvalidInput("give county=<code>: one of your counties", field="county")
    return ops.corrections(session, county)


@router.get("/api/survey/trace")
def trace(request: Request, session: DbSession, _: Official, dataset: str, unit: str, period: str) -> dict[str, Any]:
    """The submissions behind one row of an aggregate dataset."""
    return ops.trace(session, request.app.state.settings, dataset, unit, _day(period))


def _scope(me: Principal, unit: str) -> None:
    if me.is_admin or "analyst" in me.roles:
        return
    if not any(unit.startswith(c) for c in me.counties):
        raise Forbidden(f"{unit} is outside your counties ({', '.join(sorted(me.counties)) or 'none'})", field="unit")


@router.get("/survey", response_class=HTMLResponse, include_in_schema=False)
def my_forms(request: Request, session: DbSession, me: Worker) -> HTMLResponse:
    """The worker's forms to fill: today's first."""
    rows = ops.assignment_list(session, request.app.state.settings, me, now(request), current_locale())
    forms = [{"id": f, "title": t} for f, t in sorted({a["form"]: a["title"] for a in rows}.items())]
    return render(request, "survey/list.html", {"assignments": rows, "forms": forms})


@router.get("/survey/fill/{assignment_id}", response_class=HTMLResponse, include_in_schema=False)
def fill(request: Request, session: DbSession, me: Worker, assignment_id: int) -> HTMLResponse:
    """The form page (works on a phone; keeps a draft offline and submits once when the connection returns)."""
    detail = ops.assignment_detail(session, request.app.state.settings, me, assignment_id, now(request))
    return render(request, "survey/fill.html", {"a": detail, "locale": current_locale()})


@router.get("/survey/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_page(
    request: Request, session: DbSession, me: Official, form: str = "village_daily", period: str | None = None
) -> HTMLResponse:
    """Who has reported, who is late, who has not started, and whom to remind: for county staff."""
    day = _day(period) if period else None
    shown = ops.progress_page(session, request.app.state.settings, me, form, day, now(request), current_locale())
    return render(request, "survey/progress.html", {"p": shown})
