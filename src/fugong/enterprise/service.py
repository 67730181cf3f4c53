"""What the faces call: one function per action, taking the caller and returning what the API shows."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.enterprise import registry, whitelist, workflow
from fugong.enterprise.content import DeclarationContent, parse_content
from fugong.enterprise.models import EntDeclaration, EntEnterprise, EntNotice
from fugong.enterprise.priority import default_rule
from fugong.enterprise.signals import lake_colours, lake_power
from fugong.enterprise.workflow import ReviewContext
from fugong.errors import Forbidden, InvalidInput
from fugong.geo import UnknownDivision, load_gazetteer
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings

PAGE_SIZE = 50
COUNT_CAP = 10_000
# What a list shows: a queue page loads these only (no content, nothing to decrypt).
SUMMARY_COLUMNS = (
    EntDeclaration.id,
    EntDeclaration.version,
    EntDeclaration.enterprise_id,
    EntDeclaration.county_code,
    EntDeclaration.state,
    EntDeclaration.planned_on,
    EntDeclaration.workforce_total,
    EntDeclaration.priority,
    EntDeclaration.submitted_at,
    EntDeclaration.due_at,
    EntDeclaration.auto_approved,
)
STATE_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "under_review": "审核中",
    "approved": "已批准",
    "returned": "已退回",
    "rejected": "不予批准",
    "suspended": "已暂停",
}


def review_context(settings: Settings, now: datetime) -> ReviewContext:
    """County colours and power activity as the lake holds them now, with the shipped priority rule."""
    return ReviewContext(lake_colours(settings), lake_power(settings), default_rule())


def summary(d: EntDeclaration, name: str, now: datetime) -> dict[str, Any]:
    """A declaration's line in a list."""
    return {
        "id": d.id,
        "version": d.version,
        "enterprise_id": d.enterprise_id,
        "enterprise": name,
        "county_code": d.county_code,
        "state": d.state,
        "state_label": STATE_LABELS[d.state],
        "planned_on": d.planned_on.isoformat(),
        "workforce_total": d.workforce_total,
        "priority": d.priority,
        "submitted_at": d.submitted_at.isoformat(timespec="seconds") if d.submitted_at else None,
        "due_at": d.due_at.isoformat(timespec="seconds") if d.due_at else None,
        "overdue": workflow.overdue(d, now),
        "auto_approved": d.auto_approved,
    }


def detail(session: Session, d: EntDeclaration, now: datetime) -> dict[str, Any]:
    """A declaration whole: content, pre-check, the reason of a decision and its history."""
    enterprise = registry.get(session, d.enterprise_id)
    content = workflow.content_of(d)
    return {
        **summary(d, enterprise.name, now),
        "enterprise_detail": registry.as_json(enterprise),
        "content": {
            **{k: v for k, v in content.columns().items() if k not in ("suppliers", "employee_ids")},
            "planned_on": content.planned_on.isoformat(),
            "suppliers": json.loads(d.suppliers),
            "employee_ids": list(content.employee_ids),
        },
        "precheck": json.loads(d.precheck) if d.precheck else None,
        "decided_by": d.decided_by,
        "reason": d.reason,
        "history": [
            {
                "at": c.at.isoformat(timespec="seconds"),
                "from": c.from_state,
                "to": c.to_state,
                "actor": c.actor,
                "automatic": c.automatic,
                "reason": c.reason,
            }
            for c in workflow.history(session, d.id)
        ],
    }


def bind(session: Session, settings: Settings, principal: Principal, credit_code: str, now: datetime) -> dict[str, Any]:
    """Bind the caller's enterprise account to the firm with this credit code."""
    return registry.as_json(registry.bind(session, pseudonymiser(settings), principal, credit_code, now))


