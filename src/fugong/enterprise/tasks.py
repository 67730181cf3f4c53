"""Service tasks (服务任务) for firms held back: a supplier to coordinate, a power shortfall to look into.

County officials create, assign and close them in their counties; the province (analysts, admins) sees them all.
Every change of a task's state (opened, assigned, done) is a row of the append-only ``ent_task_log``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.enterprise import registry
from fugong.enterprise.models import EntDeclaration, EntEnterprise, EntServiceTask, EntTaskChange
from fugong.errors import Forbidden, InvalidInput, NotFound

KINDS = ("supplier", "power_shortfall", "other")
RESUMED = ("approved",)
OPEN, ASSIGNED, DONE = "open", "assigned", "done"
STATE_LABELS = {OPEN: "待处理", ASSIGNED: "已指派", DONE: "已完成"}
NOTE_LIMIT = 2000


def _log(session: Session, task: EntServiceTask, old: str | None, actor: str, now: datetime, note: str | None) -> None:
    session.add(
        EntTaskChange(
            task_id=task.id,
            at=now,
            from_state=old,
            to_state=task.state,
            actor=actor,
            assignee=task.assignee,
            note=note,
        )
    )


def _note(note: str | None, required: str | None = None) -> str | None:
    """The note stripped (None if empty); ``required`` is the message when one must be given."""
    text = (note or "").strip()
    if required and not text:
        raise InvalidInput(required, field="note")
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(f"the note is longer than {NOTE_LIMIT} characters", field="note")
    return text or None


def _scoped(principal: Principal, county: str) -> None:
    if not principal.may_act_in(county):
        raise Forbidden(f"{principal.username!r} does not act in county {county}", field="county_code")


def create(
    session: Session, principal: Principal, enterprise_id: int, kind: str, title: str, now: datetime
) -> EntServiceTask:
    """A new open task about a firm of one of the official's counties."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not title.strip():
        raise InvalidInput("a task needs a title saying what to do", field="title")
    enterprise = registry.get(session, enterprise_id)
    _scoped(principal, enterprise.county_code)
    task = EntServiceTask(
        county_code=enterprise.county_code,
        enterprise_id=enterprise.id,
        kind=kind,
        title=title.strip(),
        state=OPEN,
        created_by=principal.username,
        created_at=now,
    )
    session.add(task)
    session.flush()
    _log(session, task, None, principal.username, now, None)
    session.flush()
    return task


def _get(session: Session, principal: Principal, task_id: int) -> EntServiceTask:
    task = session.get(EntServiceTask, task_id)
    if task is None:
        raise NotFound(f"no service task number {task_id}", field="task_id")
    _scoped(principal, task.county_code)
    return task


def assign(
    session: Session, principal: Principal, task_id: int, assignee: str, note: str | None, now: datetime
) -> EntServiceTask:
    """Give an open or assigned task to an official (logged, with an optional note)."""
    task = _get(session, principal, task_id)
    if task.state == DONE:
        raise InvalidInput(f"task {task_id} is done", field="task_id")
    name = assignee.strip()
    if not name:
        raise InvalidInput("name the official the task goes to", field="assignee")
    if len(name) > 64:
        raise InvalidInput("the assignee's name is longer than 64 characters", field="assignee")
    text = _note(note)
    old = task.state
    task.assignee, task.state = name, ASSIGNED
    session.flush()
    _log(session, task, old, principal.username, now, text)
    session.flush()
    return task


def complete(session: Session, principal: Principal, task_id: int, note: str, now: datetime) -> EntServiceTask:
    """Close a task with a note of what was done (logged)."""
    task = _get(session, principal, task_id)
    if task.state == DONE:
        raise InvalidInput(f"task {task_id} is already done", field="task_id")
    text = _note(note, required="say what was done")
    old = task.state
    task.state, task.note, task.done_at = DONE, text, now
    session.flush()
    _log(session, task, old, principal.username, now, text)
    session.flush()
    return task


