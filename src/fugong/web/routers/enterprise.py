"""The enterprise platform over HTTP: the API and the pages (portal, the firm's declaration, review, county)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Header, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fugong.auth import Principal, require_roles
from fugong.auth.deps import now
from fugong.enterprise import checkins, employees, registry, service, tasks, whitelist
from fugong.enterprise.content import FIELD_LABELS, china_today
from fugong.errors import FugongError, InvalidInput
from fugong.hub.pseudonyms import pseudonymiser
from fugong.store.deps import DbSession
from fugong.web.templating import render

router = APIRouter(tags=["enterprise"])
Firm = Annotated[Principal, Depends(require_roles("enterprise"))]
Official = Annotated[Principal, Depends(require_roles("county_official"))]
Reviewer = Annotated[Principal, Depends(require_roles("county_official", "analyst"))]
Anyone = Annotated[Principal, Depends(require_roles("enterprise", "county_official", "analyst"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput(f"{field} must be a whole number", field=field) from None


def _file(upload: UploadFile) -> bytes:
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("the file is larger than 10 MiB", field="file")
    return data


# ---- API -------------------------------------------------------------------------------------------------------


@router.get("/api/enterprise/me")
def me(request: Request, session: DbSession, principal: Firm) -> dict[str, Any]:
    """The caller's firm, its declarations and its notices."""
    return service.mine(session, principal, now(request))


