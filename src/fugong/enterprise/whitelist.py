"""The white list (白名单) of key enterprises, kept per county by its officials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.enterprise import registry
from fugong.enterprise.models import EntEnterprise, EntWhitelistEntry
from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound

CATEGORIES = {
    "epidemic_supplies": "防疫物资",
    "daily_necessities": "生活必需品",
    "utilities": "公用事业",
    "key_project": "重点项目",
    "export": "外贸出口",
}


def _scoped(principal: Principal, county: str) -> None:
    if not principal.may_act_in(county):
        held = ", ".join(sorted(principal.counties)) or "none"
        raise Forbidden(f"{principal.username!r} does not act in county {county} (holds {held})", field="county_code")


def entry_of(session: Session, enterprise_id: int) -> EntWhitelistEntry | None:
    """The enterprise's current white-list entry, if it is listed."""
    query = select(EntWhitelistEntry).where(
        EntWhitelistEntry.enterprise_id == enterprise_id, EntWhitelistEntry.removed_at.is_(None)
    )
    return session.scalars(query).first()


def _reason(reason: str | None, action: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(f"say why you {action} the white list", field="reason")
    if len(text) > 1000:
        raise InvalidInput("the reason is longer than 1000 characters", field="reason")
    return text


def add(
    session: Session, principal: Principal, enterprise_id: int, category: str, reason: str | None, now: datetime
) -> EntWhitelistEntry:
    """List an enterprise of one of the official's counties under a category, saying why."""
    if category not in CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}; categories: {', '.join(CATEGORIES)}", field="category")
    text = _reason(reason, "add a firm to")
    enterprise = registry.get(session, enterprise_id)
    _scoped(principal, enterprise.county_code)
    if entry_of(session, enterprise_id) is not None:
        raise Conflict(f"{enterprise.name} is already on the white list", field="enterprise_id")
    entry = EntWhitelistEntry(
        enterprise_id=enterprise_id,
        county_code=enterprise.county_code,
        category=category,
        added_by=principal.username,
        added_at=now,
        reason=text,
    )
    session.add(entry)
    session.flush()
    return entry


def remove(
    session: Session, principal: Principal, enterprise_id: int, reason: str | None, now: datetime
) -> EntWhitelistEntry:
    """Take an enterprise off the list, saying why (the entry is kept, with who removed it, when and why)."""
    text = _reason(reason, "take a firm off")
    enterprise = registry.get(session, enterprise_id)
    _scoped(principal, enterprise.county_code)
    entry = entry_of(session, enterprise_id)
    if entry is None:
        raise NotFound(f"{enterprise.name} is not on the white list", field="enterprise_id")
    entry.removed_at = now
    entry.removed_by = principal.username
    entry.removed_reason = text
    session.flush()
    return entry


def listed(session: Session, counties: list[str] | None) -> list[dict[str, Any]]:
    """Current entries of some counties (None: every county), with the enterprises' names."""
    query = (
        select(EntWhitelistEntry, EntEnterprise)
        .join(EntEnterprise, EntEnterprise.id == EntWhitelistEntry.enterprise_id)
        .where(EntWhitelistEntry.removed_at.is_(None))
        .order_by(EntWhitelistEntry.county_code, EntEnterprise.name)
    )
    if counties is not None:
        query = query.where(EntWhitelistEntry.county_code.in_(counties))
    return [
        {
            "enterprise_id": e.id,
            "name": e.name,
            "county_code": w.county_code,
            "category": w.category,
            "category_zh": CATEGORIES[w.category],
            "added_by": w.added_by,
            "added_at": w.added_at.isoformat(timespec="seconds"),
            "reason": w.reason,
        }
        for w, e in session.execute(query)
    ]