def history(session: Session, task_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The logged state changes of some tasks, oldest first, by task."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in task_ids}
    if not task_ids:
        return found
    query = select(EntTaskChange).where(EntTaskChange.task_id.in_(task_ids)).order_by(EntTaskChange.id)
    for c in session.scalars(query):
        found[c.task_id].append(
            {
                "at": c.at.isoformat(timespec="seconds"),
                "from": c.from_state,
                "to": c.to_state,
                "actor": c.actor,
                "assignee": c.assignee,
                "note": c.note,
            }
        )
    return found


def listing(
    session: Session, principal: Principal, state: str | None = None, with_history: bool = False
) -> list[dict[str, Any]]:
    """Tasks the caller sees: all for the province (analyst, admin), their counties' for an official."""
    query = (
        select(EntServiceTask, EntEnterprise.name)
        .join(EntEnterprise, EntEnterprise.id == EntServiceTask.enterprise_id)
        .order_by(EntServiceTask.id)
    )
    if not (principal.is_admin or Role.analyst in principal.roles):
        query = query.where(EntServiceTask.county_code.in_(sorted(principal.counties)))
    if state:
        query = query.where(EntServiceTask.state == state)
    found = [as_json(t, name) for t, name in session.execute(query)]
    if with_history:
        logs = history(session, [t["id"] for t in found])
        for t in found:
            t["history"] = logs[t["id"]]
    return found


def as_json(task: EntServiceTask, enterprise_name: str) -> dict[str, Any]:
    """A task as the API shows it."""
    return {
        "id": task.id,
        "county_code": task.county_code,
        "enterprise_id": task.enterprise_id,
        "enterprise": enterprise_name,
        "kind": task.kind,
        "title": task.title,
        "state": task.state,
        "assignee": task.assignee,
        "created_by": task.created_by,
        "created_at": task.created_at.isoformat(timespec="seconds"),
        "done_at": task.done_at.isoformat(timespec="seconds") if task.done_at else None,
        "note": task.note,
    }


def supplier_tasks(session: Session, actor: str, now: datetime) -> list[EntServiceTask]:
    """Open a task for each registered supplier, not yet resumed, that a declaring firm needs (once per pair)."""
    resumed = set(session.scalars(select(EntDeclaration.enterprise_id).where(EntDeclaration.state.in_(RESUMED))))
    by_key = {e.enterprise_key: e for e in session.scalars(select(EntEnterprise))}
    existing = {(t.enterprise_id, t.title) for t in session.scalars(select(EntServiceTask))}
    made: list[EntServiceTask] = []
    open_states = ("submitted", "under_review", "approved", "returned")
    for d in session.scalars(select(EntDeclaration).where(EntDeclaration.state.in_(open_states))):
        buyer = session.get(EntEnterprise, d.enterprise_id)
        assert buyer is not None
        for supplier in json.loads(d.suppliers):
            found = by_key.get(supplier.get("enterprise_key") or "")
            if found is None or found.id in resumed:
                continue
            title = f"协调供应商{found.name}（{found.county_code}）复工，以保障{buyer.name}生产"
            _open_once(session, existing, made, found, "supplier", title, actor, now)
    session.flush()
    return made


def shortfall_tasks(
    session: Session, shortfalls: list[dict[str, Any]], source: str, actor: str, now: datetime
) -> list[EntServiceTask]:
    """Open a task for each registered firm on the power shortfall list (once per firm and source)."""
    by_key = {e.enterprise_key: e for e in session.scalars(select(EntEnterprise))}
    existing = {(t.enterprise_id, t.title) for t in session.scalars(select(EntServiceTask))}
    made: list[EntServiceTask] = []
    for row in shortfalls:
        found = by_key.get(row["enterprise_key"])
        if found is None:
            continue
        title = f"{found.name}用电低于基线（{source}）：了解复工困难并协调解决"
        _open_once(session, existing, made, found, "power_shortfall", title, actor, now)
    session.flush()
    return made


def _open_once(
    session: Session,
    existing: set[tuple[int, str]],
    made: list[EntServiceTask],
    firm: EntEnterprise,
    kind: str,
    title: str,
    actor: str,
    now: datetime,
) -> None:
    """Open a task for ``firm`` unless one with this title is already there (``existing``); add it to ``made``."""
    if (firm.id, title) in existing:
        return
    task = EntServiceTask(
        county_code=firm.county_code,
        enterprise_id=firm.id,
        kind=kind,
        title=title,
        state=OPEN,
        created_by=actor,
        created_at=now,
    )
    session.add(task)
    session.flush()
    _log(session, task, None, actor, now, None)
    existing.add((firm.id, title))
    made.append(task)
