"""The declaration workflow (复工申报流程): pure functions over a session, every state change logged.

    draft ──submit──▶ submitted ──claim──▶ under_review ──▶ approved | returned | rejected
                          │                                     │          │
                          └── white list + clean pre-check ─────┘          └──resubmit──▶ submitted
    approved ──county turns red──▶ suspended ──county no longer red──▶ approved

Two officials deciding at once: the declaration's ``version`` is checked by the UPDATE itself, so exactly one
wins and the other gets a :class:`StaleDeclaration` (409).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from fugong.auth.principal import Principal
from fugong.enterprise import precheck, whitelist
from fugong.enterprise.content import DeclarationContent
from fugong.enterprise.models import EntDeclaration, EntEmployee, EntEnterprise, EntNotice, EntStateChange
from fugong.enterprise.priority import PriorityRule, default_rule
from fugong.enterprise.signals import CountyColours, PowerActivity
from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound

DRAFT, SUBMITTED, UNDER_REVIEW = "draft", "submitted", "under_review"
APPROVED, RETURNED, REJECTED, SUSPENDED = "approved", "returned", "rejected", "suspended"
STATES = (DRAFT, SUBMITTED, UNDER_REVIEW, APPROVED, RETURNED, REJECTED, SUSPENDED)
DECISIONS = {"approve": APPROVED, "return": RETURNED, "reject": REJECTED}
OPEN = (SUBMITTED, UNDER_REVIEW)
SYSTEM = "system"
COLOUR_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色", "green": "绿色"}


class StaleDeclaration(Conflict):
    """Someone changed the declaration since the caller read it."""

    code = "stale_declaration"


class InvalidTransition(Conflict):
    """The declaration's state does not admit this action."""

    code = "invalid_transition"


@dataclass(frozen=True)
class ReviewContext:
    """What a submission is checked and ranked against: county colours, power activity, the priority rule."""

    colours: CountyColours = field(default_factory=CountyColours)
    power: PowerActivity = field(default_factory=PowerActivity)
    rule: PriorityRule = field(default_factory=default_rule)


def get(session: Session, declaration_id: int) -> EntDeclaration:
    """The declaration with this number."""
    found = session.get(EntDeclaration, declaration_id)
    if found is None:
        raise NotFound(f"no declaration number {declaration_id}", field="declaration_id")
    return found


def _log(
    session: Session, d: EntDeclaration, old: str | None, actor: str, now: datetime, reason: str | None = None
) -> None:
    session.add(
        EntStateChange(
            declaration_id=d.id,
            at=now,
            from_state=old,
            to_state=d.state,
            actor=actor,
            automatic=actor == SYSTEM,
            reason=reason,
        )
    )


def _move(session: Session, d: EntDeclaration, new: str, actor: str, now: datetime, reason: str | None = None) -> None:
    old, number = d.state, d.id
    d.state = new
    try:
        session.flush()  # the UPDATE checks the version: a concurrent change makes it touch no row
    except StaleDataError:
        raise StaleDeclaration(
            f"declaration {number} was changed by someone else meanwhile: reload it and decide again",
            field="version",
        ) from None
    _log(session, d, old, actor, now, reason)
    session.flush()


def _check_employees(session: Session, enterprise: EntEnterprise, content: DeclarationContent) -> None:
    if not content.employee_ids:
        return
    query = select(EntEmployee.id).where(
        EntEmployee.enterprise_id == enterprise.id, EntEmployee.id.in_(content.employee_ids)
    )
    mine = set(session.scalars(query))
    unknown = sorted(set(content.employee_ids) - mine)
    if unknown:
        raise InvalidInput(f"employees {unknown} are not on {enterprise.name}'s list", field="employee_ids")


def _fill(d: EntDeclaration, content: DeclarationContent) -> None:
    for name, value in content.columns().items():
        setattr(d, name, value)


def _new(
    session: Session, enterprise: EntEnterprise, content: DeclarationContent, key: str, actor: str, now: datetime
) -> EntDeclaration | None:
    """Insert a draft with idempotency key ``key``; None if one with that key already exists (even racing)."""
    d = EntDeclaration(
        enterprise_id=enterprise.id,
        county_code=enterprise.county_code,
        state=DRAFT,
        idempotency_key=key,
        priority=0,
        created_by=actor,
        created_at=now,
    )
    _fill(d, content)
    try:
        with session.begin_nested():
            session.add(d)
            session.flush()
    except IntegrityError:
        return None
    _log(session, d, None, actor, now)
    return d


def _existing(session: Session, enterprise: EntEnterprise, key: str) -> EntDeclaration | None:
    query = select(EntDeclaration).where(
        EntDeclaration.enterprise_id == enterprise.id, EntDeclaration.idempotency_key == key
    )
    return session.scalars(query).first()