@router.post("/api/enterprise/bind")
def bind(request: Request, session: DbSession, principal: Firm, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Bind the caller's account to the firm with ``credit_code`` (统一社会信用代码)."""
    settings = request.app.state.settings
    return service.bind(session, settings, principal, str(body.get("credit_code", "")), now(request))


@router.post("/api/enterprise/declarations", status_code=201)
def declare(
    request: Request,
    session: DbSession,
    principal: Firm,
    body: dict[str, Any] = Body(...),
    idempotency_key: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Submit a declaration (or save a draft with ``"draft": true``); the same Idempotency-Key twice makes one."""
    key = idempotency_key or str(body.get("idempotency_key") or "")
    if not key:
        raise InvalidInput("send an Idempotency-Key header (e.g. a UUID) so a retry cannot declare twice", field="key")
    settings = request.app.state.settings
    return service.declare(session, settings, principal, body, key, now(request), draft=bool(body.get("draft")))


@router.post("/api/enterprise/declarations/{declaration_id}/submit")
def submit(
    request: Request, session: DbSession, principal: Firm, declaration_id: int, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Submit a draft, or resubmit a returned declaration (``version`` as read; optional ``content``)."""
    version = _int(body.get("version"), "version")
    content = body.get("content")
    settings = request.app.state.settings
    return service.submit_existing(session, settings, principal, declaration_id, version, content, now(request))


@router.get("/api/enterprise/declarations/{declaration_id}")
def declaration(request: Request, session: DbSession, principal: Anyone, declaration_id: int) -> dict[str, Any]:
    """A declaration with its pre-check and history (its firm, or an official of its county)."""
    return service.show(session, principal, declaration_id, now(request))


@router.post("/api/enterprise/declarations/{declaration_id}/actions")
def action(
    request: Request, session: DbSession, principal: Official, declaration_id: int, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """``claim``, ``approve``, ``return`` or ``reject`` a declaration at the ``version`` read (409 if it changed)."""
    version = _int(body.get("version"), "version")
    reason = body.get("reason")
    return service.act(session, principal, declaration_id, version, str(body.get("action", "")), reason, now(request))


@router.get("/api/enterprise/queue")
def queue(
    request: Request, session: DbSession, principal: Reviewer, page: int = 1, county: str | None = None
) -> dict[str, Any]:
    """Declarations waiting for review, in priority order, with the rule that orders them."""
    return service.queue(session, principal, now(request), page, county)


@router.get("/api/enterprise/overview")
def overview(request: Request, session: DbSession, principal: Reviewer) -> dict[str, Any]:
    """Declarations per county and state, with the overdue ones."""
    return service.overview(session, principal, now(request))


@router.get("/api/enterprise/whitelist")
def whitelist_list(session: DbSession, principal: Reviewer) -> list[dict[str, Any]]:
    """The white list of the caller's counties (all counties for the province)."""
    province = principal.is_admin or "analyst" in principal.roles
    return whitelist.listed(session, None if province else sorted(principal.counties))


@router.post("/api/enterprise/whitelist", status_code=201)
def whitelist_add(
    request: Request, session: DbSession, principal: Official, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Put a firm of one of the caller's counties on the white list under a ``category``."""
    enterprise_id = _int(body.get("enterprise_id"), "enterprise_id")
    category, reason = str(body.get("category", "")), body.get("reason")
    entry = whitelist.add(session, principal, enterprise_id, category, reason, now(request))
    return {
        "enterprise_id": entry.enterprise_id,
        "county_code": entry.county_code,
        "category": entry.category,
        "reason": entry.reason,
    }


@router.delete("/api/enterprise/whitelist/{enterprise_id}")
def whitelist_remove(
    request: Request, session: DbSession, principal: Official, enterprise_id: int, reason: str | None = None
) -> dict[str, Any]:
    """Take a firm off the white list, saying why (``?reason=``)."""
    entry = whitelist.remove(session, principal, enterprise_id, reason, now(request))
    return {"enterprise_id": entry.enterprise_id, "removed_by": entry.removed_by, "reason": entry.removed_reason}


@router.post("/api/enterprise/suspensions/sync")
def suspensions_sync(request: Request, session: DbSession, principal: Reviewer) -> dict[str, Any]:
    """Sync with the county colours: suspend approved declarations in red counties, resume those no longer red."""
    return service.sync_colours(session, request.app.state.settings, principal, now(request))


@router.get("/api/enterprise/employees/template")
def employee_template(_: Firm) -> Response:
    """The XLSX template for the employee list (Chinese headers)."""
    headers = {"Content-Disposition": "attachment; filename*=UTF-8''" + quote("员工名单模板.xlsx")}
    return Response(employees.template(), media_type=XLSX, headers=headers)


@router.post("/api/enterprise/employees")
def employee_upload(request: Request, session: DbSession, principal: Firm, file: UploadFile) -> dict[str, Any]:
    """Upload the employee list (XLSX): valid rows are kept, each bad row is reported."""
    enterprise = registry.enterprise_of(session, principal)
    at = now(request)
    settings = request.app.state.settings
    report = employees.upload(
        session, pseudonymiser(settings), enterprise, _file(file), principal.username, at, china_today(at)
    )
    return report.as_json()


@router.post("/api/enterprise/employees/{employee_id}/checkins", status_code=201)
def employee_checkin(
    request: Request, session: DbSession, principal: Firm, employee_id: int, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Record an employee's daily health check-in: ``temperature`` (°C), ``symptoms``, ``on`` (default today)."""
    enterprise = registry.enterprise_of(session, principal)
    at = now(request)
    row = checkins.check_in(
        session,
        enterprise,
        employee_id,
        body.get("on"),
        body.get("temperature"),
        bool(body.get("symptoms", False)),
        principal.username,
        at,
        china_today(at),
    )
    return {"employee_id": row.employee_id, "on": row.on.isoformat(), "temperature": row.temperature_tenths / 10}


@router.get("/api/enterprise/employees")
def employee_roster(request: Request, session: DbSession, principal: Firm) -> dict[str, Any]:
    """The firm's workforce by health-code colour, and those in their 14 days after returning."""
    enterprise = registry.enterprise_of(session, principal)
    return employees.roster(session, enterprise, china_today(now(request)))


@router.get("/api/enterprise/tasks")
def task_list(
    session: DbSession, principal: Reviewer, state: str | None = None, history: bool = False
) -> list[dict[str, Any]]:
    """Service tasks: the caller's counties', or all for the province (``history=true``: each with its log)."""
    return tasks.listing(session, principal, state, with_history=history)


@router.post("/api/enterprise/tasks", status_code=201)
def task_create(
    request: Request, session: DbSession, principal: Official, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Open a service task for a held-back firm."""
    enterprise_id = _int(body.get("enterprise_id"), "enterprise_id")
    task = tasks.create(
        session, principal, enterprise_id, str(body.get("kind", "")), str(body.get("title", "")), now(request)
    )
    return tasks.as_json(task, registry.get(session, enterprise_id).name)


@router.post("/api/enterprise/tasks/{task_id}/assign")
def task_assign(
    request: Request, session: DbSession, principal: Official, task_id: int, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Give a task to an official (with an optional ``note``)."""
    assignee, note = str(body.get("assignee", "")), body.get("note")
    task = tasks.assign(session, principal, task_id, assignee, note, now(request))
    return tasks.as_json(task, registry.get(session, task.enterprise_id).name)


@router.post("/api/enterprise/tasks/{task_id}/complete")
def task_complete(
    request: Request, session: DbSession, principal: Official, task_id: int, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Close a task with a note of what was done."""
    task = tasks.complete(session, principal, task_id, str(body.get("note") or ""), now(request))
    return tasks.as_json(task, registry.get(session, task.enterprise_id).name)


# ---- Pages -----------------------------------------------------------------------------------------------------


def _back(path: str, session: Session, error: FugongError | None = None) -> RedirectResponse:
    if error is not None:
        session.rollback()
        path += ("&" if "?" in path else "?") + "message=" + quote(error.detail)
    return RedirectResponse(path, status_code=303)


def _act(path: str, session: Session, action: Callable[[], object]) -> RedirectResponse:
    """Do a page form's action and go back to ``path``, with the error's words if it was refused."""
    try:
        action()
    except FugongError as exc:
        return _back(path, session, exc)
    return _back(path, session)


@router.get("/enterprise", response_class=HTMLResponse, include_in_schema=False)
def portal(request: Request, session: DbSession, principal: Firm, message: str | None = None) -> HTMLResponse:
    """The enterprise portal: bind, declare, employees, status."""
    at = now(request)
    context: dict[str, Any] = {"message": message, "today": china_today(at).isoformat(), "key": uuid.uuid4().hex}
    try:
        context["mine"] = service.mine(session, principal, at)
        enterprise = registry.enterprise_of(session, principal)
        context["roster"] = employees.roster(session, enterprise, china_today(at))
    except registry.NotBound:
        context["mine"] = None
    return render(request, "enterprise/portal.html", context)


@router.post("/enterprise/bind", include_in_schema=False)
async def portal_bind(request: Request, session: DbSession, principal: Firm) -> RedirectResponse:
    """The bind form."""
    form = await request.form()
    try:
        service.bind(session, request.app.state.settings, principal, str(form.get("credit_code", "")), now(request))
    except FugongError as exc:
        return _back("/enterprise", session, exc)
    return _back("/enterprise", session)


def _form_content(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    data["employee_ids"] = form.getlist("employee_ids")
    for flag in ("temperature_checks", "disinfection", "isolation_room"):
        data[flag] = flag in form
    names, counties = form.getlist("supplier_name"), form.getlist("supplier_county")
    data["suppliers"] = [
        {"name": n, "county_code": c, "credit_code": code}
        for n, c, code in zip(names, counties, form.getlist("supplier_credit_code"), strict=False)
        if str(n).strip()
    ]
    return data


@router.post("/enterprise/declare", include_in_schema=False)
async def portal_declare(request: Request, session: DbSession, principal: Firm) -> RedirectResponse:
    """The declaration form (submitted at once; the form's key makes a double click harmless)."""
    form = await request.form()
    try:
        service.declare(
            session, request.app.state.settings, principal, _form_content(form), str(form.get("key", "")), now(request)
        )
    except FugongError as exc:
        return _back("/enterprise", session, exc)
    return _back("/enterprise", session)


@router.get("/enterprise/declarations/{declaration_id}", response_class=HTMLResponse, include_in_schema=False)
def portal_declaration(
    request: Request, session: DbSession, principal: Firm, declaration_id: int, message: str | None = None
) -> HTMLResponse:
    """The firm's own declaration: state, pre-check, history with reasons; when returned, the form to fix it."""
    at = now(request)
    context = {
        "d": service.show(session, principal, declaration_id, at),
        "message": message,
        "labels": service.STATE_LABELS,
        "fields": FIELD_LABELS,
        "today": china_today(at).isoformat(),
    }
    return render(request, "enterprise/declaration.html", context)


@router.post("/enterprise/declarations/{declaration_id}", include_in_schema=False)
async def portal_resubmit(
    request: Request, session: DbSession, principal: Firm, declaration_id: int
) -> RedirectResponse:
    """The returned declaration's form: submit it again with its changes."""
    form = await request.form()

    def resubmit() -> None:
        version, content = _int(form.get("version"), "version"), _form_content(form)
        settings = request.app.state.settings
        service.submit_existing(session, settings, principal, declaration_id, version, content, now(request))

    return _act(f"/enterprise/declarations/{declaration_id}", session, resubmit)


@router.post("/enterprise/employees", include_in_schema=False)
def portal_employees(request: Request, session: DbSession, principal: Firm, file: UploadFile) -> RedirectResponse:
    """The employee upload form."""
    try:
        result = employee_upload(request, session, principal, file)
    except FugongError as exc:
        return _back("/enterprise", session, exc)
    errors = "; ".join(f"第{e['row']}行 {e['column']}: {e['message']}" for e in result["errors"])
    note = f"新增{result['added']}人，更新{result['updated']}人" + (f"；错误：{errors}" if errors else "")
    return RedirectResponse("/enterprise?message=" + quote(note), status_code=303)


@router.get("/enterprise/review", response_class=HTMLResponse, include_in_schema=False)
def review_queue(
    request: Request, session: DbSession, principal: Reviewer, page: int = 1, county: str | None = None
) -> HTMLResponse:
    """The reviewer's queue, in priority order, overdue ones highlighted, the rule shown."""
    found = service.queue(session, principal, now(request), page, county)
    return render(request, "enterprise/queue.html", {"queue": found, "labels": service.STATE_LABELS})


@router.get("/enterprise/review/{declaration_id}", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    request: Request, session: DbSession, principal: Reviewer, declaration_id: int, message: str | None = None
) -> HTMLResponse:
    """One declaration with its pre-check, history and the reviewer's actions."""
    found = service.show(session, principal, declaration_id, now(request))
    context = {"d": found, "message": message, "labels": service.STATE_LABELS, "fields": FIELD_LABELS}
    return render(request, "enterprise/review.html", context)


@router.post("/enterprise/review/{declaration_id}", include_in_schema=False)
async def review_act(
    request: Request, session: DbSession, principal: Official, declaration_id: int
) -> RedirectResponse:
    """The reviewer's action form."""
    form = await request.form()

    def decide() -> None:
        version, reason = _int(form.get("version"), "version"), str(form.get("reason") or "") or None
        service.act(session, principal, declaration_id, version, str(form.get("action", "")), reason, now(request))

    return _act(f"/enterprise/review/{declaration_id}", session, decide)


@router.get("/enterprise/county", response_class=HTMLResponse, include_in_schema=False)
def county_page(request: Request, session: DbSession, principal: Reviewer, message: str | None = None) -> HTMLResponse:
    """The county overview: declarations per state, overdue, the white list and the service tasks, with their forms."""
    at = now(request)
    province = principal.is_admin or "analyst" in principal.roles
    found = service.overview(session, principal, at)
    listed = whitelist.listed(session, None if province else sorted(principal.counties))
    task_list = tasks.listing(session, principal, with_history=True)
    codes = {r["county_code"] for r in (*found["counties"], *listed, *task_list)} | set(principal.counties)
    context = {
        "overview": found,
        "whitelist": listed,
        "tasks": task_list,
        "names": service.county_names(request.app.state.settings, codes),
        "categories": whitelist.CATEGORIES,
        "labels": service.STATE_LABELS,
        "task_labels": tasks.STATE_LABELS,
        "today": china_today(at).isoformat(),
        "message": message,
    }
    return render(request, "enterprise/county.html", context)


@router.post("/enterprise/county/whitelist", include_in_schema=False)
async def county_whitelist_add(request: Request, session: DbSession, principal: Official) -> RedirectResponse:
    """The form adding a firm (by credit code) to the white list, with a category and a reason."""
    form = await request.form()
    return _act(
        "/enterprise/county",
        session,
        lambda: service.whitelist_add(
            session,
            request.app.state.settings,
            principal,
            str(form.get("credit_code", "")),
            str(form.get("category", "")),
            str(form.get("reason", "")),
            now(request),
        ),
    )


@router.post("/enterprise/county/whitelist/{enterprise_id}/remove", include_in_schema=False)
async def county_whitelist_remove(
    request: Request, session: DbSession, principal: Official, enterprise_id: int
) -> RedirectResponse:
    """The form taking a firm off the white list, with a reason."""
    form = await request.form()
    reason = str(form.get("reason", ""))
    return _act(
        "/enterprise/county", session, lambda: whitelist.remove(session, principal, enterprise_id, reason, now(request))
    )


@router.post("/enterprise/county/tasks/{task_id}/assign", include_in_schema=False)
async def county_task_assign(
    request: Request, session: DbSession, principal: Official, task_id: int
) -> RedirectResponse:
    """The form giving a service task to an official, with a note."""
    form = await request.form()
    assignee, note = str(form.get("assignee", "")), str(form.get("note", ""))
    return _act(
        "/enterprise/county", session, lambda: tasks.assign(session, principal, task_id, assignee, note, now(request))
    )


@router.post("/enterprise/county/tasks/{task_id}/complete", include_in_schema=False)
async def county_task_complete(
    request: Request, session: DbSession, principal: Official, task_id: int
) -> RedirectResponse:
    """The form closing a service task with a note of what was done."""
    form = await request.form()
    note = str(form.get("note", ""))
    return _act("/enterprise/county", session, lambda: tasks.complete(session, principal, task_id, note, now(request)))


@router.post("/enterprise/county/sync", include_in_schema=False)
def county_sync(request: Request, session: DbSession, principal: Reviewer) -> RedirectResponse:
    """The button syncing suspensions with the county colours (the caller's counties; all for the province)."""
    try:
        done = service.sync_colours(session, request.app.state.settings, principal, now(request))
    except FugongError as exc:
        return _back("/enterprise/county", session, exc)
    note = f"暂停{len(done['suspended'])}件，恢复{len(done['resumed'])}件（{done['source']}）"
    return RedirectResponse("/enterprise/county?message=" + quote(note), status_code=303)