def declare(
    session: Session,
    settings: Settings,
    principal: Principal,
    data: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    draft: bool = False,
) -> dict[str, Any]:
    """Save a draft or submit a declaration for the caller's firm (the same key again: the same declaration)."""
    enterprise = registry.enterprise_of(session, principal)
    content = parse_content(data, pseudonymiser(settings), now)
    if draft:
        d = workflow.save_draft(session, enterprise, content, idempotency_key, principal.username, now)
    else:
        context = review_context(settings, now)
        d = workflow.submit(session, enterprise, content, idempotency_key, principal.username, now, context)
    return detail(session, d, now)


def submit_existing(
    session: Session,
    settings: Settings,
    principal: Principal,
    declaration_id: int,
    version: int,
    data: dict[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """Submit a saved draft, or resubmit a returned declaration with its changes."""
    enterprise = registry.enterprise_of(session, principal)
    content = parse_content(data, pseudonymiser(settings), now) if data else None
    if content is not None:
        content = _keep_supplier_keys(content, workflow.get(session, declaration_id))
    context = review_context(settings, now)
    d = workflow.submit_existing(
        session, enterprise, declaration_id, version, content, principal.username, now, context
    )
    return detail(session, d, now)


def _keep_supplier_keys(content: DeclarationContent, d: EntDeclaration) -> DeclarationContent:
    """A supplier given again without its credit code keeps the key it had under the same name and county."""
    known = {(s["name"], s["county_code"]): s.get("enterprise_key") for s in json.loads(d.suppliers)}
    suppliers = tuple(
        s if s.enterprise_key else dataclasses.replace(s, enterprise_key=known.get((s.name, s.county_code)))
        for s in content.suppliers
    )
    return dataclasses.replace(content, suppliers=suppliers)


def mine(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The caller's firm, its declarations (newest first) and its notices."""
    enterprise = registry.enterprise_of(session, principal)
    found = session.scalars(
        select(EntDeclaration).where(EntDeclaration.enterprise_id == enterprise.id).order_by(EntDeclaration.id.desc())
    )
    notices = session.scalars(
        select(EntNotice).where(EntNotice.enterprise_id == enterprise.id).order_by(EntNotice.id.desc()).limit(20)
    )
    return {
        "enterprise": registry.as_json(enterprise),
        "declarations": [summary(d, enterprise.name, now) for d in found],
        "notices": [
            {"at": n.at.isoformat(timespec="seconds"), "text": n.text, "declaration_id": n.declaration_id}
            for n in notices
        ],
    }


def _counties(principal: Principal, county: str | None) -> list[str] | None:
    """The counties a listing covers: the caller's (an official), or all (None) for the province."""
    province = principal.is_admin or Role.analyst in principal.roles
    if county:
        if not province and not principal.may_act_in(county):
            raise Forbidden(f"{principal.username!r} does not act in county {county}", field="county")
        return [county]
    return None if province else sorted(principal.counties)


def queue(
    session: Session, principal: Principal, now: datetime, page: int = 1, county: str | None = None
) -> dict[str, Any]:
    """Declarations waiting for review in the caller's counties, in the priority rule's order, with the rule."""
    counties = _counties(principal, county)
    where = [EntDeclaration.state.in_(workflow.OPEN)]
    if counties is not None:
        where.append(EntDeclaration.county_code.in_(counties))
    page = max(page, 1)
    rows = session.execute(
        select(EntDeclaration, EntEnterprise.name)
        .options(load_only(*SUMMARY_COLUMNS))
        .join(EntEnterprise, EntEnterprise.id == EntDeclaration.enterprise_id)
        .where(*where)
        .order_by(EntDeclaration.priority.desc(), EntDeclaration.submitted_at, EntDeclaration.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    waiting = session.scalar(select(func.count()).select_from(EntDeclaration).where(*where)) or 0
    overdue = (
        session.scalar(select(func.count()).select_from(EntDeclaration).where(*where, EntDeclaration.due_at < now)) or 0
    )
    return {
        "rule": default_rule().as_json(),
        "counties": counties,
        "page": page,
        "page_size": PAGE_SIZE,
        "waiting": min(waiting, COUNT_CAP),
        "overdue": min(overdue, COUNT_CAP),
        "count_cap": COUNT_CAP,
        "more": waiting > COUNT_CAP,
        "declarations": [summary(d, name, now) for d, name in rows],
    }


def _capped_count(session: Session, where: list[Any]) -> int:
    """Rows matching ``where``, counted up to one past the cap (a page shows "10000+", not a full scan)."""
    inner = select(EntDeclaration.id).where(*where).limit(COUNT_CAP + 1).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def whitelist_add(
    session: Session,
    settings: Settings,
    principal: Principal,
    credit_code: str,
    category: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Put the firm with this credit code on the white list of its county (an official of that county)."""
    if not credit_code.strip():
        raise InvalidInput("give the firm's unified social credit code (统一社会信用代码)", field="credit_code")
    enterprise = registry.by_credit_code(session, pseudonymiser(settings), credit_code)
    entry = whitelist.add(session, principal, enterprise.id, category, reason, now)
    return {"enterprise_id": entry.enterprise_id, "name": enterprise.name, "category": entry.category}


def county_names(settings: Settings, codes: Iterable[str]) -> dict[str, str]:
    """Each county code's name in the gazetteer (the code itself when the gazetteer does not know it)."""
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    names = {}
    for code in codes:
        try:
            names[code] = gazetteer.get(code).name
        except UnknownDivision:
            names[code] = code
    return names


def show(session: Session, principal: Principal, declaration_id: int, now: datetime) -> dict[str, Any]:
    """One declaration, for an official of its county or an account of its firm."""
    d = workflow.get(session, declaration_id)
    if Role.enterprise in principal.roles and not principal.is_admin:
        if registry.enterprise_of(session, principal).id != d.enterprise_id:
            raise Forbidden(f"declaration {declaration_id} is another firm's", field="declaration_id")
    elif not (principal.may_act_in(d.county_code) or Role.analyst in principal.roles):
        raise Forbidden(f"declaration {declaration_id} is in county {d.county_code}", field="county_code")
    return detail(session, d, now)


def act(
    session: Session,
    principal: Principal,
    declaration_id: int,
    version: int,
    action: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An official's action on a declaration: ``claim`` it, or ``approve``, ``return``, ``reject`` it."""
    if action == "claim":
        d = workflow.claim(session, principal, declaration_id, version, now)
    else:
        d = workflow.decide(session, principal, declaration_id, version, action, reason, now)
    return detail(session, d, now)


def overview(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """Declarations per county and state, and the overdue ones, for the caller's counties (all: the province)."""
    counties = _counties(principal, None)
    query = select(EntDeclaration.county_code, EntDeclaration.state, func.count()).group_by(
        EntDeclaration.county_code, EntDeclaration.state
    )
    late = select(EntDeclaration.county_code, func.count()).where(
        EntDeclaration.state.in_(workflow.OPEN), EntDeclaration.due_at < now
    )
    if counties is not None:
        query = query.where(EntDeclaration.county_code.in_(counties))
        late = late.where(EntDeclaration.county_code.in_(counties))
    table: dict[str, dict[str, int]] = {}
    for code, state, count in session.execute(query):
        table.setdefault(code, {s: 0 for s in workflow.STATES})[state] = count
    overdue = {str(code): int(count) for code, count in session.execute(late.group_by(EntDeclaration.county_code))}
    return {
        "states": list(workflow.STATES),
        "counties": [
            {"county_code": code, **counts, "overdue": overdue.get(code, 0)} for code, counts in sorted(table.items())
        ],
    }


def sync_colours(session: Session, settings: Settings, principal: Principal | None, now: datetime) -> dict[str, Any]:
    """Suspend approved declarations in counties the lake's current grading shows red; resume those no longer red.

    ``principal``: an official syncs their counties, the province (or the command line, None) every county.
    """
    colours = lake_colours(settings)
    counties = None if principal is None else _counties(principal, None)
    done = workflow.sync_with_colours(session, colours, now, counties)
    return {
        "suspended": done.suspended,
        "resumed": done.resumed,
        "source": colours.source,
        "day": colours.day.isoformat() if colours.day else None,
        "counties": counties,
    }