def _check_key(key: str) -> str:
    key = key.strip()
    if not 8 <= len(key) <= 64:
        raise InvalidInput("idempotency_key must be 8 to 64 characters (e.g. a UUID)", field="idempotency_key")
    return key


def save_draft(
    session: Session, enterprise: EntEnterprise, content: DeclarationContent, key: str, actor: str, now: datetime
) -> EntDeclaration:
    """Save a draft (the same key again returns the draft already saved)."""
    key = _check_key(key)
    _check_employees(session, enterprise, content)
    return (
        _existing(session, enterprise, key)
        or _new(session, enterprise, content, key, actor, now)
        or _raced(session, enterprise, key)
    )


def _raced(session: Session, enterprise: EntEnterprise, key: str) -> EntDeclaration:
    found = _existing(session, enterprise, key)
    if found is None:  # pragma: no cover - the unique constraint failed for another reason
        raise Conflict("the declaration could not be saved; try again", field="idempotency_key")
    return found


def submit(
    session: Session,
    enterprise: EntEnterprise,
    content: DeclarationContent,
    key: str,
    actor: str,
    now: datetime,
    context: ReviewContext,
) -> EntDeclaration:
    """Submit a declaration; the same idempotency key again returns the same declaration, unchanged."""
    key = _check_key(key)
    found = _existing(session, enterprise, key)
    if found is not None:
        return found
    _check_employees(session, enterprise, content)
    d = _new(session, enterprise, content, key, actor, now)
    if d is None:
        return _raced(session, enterprise, key)
    _submit(session, enterprise, d, content, actor, now, context)
    return d


def submit_existing(
    session: Session,
    enterprise: EntEnterprise,
    declaration_id: int,
    version: int,
    content: DeclarationContent | None,
    actor: str,
    now: datetime,
    context: ReviewContext,
) -> EntDeclaration:
    """Submit a draft, or resubmit a returned declaration (with its content changed, if given)."""
    d = get(session, declaration_id)
    if d.enterprise_id != enterprise.id:
        raise Forbidden(f"declaration {declaration_id} is not {enterprise.name}'s", field="declaration_id")
    _expect(d, version)
    if d.state not in (DRAFT, RETURNED):
        raise InvalidTransition(f"declaration {d.id} is {d.state}: only a draft or a returned one is submitted")
    if content is not None:
        _check_employees(session, enterprise, content)
        _fill(d, content)
    # The last decision no longer stands once the firm submits again; the state log keeps it, with its reason.
    d.decided_by, d.decided_at, d.reason = None, None, None
    _submit(session, enterprise, d, content or content_of(d), actor, now, context)
    return d


def content_of(d: EntDeclaration) -> DeclarationContent:
    """The content a declaration holds."""
    from fugong.enterprise.content import Supplier

    return DeclarationContent(
        planned_on=d.planned_on,
        workforce_total=d.workforce_total,
        workforce_returning=d.workforce_returning,
        origin_in_county=d.origin_in_county,
        origin_in_province=d.origin_in_province,
        origin_out_of_province=d.origin_out_of_province,
        origin_key_areas=d.origin_key_areas,
        mask_stock_days=d.mask_stock_days,
        temperature_checks=d.temperature_checks,
        disinfection=d.disinfection,
        canteen=d.canteen,
        isolation_room=d.isolation_room,
        responsible_person=d.responsible_person,
        responsible_phone=d.responsible_phone,
        production_plan=d.production_plan,
        suppliers=tuple(Supplier(**s) for s in json.loads(d.suppliers)),
        employee_ids=tuple(json.loads(d.employee_ids)),
    )


def _submit(
    session: Session,
    enterprise: EntEnterprise,
    d: EntDeclaration,
    content: DeclarationContent,
    actor: str,
    now: datetime,
    context: ReviewContext,
) -> None:
    checked = precheck.run(session, enterprise, content, context.colours, context.power)
    d.precheck = json.dumps(checked.as_json(), ensure_ascii=False)
    d.priority = context.rule.score(enterprise, context.colours.colour(enterprise.county_code), d.workforce_total)
    d.submitted_at = now
    d.due_at = now + timedelta(hours=context.rule.sla_hours)
    _move(session, d, SUBMITTED, actor, now)
    listed = whitelist.entry_of(session, enterprise.id)
    if listed is not None and checked.clean:
        d.auto_approved = True
        d.decided_by, d.decided_at = SYSTEM, now
        d.reason = "白名单企业，预审无异常，自动通过 (white-listed, clean pre-check: approved automatically)"
        _move(session, d, APPROVED, SYSTEM, now, d.reason)


def _expect(d: EntDeclaration, version: int) -> None:
    if d.version != version:
        raise StaleDeclaration(
            f"declaration {d.id} has changed since you read it (version {version}, now {d.version}): reload it",
            field="version",
        )


def _official(principal: Principal, d: EntDeclaration) -> None:
    if not principal.may_act_in(d.county_code):
        held = ", ".join(sorted(principal.counties)) or "none"
        raise Forbidden(
            f"declaration {d.id} is in county {d.county_code}; {principal.username!r} acts in {held}",
            field="county_code",
        )


def claim(session: Session, principal: Principal, declaration_id: int, version: int, now: datetime) -> EntDeclaration:
    """An official takes a submitted declaration into review."""
    d = get(session, declaration_id)
    _official(principal, d)
    _expect(d, version)
    if d.state != SUBMITTED:
        raise InvalidTransition(f"declaration {d.id} is {d.state}: only a submitted one is taken into review")
    _move(session, d, UNDER_REVIEW, principal.username, now)
    return d


def decide(
    session: Session,
    principal: Principal,
    declaration_id: int,
    version: int,
    decision: str,
    reason: str | None,
    now: datetime,
) -> EntDeclaration:
    """Approve, return for changes, or reject a declaration under review (a reason is required to return or reject)."""
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", field="decision")
    d = get(session, declaration_id)
    _official(principal, d)
    _expect(d, version)
    if d.state != UNDER_REVIEW:
        raise InvalidTransition(
            f"declaration {d.id} is {d.state}: only one under review can be {DECISIONS[decision]}", field="state"
        )
    text = (reason or "").strip()
    if decision != "approve" and not text:
        raise InvalidInput(f"a reason is required to {decision} a declaration", field="reason")
    d.decided_by, d.decided_at, d.reason = principal.username, now, text or None
    _move(session, d, DECISIONS[decision], principal.username, now, text or None)
    if decision != "approve":
        word = "退回修改" if decision == "return" else "不予批准"
        session.add(EntNotice(enterprise_id=d.enterprise_id, declaration_id=d.id, at=now, text=f"申报{word}：{text}"))
    session.flush()
    return d


@dataclass(frozen=True)
class ColourSync:
    """What syncing the declarations with the county colours did: declarations suspended and resumed, by number."""

    suspended: list[int]
    resumed: list[int]


def sync_with_colours(
    session: Session, colours: CountyColours, now: datetime, counties: list[str] | None = None
) -> ColourSync:
    """Suspend approved declarations in red counties, resume suspended ones in counties no longer red.

    Each move is logged as ``system`` with the grading read, and the firm gets a notice. A county whose colour is
    unknown (no case data, or not graded) is left as it is. ``counties`` limits the sync (None: every county).
    Running it again with the same colours changes nothing.
    """
    red = sorted(code for code, colour in colours.colours.items() if colour == "red")
    calm = sorted(code for code, colour in colours.colours.items() if colour != "red")
    if counties is not None:
        red = [c for c in red if c in counties]
        calm = [c for c in calm if c in counties]
    suspended = _moved(session, APPROVED, SUSPENDED, red, now, colours)
    resumed = _moved(session, SUSPENDED, APPROVED, calm, now, colours)
    session.flush()
    return ColourSync(suspended, resumed)


def _moved(
    session: Session, old: str, new: str, counties: list[str], now: datetime, colours: CountyColours
) -> list[int]:
    if not counties:
        return []
    query = select(EntDeclaration).where(EntDeclaration.state == old, EntDeclaration.county_code.in_(counties))
    moved = []
    for d in session.scalars(query.order_by(EntDeclaration.id)).all():
        colour = COLOUR_ZH.get(colours.colour(d.county_code) or "", "")
        if new == SUSPENDED:
            reason = f"所在县{d.county_code}转为高风险（红色），复工暂停（{colours.source}）"
        else:
            reason = f"所在县{d.county_code}不再为高风险（现为{colour}），恢复复工（{colours.source}）"
        _move(session, d, new, SYSTEM, now, reason)
        session.add(EntNotice(enterprise_id=d.enterprise_id, declaration_id=d.id, at=now, text=reason))
        moved.append(d.id)
    return moved


def history(session: Session, declaration_id: int) -> list[EntStateChange]:
    """Every state change of a declaration, oldest first."""
    query = select(EntStateChange).where(EntStateChange.declaration_id == declaration_id)
    return list(session.scalars(query.order_by(EntStateChange.id)))


def overdue(d: EntDeclaration, now: datetime) -> bool:
    """True when a declaration waits for review past its SLA."""
    return d.state in OPEN and d.due_at is not None and now > d.due_at
